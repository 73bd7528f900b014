"""A cycle's publicity plan (Xining: "分批次排出公示计划"): preview, save (again while nothing started), show, and
start each planned batch on its day, never before it; the worker starts those that are due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from wengang.domain.audit import SYSTEM, Draft
from wengang.domain.cases import LISTED, State
from wengang.domain.cycles import Cycle
from wengang.domain.days import beijing_date
from wengang.domain.errors import Refused
from wengang.domain.ports import Store, UnitOfWork
from wengang.domain.process import PublicityBatch
from wengang.domain.progress import Progress, Silent
from wengang.domain.publicity_plan import (
    Entry,
    Group,
    PlannedBatch,
    Rule,
    extra_day,
    next_to_start,
    replannable,
    rule,
    split,
)
from wengang.services.casework import bulk_work
from wengang.services.publicity import publish, review_during_publicity


def planned_states(cycle: Cycle, day: dt.date) -> list[State]:
    """What a plan takes: identified cases, and cases in review where the pack lets review run during publicity."""
    return [State.IDENTIFIED] + ([State.REVIEW] if review_during_publicity(cycle.pack, day) else [])


def _entries(uow: UnitOfWork, cycle: Cycle, day: dt.date) -> list[Entry]:
    return [Entry(c.id, c.uscc, c.amount, c.size_class or "unknown")
            for chunk in uow.cases.chunks(cycle.id, planned_states(cycle, day)) for c in chunk]


@dataclass(frozen=True, slots=True)
class Preview:
    """A plan before it is saved: the rule (checked) and its batches."""

    cycle_id: int
    rule: Rule
    groups: list[Group]


def preview(cycle_id: int, *, store: Store, by: str, per: int | None, first_day: dt.date | None,
            every_days: int) -> Preview:
    """The batches a rule would make of the cycle's cases now; changes nothing."""
    with store.reading() as uow:
        return _preview(uow, cycle_id, by, per, first_day, every_days)


def _preview(uow: UnitOfWork, cycle_id: int, by: str, per: int | None, first: dt.date | None,
             every_days: int) -> Preview:
    cycle = uow.cycles.get(cycle_id)
    today = beijing_date(uow.now())
    r = rule(by, per, first, every_days, today=today)
    groups = split(_entries(uow, cycle, r.first_day), r)
    if not groups:
        raise Refused("没有待公示的案件可排计划 / no case is waiting for publicity: nothing to plan")
    return Preview(cycle_id, r, groups)


def plan(cycle_id: int, *, store: Store, by: str, per: int | None, first_day: dt.date | None, every_days: int,
         by_user: str = SYSTEM) -> list[PlannedBatch]:
    """Save the plan (replacing one of which nothing has started), each case named into its planned batch; audited."""
    with store.transaction() as uow, bulk_work():
        uow.cycles.get(cycle_id, lock=True)
        old = uow.planned_batches.of_cycle(cycle_id)
        replannable(old)
        p = _preview(uow, cycle_id, by, per, first_day, every_days)
        uow.cases.plan(cycle_id, [])                     # forget the old plan's cases before its batches go
        uow.planned_batches.forget(cycle_id)
        saved = [uow.planned_batches.add(cycle_id=cycle_id, seq=g.seq, by=p.rule.by, key=g.key,
                                         scheduled_on=g.scheduled_on, every_days=p.rule.every_days,
                                         planned_by=by_user, planned_at=uow.now()) for g in p.groups]
        uow.cases.plan(cycle_id, [(s.id, list(g.case_ids)) for s, g in zip(saved, p.groups, strict=True)])
        uow.audit.append([Draft(by_user, "publicity_planned", f"cycle:{cycle_id}",
                                reason=f"公示计划 / publicity plan: {len(saved)} 批 batches by {p.rule.by}",
                                data={"by": p.rule.by, "per": p.rule.per, "first_day": p.rule.first_day.isoformat(),
                                      "every_days": p.rule.every_days, "replaced": len(old),
                                      "batches": [{"seq": g.seq, "key": g.key, "day": g.scheduled_on.isoformat(),
                                                   "cases": len(g.case_ids), "amount": str(g.amount)}
                                                  for g in p.groups]})])
        uow.commit()
        return saved


@dataclass(frozen=True, slots=True)
class Row:
    """A planned batch as staff see it: planned, started or closed; its cases and amount while planned (as they are
    now), once started its list's entries and the amount of those still on a list or past it; its publicity batch;
    whether it may start today."""

    planned: PlannedBatch
    state: str
    cases: int
    amount: Decimal
    batch: PublicityBatch | None
    due: bool


@dataclass(frozen=True, slots=True)
class Plan:
    """A cycle's plan: its rows, today, the cases identified after it and which batch takes them (None: a new one)."""

    cycle: Cycle
    today: dt.date
    rows: list[Row]
    later: tuple[int, Decimal]
    joins: PlannedBatch | None


def show(cycle_id: int, *, store: Store) -> Plan:
    """The plan of a cycle with each batch's state (an empty list when the cycle has none)."""
    with store.reading() as uow:
        cycle = uow.cycles.get(cycle_id)
        today = beijing_date(uow.now())
        planned = uow.planned_batches.of_cycle(cycle_id)
        batches = {b.id: b for b in uow.publicity_batches.of_cycle(cycle_id)}
        live = uow.cases.planned_counts(cycle_id, planned_states(cycle, today))
        listed = uow.cases.planned_counts(cycle_id, LISTED)
        started = {p.id for p in planned if p.started}
        later = [live.get(None, (0, Decimal("0.00")))] + [live[i] for i in started if i in live]
        rows = []
        for p in planned:
            batch = batches.get(p.publicity_batch_id) if p.publicity_batch_id is not None else None
            state = "planned" if batch is None else "started" if batch.is_open else "closed"
            cases, amount = live.get(p.id, (0, Decimal("0.00")))
            rows.append(Row(p, state, batch.entries, listed.get(p.id, (0, Decimal("0.00")))[1], batch, False) if batch else
                        Row(p, state, cases, amount, None, p.due(today)))
        total = (sum(n for n, _ in later), sum((a for _, a in later), Decimal("0.00")))
        return Plan(cycle, today, rows, total, next_to_start(planned))


def startable(planned_id: int, *, store: Store) -> PlannedBatch:
    """The planned batch if it may start today (Beijing), else Refused in words: checked before a job is queued."""
    with store.reading() as uow:
        p = uow.planned_batches.get(planned_id)
        p.may_start(beijing_date(uow.now()))
        return p


def start_planned(planned_id: int, *, store: Store, by: str = SYSTEM,
                  progress: Progress | None = None) -> PublicityBatch:
    """Start a planned batch on or after its day (never early, never back-dated): its cases, and those identified
    after the plan (planned into no batch, or into one already started), go on a new list."""
    with store.transaction() as uow, bulk_work():
        p = uow.planned_batches.get(planned_id, lock=True)
        today = beijing_date(uow.now())
        p.may_start(today)
        also = [o.id for o in uow.planned_batches.of_cycle(p.cycle_id) if o.started]
        batch = publish(uow, p.cycle_id, today, by, progress or Silent(),
                        lambda frm, to, reason, batch_id: uow.cases.move_planned(
                            p.cycle_id, frm, to, reason, batch_id, p.id, also))
        if not uow.planned_batches.save_start(p.id, batch.id):
            raise Refused(f"计划第 {p.seq} 批已开始公示 / planned batch {p.seq} has started already")
        uow.audit.append([Draft(by, "planned_batch_started", f"cycle:{p.cycle_id}",
                                reason=f"按计划开始公示 / planned batch {p.seq} started as {batch.number}",
                                data={"planned": p.id, "seq": p.seq, "scheduled_on": p.scheduled_on.isoformat(),
                                      "batch": batch.number, "entries": batch.entries})])
        uow.commit()
        return batch


def add_batch(cycle_id: int, *, store: Store, by_user: str = SYSTEM) -> PlannedBatch:
    """A further planned batch for cases identified after every planned batch started (the plan's rhythm after its
    last day, not before today); while one is still to start, they join it instead and this is refused."""
    with store.transaction() as uow:
        uow.cycles.get(cycle_id, lock=True)
        planned = uow.planned_batches.of_cycle(cycle_id)
        if not planned:
            raise Refused("此周期还没有公示计划 / this cycle has no publicity plan yet")
        waiting = next_to_start(planned)
        if waiting is not None:
            raise Refused(f"新识别的案件将并入计划第 {waiting.seq} 批 / cases identified after the plan join planned "
                          f"batch {waiting.seq}, which has not started")
        last = max(planned, key=lambda p: p.seq)
        added = uow.planned_batches.add(cycle_id=cycle_id, seq=last.seq + 1, by=last.by, key="",
                                        scheduled_on=extra_day(planned, beijing_date(uow.now())),
                                        every_days=last.every_days, planned_by=by_user, planned_at=uow.now())
        uow.audit.append([Draft(by_user, "publicity_planned", f"cycle:{cycle_id}",
                                reason="为新识别案件加一批 / a batch added for cases identified after the plan",
                                data={"seq": added.seq, "day": added.scheduled_on.isoformat()})])
        uow.commit()
        return added


def start_due(*, store: Store, by: str = SYSTEM,
              cycle_id: int | None = None) -> tuple[list[PublicityBatch], list[tuple[PlannedBatch, str]]]:
    """Start every planned batch whose day has come (the worker's tick, `wengang publicity due`): the lists started,
    and the due batches passed over with why (no case left to publish, …) rather than stopping the others."""
    with store.reading() as uow:
        today = beijing_date(uow.now())
        cycles = [cycle_id] if cycle_id is not None else [c.id for c in uow.cycles.all()]
        due = [p for c in cycles for p in uow.planned_batches.of_cycle(c) if p.due(today)]
    started, passed = [], []
    for p in sorted(due, key=lambda p: (p.scheduled_on, p.cycle_id, p.seq)):
        try:
            started.append(start_planned(p.id, store=store, by=by))
        except Refused as err:
            passed.append((p, str(err)))
    return started, passed
