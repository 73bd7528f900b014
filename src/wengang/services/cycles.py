"""Open a cycle (one case per unit, routed by its decision) and run the further comparison rounds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

import pyarrow as pa

from wengang.config import Settings
from wengang.domain.audit import SYSTEM, Draft
from wengang.domain.cases import (
    PRE_PUBLICITY,
    TERMINAL,
    Case,
    Fresh,
    Gates,
    State,
    after_comparison,
    require,
    route_reason,
)
from wengang.domain.cases import route as route_case
from wengang.domain.cycles import Cycle, Round
from wengang.domain.errors import ConcurrentChange, NotFound, Refused
from wengang.domain.ports import Analytics, CaseChange, NewCase, Store, UnitOfWork
from wengang.domain.process import PublicityBatch
from wengang.domain.progress import Progress, Silent
from wengang.rules.parameters import PackError, load_pack
from wengang.rules.programmes import first_in_line, programme_of
from wengang.services import combination, evaluation, supplied
from wengang.services.casework import batched, bulk_work, fen_to_yuan

CHUNK = 50_000
SIZE_CLASSES = ("large", "medium", "small", "micro")     # what a case keeps; the run's "unknown" is kept as None
# 惠及职工 (employees covered): the unit's insured headcount as the run read it — the programme's own headcount (the
# month before the date, or the hires it pays for), else the base year's closing and opening headcounts.
INSURED_COLUMNS = ("headcount", "insured_dec", "opening_insured")
UNIT_COLUMNS = ("uscc", "name", "decision", "amount_fen", "ratio_units", "reasons", "labor_dispatch", "has_account")


class Unit(NamedTuple):
    """One unit's row of a decisions run, as the case process reads it."""

    uscc: str
    name: str
    decision: str
    amount: Decimal
    ratio_units: int | None
    reasons: str
    labor_dispatch: bool
    has_account: bool
    size_class: str | None = None      # None: unknown (the queues filter on it)
    insured: int | None = None         # 惠及职工: the run's insured headcount; None: unknown
    industry: str | None = None        # from the snapshot (the Analytics port's unit_kinds); None: unknown
    unit_type: str | None = None

    @property
    def fresh(self) -> Fresh:
        return Fresh(self.decision, self.amount, self.reasons, self.labor_dispatch, self.has_account)


UNIT_SLICE = 100_000     # rows of a decided table made Python values at a time: a nation's 10 M never at once


def units(decided: pa.Table, kinds: Mapping[str, tuple[str | None, str | None]] | None = None) -> Iterator[Unit]:
    """Rows of a decided table, a slice at a time; a missing flag reads as not a dispatch firm and no usable account;
    `kinds` gives each unit's industry and unit type from the snapshot (a unit not in it: unknown)."""
    kinds = kinds or {}
    for start in range(0, decided.num_rows, UNIT_SLICE):
        part = decided.slice(start, UNIT_SLICE)
        cols = [part.column(c).to_pylist() for c in UNIT_COLUMNS]
        insured = [next((v for v in vs if v is not None), None)
                   for vs in zip(*(_column(part, c) for c in INSURED_COLUMNS), strict=True)]
        for uscc, name, decision, fen, ratio, reasons, dispatch, account, size, heads in zip(
                *cols, _column(part, "size_class"), insured, strict=True):
            industry, unit_type = kinds.get(uscc, (None, None))
            yield Unit(uscc, name or "", decision, fen_to_yuan(fen), ratio, reasons or "", bool(dispatch),
                       bool(account), size if size in SIZE_CLASSES else None, heads, industry, unit_type)


def _column(decided: pa.Table, name: str) -> list:
    """A column of the decided table as values, all None when the run has no such column."""
    return decided.column(name).to_pylist() if name in decided.column_names else [None] * decided.num_rows


class Compared(NamedTuple):
    """What a comparison round did: its number and run, how many cases changed, how many moved state."""

    round: int
    run_id: str
    snapshot_id: str
    changed: int
    moved: int


@dataclass
class CycleStatus:
    """A cycle with its rounds, batches and cases counted by state."""

    cycle: Cycle
    rounds: list[Round]
    batches: list[PublicityBatch]
    counts: dict[str, tuple[int, Decimal]] = field(default_factory=dict)

    @property
    def cases(self) -> int:
        return sum(n for n, _ in self.counts.values())


def newest_snapshot(analytics: Analytics) -> str:
    """The most recently imported snapshot, the default data for every checkpoint."""
    found = analytics.snapshots()
    if not found:
        raise NotFound("还没有导入快照 / no snapshot imported yet: run `wengang snapshot import` or give --snapshot")
    return found[-1].id


def programme_for(pack_id: str) -> str:
    """The programme a pack's cycle carries (its cases, its combination rules); an unknown pack says so, and so does a
    programme that pays nothing (contribution relief is a report of dues relieved, not a payment cycle)."""
    pack = load_pack(pack_id)
    if not programme_of(pack).pays:
        raise Refused(f"{pack.title}不发放资金, 不开启支付周期; 请用 wengang evaluate --out 导出减免明细 / {pack.title_en} "
                      "pays nothing: no payment cycle is opened; `wengang evaluate --out` lists the relief")
    return pack.programme


def rounds_required(pack_id: str, as_of: dt.date) -> int:
    try:
        return max(1, int(load_pack(pack_id).value("comparison_rounds", as_of).value))
    except PackError:
        return 1


def open_cycle(pack_id: str, as_of: dt.date, *, store: Store, analytics: Analytics, settings: Settings,
               snapshot: str | None = None, by: str = SYSTEM, program: str | None = None,
               progress: Progress | None = None, engine: str = "duckdb") -> CycleStatus:
    """Checkpoint 1, round 1: evaluate the pack on the snapshot (on `engine`: DuckDB, or Spark for a snapshot too
    large for one box), then turn the run into cases."""
    progress = progress or Silent()
    programme_for(pack_id)                              # a pack that opens no cycle is refused before any work
    run = evaluation.evaluate(snapshot or newest_snapshot(analytics), pack_id, as_of, analytics=analytics,
                              settings=settings, progress=progress, engine=engine)
    progress.step("读取单位行业与类型 / reading the units' industry and type")
    return open_from_decided(run.decided, store=store, pack_id=pack_id, as_of=as_of,
                             snapshot_id=run.summary.snapshot_id, run_id=run.summary.id, by=by, program=program,
                             progress=progress, kinds=analytics.unit_kinds(run.summary.snapshot_id))


def open_from_decided(decided: pa.Table, *, store: Store, pack_id: str, as_of: dt.date, snapshot_id: str,
                      run_id: str, by: str = SYSTEM, program: str | None = None,
                      progress: Progress | None = None,
                      kinds: Mapping[str, tuple[str | None, str | None]] | None = None) -> CycleStatus:
    """One case per unit in a handful of set-based statements, each with its audit entry, in one transaction. The
    cases carry the pack's programme unless another is named, and each unit's industry and type from `kinds`."""
    progress = progress or Silent()
    expected = programme_for(pack_id)                   # refuses a programme that pays nothing, whatever the label
    program = program or expected
    required = rounds_required(pack_id, as_of)
    with store.transaction() as uow, bulk_work():
        if uow.cycles.of_program(program, pack_id):
            raise Refused(f"政策包 {pack_id} 已有周期 / program {program} already has a cycle for {pack_id}")
        cycle_id = uow.cycles.add(program=program, pack=pack_id, as_of=as_of, snapshot_id=snapshot_id, run_id=run_id,
                                  rounds_required=required, opened_by=by, opened_at=uow.now()).id
        progress.step(f"建立案件并写入审计 / creating {decided.num_rows:,} cases with their audit entries")
        done = 0
        for chunk in batched(units(decided, kinds), CHUNK):
            rows = [_new_case(program, cycle_id, run_id, u) for u in chunk]
            uow.audit.append(_opened(rows, uow.cases.insert_many(rows), by, snapshot_id))
            done += len(rows)
            progress.advance(done, decided.num_rows)
        uow.rounds.add(cycle_id=cycle_id, round_no=1, snapshot_id=snapshot_id, run_id=run_id, units=decided.num_rows,
                       changed=0, done_by=by, done_at=uow.now())
        combination.enforce(uow, cycle_id, by=by, paying=False)      # the packs' rules: once a year in a group
        counts = uow.cases.count_by_state(cycle_id)
        uow.audit.append([Draft(by, "cycle_opened", f"cycle:{cycle_id}", reason="开启周期 / cycle opened",
                                data={"pack": pack_id, "as_of": as_of.isoformat(), "snapshot": snapshot_id,
                                      "run": run_id, "rounds_required": required,
                                      "counts": {k: v[0] for k, v in counts.items()}})])
        uow.commit()
    store.settle("cases")                    # the dashboard's first reads of a new city-sized cycle
    return status(cycle_id, store=store)


def _new_case(program: str, cycle_id: int, run_id: str, u: Unit) -> NewCase:
    state = route_case(Gates(u.decision, u.labor_dispatch, u.has_account))
    return NewCase(program, cycle_id, u.uscc, u.name, u.decision, u.amount, u.ratio_units, u.reasons, run_id,
                   u.labor_dispatch, u.has_account, False, False, False, state.value,
                   route_reason(state, u.reasons), None, 1, u.size_class, u.insured, u.industry, u.unit_type)


def _opened(rows: list[NewCase], ids: list[int], by: str, snapshot_id: str) -> Iterator[Draft]:
    for case_id, row in zip(ids, rows, strict=True):
        yield Draft(by, "case_opened", f"case:{case_id}", case_id, None, row.state, row.reason,
                    {"uscc": row.uscc, "decision": row.decision, "amount": str(row.amount),
                     "reasons": row.reasons, "run": row.run_id, "snapshot": snapshot_id})


def compare(cycle_id: int, *, store: Store, analytics: Analytics, settings: Settings, snapshot: str | None = None,
            as_of: dt.date | None = None, by: str = SYSTEM, progress: Progress | None = None,
            engine: str = "duckdb") -> Compared:
    """Checkpoint 1, a further round: re-evaluate on newer data (e.g. late department flags) before publicity."""
    progress = progress or Silent()
    with store.reading() as uow:
        cycle = uow.cycles.get(cycle_id)
        done = uow.rounds.of_cycle(cycle_id)
        if uow.publicity_batches.of_cycle(cycle_id):
            raise Refused("公示已开始, 比对轮次已结束 / publicity has started: comparison rounds are over")
        round_no = cycle.next_round(len(done))
    run = evaluation.evaluate(snapshot or newest_snapshot(analytics), cycle.pack, as_of or cycle.as_of,
                              analytics=analytics, settings=settings, progress=progress, engine=engine)
    found = UnitsByCode(run.decided)
    progress.step(f"比对第 {round_no} 轮 / comparison round {round_no}")
    changed = moved = 0
    with store.transaction() as uow, bulk_work():
        uow.cycles.get(cycle_id, lock=True)
        for todo in uow.cases.chunks(cycle_id, PRE_PUBLICITY, size=CHUNK):   # a nation's cases never all at once
            fresh = found.of(todo)
            keep_supplied(uow, analytics, todo, fresh, run.summary.id)
            changes, drafts = [], []
            for case in todo:
                if compared := _compared(case, fresh.get(case.uscc), run.summary.id, round_no, by):
                    changes.append(compared[0])
                    drafts.append(compared[1])
            uow.cases.apply(changes)
            uow.audit.append(drafts)
            changed += len(changes)
            moved += sum(1 for d in drafts if d.from_state != d.to_state)
        uow.rounds.add(cycle_id=cycle_id, round_no=round_no, snapshot_id=run.summary.snapshot_id,
                       run_id=run.summary.id, units=run.decided.num_rows, changed=changed, done_by=by,
                       done_at=uow.now())
        uow.audit.append([Draft(by, "comparison_round", f"cycle:{cycle_id}",
                                reason=f"第 {round_no} 轮比对 / round {round_no}",
                                data={"round": round_no, "snapshot": run.summary.snapshot_id, "run": run.summary.id,
                                      "changed": changed})])
        uow.commit()
    return Compared(round_no, run.summary.id, run.summary.snapshot_id, changed, moved)


class UnitsByCode:
    """A run's decided units found by credit code, made Python values only for the cases in hand: a nation's ten
    million rows are indexed once, never all turned into units at once."""

    def __init__(self, decided: pa.Table):
        self._decided = decided
        self._row = {uscc: i for i, uscc in enumerate(decided.column("uscc").to_pylist())}

    def of(self, cases: Iterable[Case]) -> dict[str, Unit]:
        rows = [self._row[c.uscc] for c in cases if c.uscc in self._row]
        return {u.uscc: u for u in units(self._decided.take(rows))}


def _compared(case: Case, unit: Unit | None, run_id: str, round_no: int, by: str) -> tuple[CaseChange, Draft] | None:
    """The change a round makes to one case (new state and/or fresh data), or None when nothing differs."""
    outcome = after_comparison(case.state, case.gates, unit.fresh if unit else None)
    same_data = unit is None or (unit.decision, unit.amount, unit.reasons, unit.labor_dispatch, unit.has_account,
                                 unit.ratio_units) == (case.decision, case.amount, case.reasons, case.labor_dispatch,
                                                       case.has_account, case.ratio_units)
    if outcome is None and same_data:
        return None
    state, reason = outcome if outcome else (case.state, case.reason)
    if state is not case.state:
        require(case.state, state, case.id)
    src = unit or case
    change = CaseChange(case.id, case.version, state.value, reason, src.decision, src.amount, src.ratio_units,
                        src.reasons, run_id if unit else case.run_id, src.labor_dispatch, src.has_account,
                        case.review_accepted)
    data = {"uscc": case.uscc, "round": round_no, "run": run_id,
            "old": {"decision": case.decision, "amount": str(case.amount), "reasons": case.reasons},
            "new": None if unit is None else {"decision": unit.decision, "amount": str(unit.amount),
                                              "reasons": unit.reasons}}
    return change, Draft(by, "compared", f"case:{case.id}", case.id, case.state.value, state.value, reason, data)


def keep_supplied(uow: UnitOfWork, analytics: Analytics, cases: Iterable[Case], fresh: dict[str, Unit],
                  run_id: str) -> int:
    """A unit accepted on supplied facts keeps them in a later round or at re-verification: it is decided again on the
    new run with the same facts (they replace the snapshot's for those fields only; a new flag, arrears or missing
    months still count). Without this the newer run would send it back to review for the facts already supplied.
    Returns how many units were decided again."""
    again = 0
    for case in cases:
        unit = fresh.get(case.uscc)
        if unit is None or not case.review_accepted:
            continue
        facts = supplied.facts_of(uow.audit.for_case(case.id))
        found = analytics.redecide(case.uscc, run_id, facts.values) if facts else None
        if found is None:
            continue
        row = found.row
        fresh[case.uscc] = unit._replace(decision=row["decision"], amount=fen_to_yuan(row["amount_fen"]),
                                         ratio_units=row["ratio_units"], reasons=row["reasons"] or "")
        again += 1
    return again


# What a cycle's cases may be in when it is cancelled: nothing paid, nothing committed to a batch.
BEFORE_MONEY = PRE_PUBLICITY | {State.PUBLICITY, State.OBJECTION, State.REVERIFIED}
MONEY_MOVED = ("approved", "sent")


def check_cancel(uow: UnitOfWork, cycle_id: int, reason: str, *, by: str = SYSTEM,
                 lock: bool = False) -> tuple[Cycle, Cycle]:
    """The cycle and the cycle called off, or Refused in words: without a reason, a second time, once a payment batch
    is approved or sent, or while one waits for approval. Changes nothing (a job's submission asks it first)."""
    cycle = uow.cycles.get(cycle_id, lock=lock)
    cancelled = cycle.cancel(by, uow.now(), reason)
    live = [b for b in uow.payment_batches.of_cycle(cycle_id) if b.status != "cancelled"]
    moved = [b.number for b in live if b.status in MONEY_MOVED]
    if moved:
        raise Refused(f"批次 {', '.join(moved)} 已审批或已发出, 资金已动用, 周期不能撤销 / money has moved: batch "
                      f"{', '.join(moved)} is approved or sent, so the cycle can no longer be cancelled")
    if live:
        numbers = ", ".join(b.number for b in live)
        raise Refused(f"批次 {numbers} 尚未作废: 请先在支付批次页作废, 再撤销周期 / batch {numbers} is still "
                      "waiting: cancel it on its batch page first, then the cycle")
    return cycle, cancelled


def cancel(cycle_id: int, *, store: Store, reason: str, by: str, job_id: int | None = None,
           progress: Progress | None = None) -> int:
    """Call a cycle off before any money moved (opened on the wrong data, say): every case still open is closed as
    not paid, with the reason, each audited, in one transaction; refused as check_cancel says, and while a job other
    than `job_id` (the one running this) is queued or running on the cycle. How many cases it closed."""
    progress = progress or Silent()
    with store.transaction() as uow, bulk_work():
        cycle, cancelled = check_cancel(uow, cycle_id, reason, by=by, lock=True)
        job = uow.jobs.active(f"cycle:{cycle_id}")
        if job is not None and job.id != job_id:
            raise Refused(f"任务 {job.id} 正在排队或运行, 请等它结束 / job {job.id} is queued or running on this "
                          "cycle: wait for it to end")
        total = sum(n for n, _ in uow.cases.count_by_state(cycle_id).values())
        progress.step(f"读取周期案件 / reading the cycle's {total:,} cases")
        cases: list[Case] = []
        read = 0
        for chunk in uow.cases.chunks(cycle_id, size=CHUNK):
            cases.extend(c for c in chunk if c.state not in TERMINAL)
            read += len(chunk)
            progress.advance(read, total)
        stuck = sum(c.state not in BEFORE_MONEY for c in cases)
        if stuck:
            raise Refused(f"有 {stuck} 个案件已进入支付, 周期不能撤销 / {stuck} cases are already in payment: the "
                          "cycle can no longer be cancelled")
        said = reason.strip()
        why = f"周期已撤销, 不予返还 / the cycle was cancelled: {said}"
        progress.step(f"案件不予返还并写入审计 / closing {len(cases):,} cases with their audit entries")
        done = 0
        for part in batched(cases, CHUNK):
            uow.cases.move_each([(c.id, c.state, require(c.state, State.REJECTED, c.id)) for c in part], why)
            uow.audit.append(Draft(by, "case_closed", f"case:{c.id}", c.id, c.state.value, State.REJECTED.value, why,
                                   {"uscc": c.uscc, "amount": str(c.amount), "cycle": cycle_id}) for c in part)
            done += len(part)
            progress.advance(done, len(cases))
        if not uow.cycles.save_cancel(cancelled):
            raise ConcurrentChange(f"周期 / cycle {cycle_id}")
        uow.audit.append([Draft(by, "cycle_cancelled", f"cycle:{cycle_id}", reason=said,
                                data={"pack": cycle.pack, "program": cycle.program, "closed": len(cases)})])
        uow.commit()
    return len(cases)


def list_cycles(*, store: Store) -> list[Cycle]:
    """Every cycle for a picker: the live ones of a VIP programme first (enterprises in difficulty, newest first),
    then the rest as they were opened."""
    with store.reading() as uow:
        found = uow.cycles.all()
    vip = sorted((c for c in found if first_in_line(c.program) and not c.cancelled), key=lambda c: -c.id)
    return vip + [c for c in found if c not in vip]


def status(cycle_id: int, *, store: Store) -> CycleStatus:
    with store.reading() as uow:
        cycle = uow.cycles.get(cycle_id)
        return CycleStatus(cycle, uow.rounds.of_cycle(cycle_id),
                           uow.publicity_batches.of_cycle(cycle_id), uow.cases.count_by_state(cycle_id))


def cases(cycle_id: int, *, store: Store, state: str | None = None, limit: int = 50) -> list[Case]:
    with store.reading() as uow:
        uow.cycles.get(cycle_id)
        return list(uow.cases.of_cycle(cycle_id, [State(state)] if state else None, limit=limit))
