"""Checkpoint 3: just before approval, decide again on the newest data; what changed leaves the batch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from wengang.config import Settings
from wengang.domain.audit import SYSTEM, Draft
from wengang.domain.cases import Case, State, after_reverification, require
from wengang.domain.errors import Refused
from wengang.domain.ports import Analytics, CaseChange, Store, UnitOfWork
from wengang.domain.process import UNSAVED, Reverification
from wengang.domain.progress import Progress, Silent
from wengang.rules.explain import Line
from wengang.services import evaluation
from wengang.services.casework import batched, bulk_work, load_case
from wengang.services.cycles import Unit, UnitsByCode, keep_supplied, newest_snapshot
from wengang.services.explanations import explain_unit


@dataclass(frozen=True, slots=True)
class Left:
    """A case that left its batch: what was decided before and now, where it went, and why."""

    case_id: int
    uscc: str
    name: str
    old_run_id: str
    new_run_id: str
    old_decision: str
    new_decision: str | None
    old_amount: Decimal
    new_amount: Decimal | None
    new_reasons: str | None
    outcome: str
    reason: str


CHUNK = 50_000       # cases decided again, audited and recorded at a time, all in the one transaction


@dataclass
class Reverified:
    """What a re-verification did: its run, how many passed, and every case that left the batch."""

    run_id: str
    snapshot_id: str
    unchanged: int = 0
    changed: list[Left] = field(default_factory=list)
    in_review: int = 0     # reviewed while on a closed list (Haikou) and not yet decided: not payable, still waiting

    @property
    def waiting(self) -> str:
        """The cases a still-open review holds back, in words (empty when none)."""
        return "" if not self.in_review else (f"{self.in_review} 个案件审核未完成, 暂不能支付, 待审核决定后复核 / "
                                              f"{self.in_review} case(s) still in review: not payable, waiting for "
                                              "the review's decision before re-verification")


def reverify(cycle_id: int, *, store: Store, analytics: Analytics, settings: Settings, snapshot: str | None = None,
             as_of: dt.date | None = None, by: str = SYSTEM, progress: Progress | None = None,
             engine: str = "duckdb") -> Reverified:
    """Every case of a closed publicity batch, decided again on `engine`: unchanged → re-verified, changed → out
    with both runs recorded."""
    progress = progress or Silent()
    with store.reading() as uow:
        cycle = uow.cycles.get(cycle_id)
        closed = [b.id for b in uow.publicity_batches.of_cycle(cycle_id) if not b.is_open]
    if not closed:
        raise Refused("没有已结束公示的批次 / no publicity batch of this cycle has closed yet")
    run = evaluation.evaluate(snapshot or newest_snapshot(analytics), cycle.pack, as_of or cycle.as_of,
                              analytics=analytics, settings=settings, progress=progress, engine=engine)
    found = UnitsByCode(run.decided)
    result = Reverified(run.summary.id, run.summary.snapshot_id)
    progress.step("复核 / re-verifying")
    with store.transaction() as uow, bulk_work():
        uow.cycles.get(cycle_id, lock=True)
        result.in_review = sum(1 for b in closed for _ in uow.cases.of_cycle(cycle_id, [State.REVIEW_LISTED],
                                                                               batch_id=b))
        done = 0
        for b in closed:     # a chunk at a time: a nation's millions of cases are never all in memory at once
            for todo in uow.cases.chunks(cycle_id, [State.PUBLICITY], batch_id=b, size=CHUNK):
                fresh = found.of(todo)
                keep_supplied(uow, analytics, todo, fresh, run.summary.id)
                _reverify_chunk(uow, cycle_id, todo, fresh, run.summary.id, by, result)
                done += len(todo)
        if not done and result.in_review:
            raise Refused(f"已结束批次中没有可复核的案件; {result.waiting}")
        if not done:
            raise Refused("已结束批次中没有待复核的案件 / no case of a closed batch is waiting for re-verification")
        uow.audit.append([Draft(by, "reverification", f"cycle:{cycle_id}", reason="复核 / re-verification",
                                data={"run": run.summary.id, "snapshot": run.summary.snapshot_id,
                                      "unchanged": result.unchanged, "changed": len(result.changed),
                                      "in_review": result.in_review})])
        uow.commit()
    return result


def _reverify_chunk(uow: UnitOfWork, cycle_id: int, todo: list[Case], fresh: dict[str, Unit], run_id: str,
                    by: str, result: Reverified) -> None:
    """One chunk of cases decided again: unchanged → re-verified, changed → out, each audited, the leaving recorded."""
    changes, drafts, records = [], [], []
    for case in todo:
        unit = fresh.get(case.uscc)
        state, reason = after_reverification(case.decision, case.amount, unit.fresh if unit else None)
        require(case.state, state, case.id)
        changes.append(_change(case, state, reason, unit, run_id))
        drafts.append(Draft(by, "reverified", f"case:{case.id}", case.id, case.state.value, state.value, reason,
                            {"uscc": case.uscc, "old_run": case.run_id, "new_run": run_id,
                             "old": {"decision": case.decision, "amount": str(case.amount)},
                             "new": None if unit is None else {"decision": unit.decision,
                                                               "amount": str(unit.amount)}}))
        if state is State.REVERIFIED:
            result.unchanged += 1
            continue
        left = Left(case.id, case.uscc, case.name, case.run_id, run_id, case.decision,
                    unit.decision if unit else None, case.amount, unit.amount if unit else None,
                    unit.reasons if unit else None, state.value, reason)
        records.append(Reverification(UNSAVED, cycle_id, left.case_id, left.old_run_id, left.new_run_id,
                                      left.old_decision, left.new_decision, left.old_amount, left.new_amount,
                                      left.new_reasons, left.outcome, uow.now()))
        result.changed.append(left)
    uow.cases.apply(changes)
    for some in batched(records, 10_000):
        uow.reverifications.add_many(some)
    uow.audit.append(drafts)


def _change(case: Case, state: State, reason: str, unit: Unit | None, run_id: str) -> CaseChange:
    """Unchanged or missing: keep the data; changed: take the new decision (a new review starts afresh)."""
    src = unit if unit is not None and state is not State.REVERIFIED else case
    return CaseChange(case.id, case.version, state.value, reason, src.decision, src.amount, src.ratio_units,
                      src.reasons, run_id if src is unit else case.run_id, src.labor_dispatch, src.has_account,
                      case.review_accepted and state is not State.REVIEW)


def explanations(case_id: int, *, store: Store,
                 analytics: Analytics) -> list[tuple[Reverification, list[tuple[str, str, str]]]]:
    """For each re-verification that moved the case: the record and the two explanations side by side."""
    with store.reading() as uow:
        case = load_case(uow, case_id)
        records = uow.reverifications.of_case(case_id)
    out = []
    for record in records:
        old = explain_unit(case.uscc, analytics=analytics, run_id=record.old_run_id)
        new = explain_unit(case.uscc, analytics=analytics, run_id=record.new_run_id)
        out.append((record, _side_by_side(old or ("—", []), new or ("—", []))))
    return out


def _side_by_side(old: tuple[str, list[Line]], new: tuple[str, list[Line]]) -> list[tuple[str, str, str]]:
    """The headline (decision and amount), then each criterion: before and after on one row."""
    labels = list(dict.fromkeys([line.label for line in old[1]] + [line.label for line in new[1]]))
    before = {line.label: f"{line.outcome} ({line.read})" for line in old[1]}
    after = {line.label: f"{line.outcome} ({line.read})" for line in new[1]}
    return [("决定 decision", old[0], new[0])] + [(label, before.get(label, "—"), after.get(label, "—"))
                                                 for label in labels]
