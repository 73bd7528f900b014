"""Cycles, rounds, publicity batches, objections, applications and re-verifications in memory, as the SQL
repositories keep them (adapters/db/repositories/cycles.py and process.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

from tests.fakes.table import Table
from wengang.domain.attachments import ApplicationAttachment
from wengang.domain.cycles import Cycle, Round
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


def tables() -> dict[str, Table]:
    """The process tables with the keys and checks of tables.py."""
    return {
        "cycles": Table("cycles", Cycle, label=("周期", "cycle"),
                        unique={"program_pack": lambda c: None if c.cancelled else (c.program, c.pack)},
                        checks={"cancelled_with_reason": lambda c: not c.cancelled or bool(c.cancelled_by
                                                                                          and c.cancel_reason)}),
        "rounds": Table("comparison_rounds", Round, label=("比对轮次", "comparison round"),
                        unique={"cycle_round": lambda r: (r.cycle_id, r.round_no)},
                        checks={"round_positive": lambda r: r.round_no >= 1}),
        "publicity_batches": Table(
            "publicity_batches", PublicityBatch, label=("公示批次", "publicity batch"),
            unique={"number": lambda b: b.number},
            checks={"period_forward": lambda b: b.ends_on >= b.starts_on,
                    "closed_after_period": lambda b: b.closed_on is None or b.closed_on > b.ends_on}),
        "planned_batches": Table(
            "planned_batches", PlannedBatch, label=("计划批次", "planned batch"),
            unique={"cycle_seq": lambda p: (p.cycle_id, p.seq), "publicity_batch": lambda p: p.publicity_batch_id},
            checks={"known_kind": lambda p: p.by in ("district", "size", "count"), "seq_positive": lambda p: p.seq >= 1,
                    "gap_not_negative": lambda p: p.every_days >= 0}),
        "objections": Table("objections", Objection, label=("异议", "objection"), coerce={"status": ObjectionStatus}),
        "applications": Table("applications", Application, label=("申请", "application"),
                              coerce={"status": ApplicationStatus},
                              checks={"commitment_signed": lambda a: bool(a.commitment_accepted)}),
        "reverifications": Table("reverifications", Reverification, label=("复核记录", "re-verification")),
        "application_attachments": Table("application_attachments", ApplicationAttachment, label=("附件", "attachment"),
                                         unique={"application_sha": lambda a: (a.application_id, a.sha256)}),
    }


class _Repository:
    """A repository over one table of the unit of work's state."""

    def __init__(self, table: Table):
        self.t = table

    def get(self, record_id: int, *, lock: bool = False):
        return self.t.get(record_id)


class FakeCycles(_Repository):
    def add(self, **values) -> Cycle:
        return self.t.insert(values)

    def of_program(self, program: str, pack: str) -> Cycle | None:
        return self.t.one(lambda c: c.program == program and c.pack == pack and not c.cancelled)

    def save_cancel(self, cancelled: Cycle) -> bool:
        return self.t.update(cancelled.id, {"cancelled_by": cancelled.cancelled_by,
                                            "cancelled_at": cancelled.cancelled_at,
                                            "cancel_reason": cancelled.cancel_reason}, cancelled_at=None)

    def all(self) -> list[Cycle]:
        return self.t.where()


class FakeRounds(_Repository):
    def add(self, **values) -> Round:
        return self.t.insert(values)

    def of_cycle(self, cycle_id: int) -> list[Round]:
        return self.t.where(lambda r: r.cycle_id == cycle_id, order=lambda r: r.round_no)


class FakePublicityBatches(_Repository):
    def add(self, **values) -> PublicityBatch:
        return self.t.insert({"closed_on": None, "closed_by": None, **values})

    def by_ref(self, ref: str | int, *, lock: bool = False) -> PublicityBatch:
        found = self.t.one(lambda b: b.number == str(ref))
        if found is not None:
            return found
        if str(ref).isdigit():
            return self.get(int(ref))
        raise NotFound(f"没有这个公示批次 / no publicity batch {str(ref)!r}")

    def of_cycle(self, cycle_id: int) -> list[PublicityBatch]:
        return self.t.where(lambda b: b.cycle_id == cycle_id)

    def all(self) -> list[PublicityBatch]:
        return self.t.where()

    def set_entries(self, batch_id: int, entries: int) -> None:
        self.t.update(batch_id, {"entries": entries})

    def save_closing(self, closed: PublicityBatch) -> bool:
        """Only while still open: a list closes once."""
        return self.t.update(closed.id, {"closed_on": closed.closed_on, "closed_by": closed.closed_by},
                             closed_on=None)


class FakePlannedBatches(_Repository):
    def add(self, **values) -> PlannedBatch:
        return self.t.insert({"publicity_batch_id": None, **values})

    def of_cycle(self, cycle_id: int) -> list[PlannedBatch]:
        return self.t.where(lambda p: p.cycle_id == cycle_id, order=lambda p: p.seq)

    def forget(self, cycle_id: int) -> int:
        gone = [p.id for p in self.of_cycle(cycle_id)]
        for planned_id in gone:
            del self.t.rows[planned_id]
        return len(gone)

    def save_start(self, planned_id: int, publicity_batch_id: int) -> bool:
        """Only while not started: a planned batch starts once."""
        return self.t.update(planned_id, {"publicity_batch_id": publicity_batch_id}, publicity_batch_id=None)


class FakeObjections(_Repository):
    def add(self, **values) -> Objection:
        return self.t.insert({**values, "status": ObjectionStatus(values["status"])})

    def of_batch(self, batch_id: int) -> list[Objection]:
        return self.t.where(lambda o: o.batch_id == batch_id)

    def of_case(self, case_id: int) -> list[Objection]:
        return self.t.where(lambda o: o.case_id == case_id)

    def open_of_case(self, case_id: int) -> list[Objection]:
        return self.t.where(lambda o: o.case_id == case_id and o.status == ObjectionStatus.OPEN)

    def open_of_cases(self, case_ids) -> list[Objection]:
        wanted = set(case_ids)
        return self.t.where(lambda o: o.case_id in wanted and o.status == ObjectionStatus.OPEN)

    def count_open(self, batch_id: int) -> int:
        return len(self.t.where(lambda o: o.batch_id == batch_id and o.status == ObjectionStatus.OPEN))

    def save_decision(self, decided: Objection) -> bool:
        """Only while still open: an objection is decided once."""
        return self.t.update(decided.id, {"status": decided.status, "decided_by": decided.decided_by,
                                          "decided_at": decided.decided_at,
                                          "decision_reason": decided.decision_reason},
                             status=ObjectionStatus.OPEN)


class FakeApplications(_Repository):
    def add(self, **values) -> Application:
        return self.t.insert({**values, "status": ApplicationStatus(values["status"])})

    def of_case(self, case_id: int) -> list[Application]:
        return self.t.where(lambda a: a.case_id == case_id)

    def of_cases(self, case_ids) -> list[Application]:
        wanted = set(case_ids)
        return self.t.where(lambda a: a.case_id in wanted)

    def save_decision(self, decided: Application) -> bool:
        """Only while still pending: an application is decided once."""
        return self.t.update(decided.id, {"status": decided.status, "decided_by": decided.decided_by,
                                          "decided_at": decided.decided_at,
                                          "decision_reason": decided.decision_reason},
                             status=ApplicationStatus.PENDING)


class FakeApplicationAttachments(_Repository):
    def add(self, **values) -> ApplicationAttachment:
        return self.t.insert(values)

    def of_applications(self, application_ids) -> list[ApplicationAttachment]:
        wanted = set(application_ids)
        return self.t.where(lambda a: a.application_id in wanted)


COLUMNS = [f.name for f in fields(Reverification) if f.name != "id"]


class FakeReverifications(_Repository):
    def add_many(self, rows: Iterable[Reverification]) -> int:
        """The store numbers them: the rows' own id (UNSAVED) is left out."""
        count = 0
        for r in rows:
            self.t.insert({name: getattr(r, name) for name in COLUMNS})
            count += 1
        return count

    def of_case(self, case_id: int) -> list[Reverification]:
        return self.t.where(lambda r: r.case_id == case_id)
