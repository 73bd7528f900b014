"""Publicity batches, objections, applications and re-verifications in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields

from sqlalchemy import delete, func, insert, select

from wengang.adapters.db.repositories.base import TableRepository
from wengang.adapters.db.tables import (
    application_attachments,
    applications,
    batches,
    objections,
    planned_batches,
    reverifications,
)
from wengang.domain.attachments import ApplicationAttachment
from wengang.domain.errors import NotFound
from wengang.domain.process import (
    Application,
    ApplicationStatus,
    Objection,
    ObjectionStatus,
    PublicityBatch,
    Reverification,
)
from wengang.domain.publicity_plan import PlannedBatch


class SqlPublicityBatches(TableRepository[PublicityBatch]):
    """The PublicityBatches repository on one connection."""

    table, model, label = batches, PublicityBatch, ("公示批次", "publicity batch")

    def add(self, **values) -> PublicityBatch:
        """Store a new list and give it back with its id."""
        return self._insert(values)

    def by_ref(self, ref: str | int, *, lock: bool = False) -> PublicityBatch:
        """Staff and the public name a list by its number (C1-P1); an id also works."""
        found = self._one(batches.c.number == str(ref), lock=lock)
        if found is not None:
            return found
        if str(ref).isdigit():
            return self.get(int(ref), lock=lock)
        raise NotFound(f"没有这个公示批次 / no publicity batch {str(ref)!r}")

    def of_cycle(self, cycle_id: int) -> list[PublicityBatch]:
        """The cycle's lists, oldest first (their order numbers the next one)."""
        return self._many(batches.c.cycle_id == cycle_id)

    def all(self) -> list[PublicityBatch]:
        """Every list, oldest first."""
        return self._many()

    def set_entries(self, batch_id: int, entries: int) -> None:
        """How many cases the list holds, known once they are on it."""
        self._update(batch_id, {"entries": entries})

    def save_closing(self, closed: PublicityBatch) -> bool:
        """Store the closing only while the list is still open, so it closes once."""
        return self._update(closed.id, {"closed_on": closed.closed_on, "closed_by": closed.closed_by}, closed_on=None)


class SqlPlannedBatches(TableRepository[PlannedBatch]):
    """The PlannedBatches repository on one connection."""

    table, model, label = planned_batches, PlannedBatch, ("计划批次", "planned batch")

    def add(self, **values) -> PlannedBatch:
        return self._insert(values)

    def of_cycle(self, cycle_id: int) -> list[PlannedBatch]:
        return self._many(planned_batches.c.cycle_id == cycle_id, order_by="seq")

    def forget(self, cycle_id: int) -> int:
        return self.conn.execute(delete(planned_batches).where(planned_batches.c.cycle_id == cycle_id)).rowcount

    def save_start(self, planned_id: int, publicity_batch_id: int) -> bool:
        return self._update(planned_id, {"publicity_batch_id": publicity_batch_id}, publicity_batch_id=None)


class SqlObjections(TableRepository[Objection]):
    """The Objections repository on one connection."""

    table, model, label = objections, Objection, ("异议", "objection")

    def _row(self, row) -> Objection:
        """The stored status as its typed value."""
        return Objection(**{**row._mapping, "status": ObjectionStatus(row.status)})

    def add(self, **values) -> Objection:
        """Store a new objection and give it back with its id."""
        return self._insert({**values, "status": ObjectionStatus(values["status"]).value})

    def of_batch(self, batch_id: int) -> list[Objection]:
        """A list's objections, in the order they came."""
        return self._many(objections.c.batch_id == batch_id)

    def of_case(self, case_id: int) -> list[Objection]:
        """A case's objections, in the order they came."""
        return self._many(objections.c.case_id == case_id)

    def open_of_case(self, case_id: int) -> list[Objection]:
        """A case's objections still waiting for a decision."""
        return self._many(objections.c.case_id == case_id, objections.c.status == ObjectionStatus.OPEN.value)

    def open_of_cases(self, case_ids: Sequence[int]) -> list[Objection]:
        """The open objections of a page of cases in one query (by the case_id index)."""
        if not case_ids:
            return []
        return self._many(objections.c.case_id.in_(list(case_ids)), objections.c.status == ObjectionStatus.OPEN.value)

    def count_open(self, batch_id: int) -> int:
        """How many objections to a list still wait for a decision."""
        query = select(func.count()).where(objections.c.batch_id == batch_id,
                                           objections.c.status == ObjectionStatus.OPEN.value)
        return int(self.conn.execute(query).scalar_one())

    def save_decision(self, decided: Objection) -> bool:
        """Store the decision only while the objection is still open, so it is decided once."""
        return self._update(decided.id, {"status": decided.status.value, "decided_by": decided.decided_by,
                                         "decided_at": decided.decided_at,
                                         "decision_reason": decided.decision_reason},
                            status=ObjectionStatus.OPEN.value)


class SqlApplications(TableRepository[Application]):
    """The Applications repository on one connection."""

    table, model, label = applications, Application, ("申请", "application")

    def _row(self, row) -> Application:
        """The stored status as its typed value."""
        return Application(**{**row._mapping, "status": ApplicationStatus(row.status)})

    def add(self, **values) -> Application:
        """Store a new application and give it back with its id."""
        return self._insert({**values, "status": ApplicationStatus(values["status"]).value})

    def of_case(self, case_id: int) -> list[Application]:
        """A case's applications, in the order they were filed."""
        return self._many(applications.c.case_id == case_id)

    def of_cases(self, case_ids: Sequence[int]) -> list[Application]:
        """The applications of a page of cases in one query, in the order they were filed."""
        return self._many(applications.c.case_id.in_(list(case_ids))) if case_ids else []

    def save_decision(self, decided: Application) -> bool:
        """Store the decision only while the application is still pending, so it is decided once."""
        return self._update(decided.id, {"status": decided.status.value, "decided_by": decided.decided_by,
                                         "decided_at": decided.decided_at,
                                         "decision_reason": decided.decision_reason},
                            status=ApplicationStatus.PENDING.value)


class SqlApplicationAttachments(TableRepository[ApplicationAttachment]):
    """The ApplicationAttachments repository on one connection."""

    table, model, label = application_attachments, ApplicationAttachment, ("附件", "attachment")

    def add(self, **values) -> ApplicationAttachment:
        """Store one attachment row and give it back with its id."""
        return self._insert(values)

    def of_applications(self, application_ids: Sequence[int]) -> list[ApplicationAttachment]:
        """The attachments of a set of applications in one query, in the order they were added."""
        ids = list(application_ids)
        return self._many(application_attachments.c.application_id.in_(ids)) if ids else []


COLUMNS = [f.name for f in fields(Reverification) if f.name != "id"]


class SqlReverifications(TableRepository[Reverification]):
    """The Reverifications repository on one connection."""

    table, model, label = reverifications, Reverification, ("复核记录", "re-verification")

    def add_many(self, rows: Iterable[Reverification]) -> int:
        """One executemany for a whole chunk; the database numbers the rows."""
        values = [{name: getattr(r, name) for name in COLUMNS} for r in rows]
        if values:
            self.conn.execute(insert(reverifications), values)
        return len(values)

    def of_case(self, case_id: int) -> list[Reverification]:
        """Every re-verification that moved the case, oldest first."""
        return self._many(reverifications.c.case_id == case_id)

