"""Publicity batches, objections, applications and re-verifications in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

from sqlalchemy import func, insert, select

from wengang.adapters.db.repositories.base import TableRepository
from wengang.adapters.db.tables import applications, batches, objections, reverifications
from wengang.domain.errors import NotFound
from wengang.domain.process import (
    Application,
    ApplicationStatus,
    Objection,
    ObjectionStatus,
    PublicityBatch,
    Reverification,
)


class SqlPublicityBatches(TableRepository[PublicityBatch]):
    """The PublicityBatches repository on one connection."""

    table, model, label = batches, PublicityBatch, ("公示批次", "publicity batch")

    def add(self, **values) -> PublicityBatch:
        return self._insert(values)

    def by_ref(self, ref: str | int, *, lock: bool = False) -> PublicityBatch:
        found = self._one(batches.c.number == str(ref), lock=lock)
        if found is not None:
            return found
        if str(ref).isdigit():
            return self.get(int(ref), lock=lock)
        raise NotFound(f"没有这个公示批次 / no publicity batch {str(ref)!r}")

    def of_cycle(self, cycle_id: int) -> list[PublicityBatch]:
        return self._many(batches.c.cycle_id == cycle_id)

    def all(self) -> list[PublicityBatch]:
        return self._many()

    def set_entries(self, batch_id: int, entries: int) -> None:
        self._update(batch_id, {"entries": entries})

    def save_closing(self, closed: PublicityBatch) -> bool:
        return self._update(closed.id, {"closed_on": closed.closed_on, "closed_by": closed.closed_by}, closed_on=None)


class SqlObjections(TableRepository[Objection]):
    """The Objections repository on one connection."""

    table, model, label = objections, Objection, ("异议", "objection")

    def _row(self, row) -> Objection:
        return Objection(**{**row._mapping, "status": ObjectionStatus(row.status)})

    def add(self, **values) -> Objection:
        return self._insert({**values, "status": ObjectionStatus(values["status"]).value})

    def of_batch(self, batch_id: int) -> list[Objection]:
        return self._many(objections.c.batch_id == batch_id)

    def of_case(self, case_id: int) -> list[Objection]:
        return self._many(objections.c.case_id == case_id)

    def open_of_case(self, case_id: int) -> list[Objection]:
        return self._many(objections.c.case_id == case_id, objections.c.status == ObjectionStatus.OPEN.value)

    def count_open(self, batch_id: int) -> int:
        query = select(func.count()).where(objections.c.batch_id == batch_id,
                                           objections.c.status == ObjectionStatus.OPEN.value)
        return int(self.conn.execute(query).scalar_one())

    def save_decision(self, decided: Objection) -> bool:
        return self._update(decided.id, {"status": decided.status.value, "decided_by": decided.decided_by,
                                         "decided_at": decided.decided_at,
                                         "decision_reason": decided.decision_reason},
                            status=ObjectionStatus.OPEN.value)


class SqlApplications(TableRepository[Application]):
    """The Applications repository on one connection."""

    table, model, label = applications, Application, ("申请", "application")

    def _row(self, row) -> Application:
        return Application(**{**row._mapping, "status": ApplicationStatus(row.status)})

    def add(self, **values) -> Application:
        return self._insert({**values, "status": ApplicationStatus(values["status"]).value})

    def of_case(self, case_id: int) -> list[Application]:
        return self._many(applications.c.case_id == case_id)

    def save_decision(self, decided: Application) -> bool:
        return self._update(decided.id, {"status": decided.status.value, "decided_by": decided.decided_by,
                                         "decided_at": decided.decided_at,
                                         "decision_reason": decided.decision_reason},
                            status=ApplicationStatus.PENDING.value)


COLUMNS = [f.name for f in fields(Reverification) if f.name != "id"]


class SqlReverifications(TableRepository[Reverification]):
    """The Reverifications repository on one connection."""

    table, model, label = reverifications, Reverification, ("复核记录", "re-verification")

    def add_many(self, rows: Iterable[Reverification]) -> int:
        values = [{name: getattr(r, name) for name in COLUMNS} for r in rows]
        if values:
            self.conn.execute(insert(reverifications), values)
        return len(values)

    def of_case(self, case_id: int) -> list[Reverification]:
        return self._many(reverifications.c.case_id == case_id)

