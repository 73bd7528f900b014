"""The cycle dashboard: cases and money by state, SME coverage by size class, processing days, callback times."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from wengang.domain.analytics import SizeCount
from wengang.domain.cases import LISTED, Case, State
from wengang.domain.cycles import Cycle
from wengang.domain.days import beijing_date
from wengang.domain.errors import AnalyticsBusy, AnalyticsUnreadable
from wengang.domain.ports import Analytics, Store
from wengang.domain.process import Application, Objection, PublicityBatch
from wengang.rules.programmes import first_in_line
from wengang.services import callbacks, cycles, failed_payments, figures, objections

SIZES = ("large", "medium", "small", "micro", "unknown")
SME = ("medium", "small", "micro")
STATE_ORDER = [s.value for s in State]


@dataclass(frozen=True, slots=True)
class StateRow:
    """Cases in one state and their money."""

    state: str
    cases: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class SizeRow:
    """One size class of the run's decisions: units, eligible (and their money), reached the list, paid."""

    size: str
    units: int
    eligible: int
    eligible_amount: Decimal
    reached: int
    paid: int


@dataclass(frozen=True, slots=True)
class Coverage:
    """Small, medium and micro units together, and the share of them eligible, reached and paid (percent)."""

    units: int
    eligible: int
    reached: int
    paid: int
    coverage_eligible: Decimal | None
    coverage_reached: Decimal | None
    coverage_paid: Decimal | None


@dataclass(frozen=True, slots=True)
class Days:
    """Calendar days from opening the cycle to publicity and to the money (median and 90th percentile of paid)."""

    opened_on: dt.date
    to_publicity: int | None
    publicity_days: int | None
    paid: int
    median_to_paid: float | None
    p90_to_paid: int | None
    today: dt.date


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard draws for one cycle (money stays Decimal)."""

    cycle: Cycle
    batches: list[PublicityBatch]
    rounds: int
    by_state: list[StateRow]
    cases: int
    amount_listed: Decimal
    amount_paid: Decimal
    by_size: list[SizeRow]
    sme: Coverage
    days: Days
    callbacks: callbacks.Stats


@dataclass(frozen=True, slots=True)
class Desk:
    """The counts on the staff desk: each queue's length for the cycle, and the cross-cycle ones."""

    cycle_id: int | None
    review: int
    dispatch: int
    held: int
    objections: int
    accounts_pending: int
    batches_waiting: int
    exceptions_open: int
    reverified: int
    callbacks: callbacks.Stats
    failed_waiting: int = 0          # failed payments of the cycle not yet paid again nor recovered


def cycle_dashboard(cycle_id: int, *, store: Store, analytics: Analytics) -> Dashboard:
    """Everything the dashboard draws for one cycle, computed from the stores (money stays Decimal)."""
    status = cycles.status(cycle_id, store=store)
    counts = sorted(status.counts.items(), key=lambda kv: STATE_ORDER.index(kv[0]))
    total, by_size = figures.breakdown([cycle_id], "size", store=store)
    sizes = _by_size(analytics, status.cycle.run_id, {t.key or "unknown": (t.listed, t.paid) for t in by_size})
    smes = [s for s in sizes if s.size in SME]
    units, eligible = sum(s.units for s in smes), sum(s.eligible for s in smes)
    r, p = sum(s.reached for s in smes), sum(s.paid for s in smes)
    return Dashboard(
        status.cycle, status.batches, len(status.rounds),
        [StateRow(state, n, amount) for state, (n, amount) in counts], status.cases,
        sum((amount for state, (_, amount) in counts if state in {s.value for s in LISTED}), Decimal("0.00")),
        total.paid_amount,                       # closed after a recovery: never paid (figures.Tally)
        sizes, Coverage(units, eligible, r, p, _share(eligible, units), _share(r, units), _share(p, units)),
        _days(cycle_id, status.cycle, status.batches, store), callbacks.stats(store=store))


def _share(part: int, whole: int) -> Decimal | None:
    """A percentage to one decimal, exactly (None when there is nothing to divide by)."""
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")) if whole else None


def _by_size(analytics: Analytics, run_id: str, cases: dict[str, tuple[int, int]]) -> list[SizeRow]:
    """Units and eligible per size class from the run's decisions (none if the run is not stored), with the cases
    that reached the list and were paid as the database counted them by size class (figures.breakdown: read one
    by one, 500,000 cases took seconds)."""
    try:
        rows = analytics.size_counts(run_id)
    except (AnalyticsBusy, AnalyticsUnreadable):
        rows = None                                # the analytical store is busy (an evaluation is writing)
    found = {c.size: c for c in rows or []}
    return [SizeRow(s, c.units, c.eligible, Decimal(c.eligible_fen).scaleb(-2), *cases.get(s, (0, 0)))
            for s in SIZES for c in [found.get(s, SizeCount(s, 0, 0, 0))]]


def _days(cycle_id: int, cycle: Cycle, batches: list[PublicityBatch], store: Store) -> Days:
    """Calendar days from opening the cycle to publicity, and to the money (median and 90th percentile of paid)."""
    opened = cycle.opened_at.date()
    first = min((b.starts_on for b in batches), default=None)
    settled: list[int] = []
    with store.reading() as uow:
        if hasattr(uow, "payments"):
            for b in uow.payment_batches.of_cycle(cycle_id):
                settled += [(a.settled_at.date() - opened).days
                            for a in uow.payments.attempts(batch_id=b.id, status="paid") if a.settled_at]
    settled.sort()
    to_publicity = (first - opened).days if first else None
    return Days(opened,                        # a list dated before the cycle was opened (back-dated) has no span
                to_publicity if to_publicity is not None and to_publicity >= 0 else None,
                batches[0].days if batches else None, len(settled),
                statistics.median(settled) if settled else None,
                settled[min(len(settled) - 1, int(len(settled) * 0.9))] if settled else None,
                beijing_date(store.clock.now()))


def latest_cycle_id(*, store: Store) -> int | None:
    """The cycle staff pages show unless told otherwise: the newest live one of a VIP programme (enterprises in
    difficulty go first), else the newest."""
    found = cycles.list_cycles(store=store)
    if found and first_in_line(found[0].program) and not found[0].cancelled:
        return found[0].id
    return max(c.id for c in found) if found else None


@dataclass(frozen=True, slots=True)
class InReview:
    """A case waiting in review with its applications, and those still pending (a reviewer accepts only one that
    applied); for a case in review while on a list, the objections still open to it."""

    case: Case
    applications: list[Application]
    pending: list[Application]
    objections: list[Objection] = field(default_factory=list)


def review_queue(cycle_id: int, *, store: Store, limit: int = 100) -> list[InReview]:
    """Cases waiting in review (also those in review while on a list) with their applications and open objections."""
    with store.reading() as uow:
        out = []
        for case in uow.cases.of_cycle(cycle_id, [State.REVIEW, State.REVIEW_LISTED], limit=limit):
            filed = uow.applications.of_case(case.id)
            objected = uow.objections.open_of_case(case.id) if case.state is State.REVIEW_LISTED else []
            out.append(InReview(case, filed, [a for a in filed if a.is_pending], objected))
    return out


def open_objections(cycle_id: int, *, store: Store) -> list[objections.OnList]:
    """Open objections on every list of the cycle, contacts and names masked."""
    with store.reading() as uow:
        numbers = [b.number for b in uow.publicity_batches.of_cycle(cycle_id)]
    return [o for n in numbers for o in objections.listing(n, store=store) if o.is_open]


@dataclass(frozen=True, slots=True)
class ObjectionPage:
    """One page of a cycle's open objections that match a search, with how many match and how many pages."""

    rows: list[objections.OnList]
    total: int
    page: int
    pages: int
    search: str


def objection_page(cycle_id: int, *, store: Store, search: str = "", page: int = 1,
                   per_page: int = 50) -> ObjectionPage:
    """Open objections of the cycle, oldest first, searched by unit name or credit code, one page of them (a page
    past the last shows the last). Objections are a few per list, so they are filtered here, not in the store."""
    wanted = search.strip()
    found = [o for o in open_objections(cycle_id, store=store)
             if not wanted or wanted in o.name or o.uscc.startswith(wanted.upper())]
    pages = max(1, -(-len(found) // per_page))
    page = min(max(1, page), pages)
    return ObjectionPage(found[(page - 1) * per_page:page * per_page], len(found), page, pages, wanted)


def desk(cycle_id: int | None, *, store: Store) -> Desk:
    """The counts on the staff desk: each queue's length for the cycle, and the cross-cycle ones. Payment
    exceptions are what waits for a person after the banks answered: failed payments (cases failed or re-issued,
    not yet paid nor recovered) besides the bank records that matched no payment."""
    counts = cycles.status(cycle_id, store=store).counts if cycle_id else {}
    with store.reading() as uow:
        accounts_pending = uow.accounts.count_pending()
        batches_waiting = uow.payment_batches.count_in("prepared")
        exceptions_open = uow.payment_exceptions.count_open()
    return Desk(cycle_id, sum(counts.get(s.value, (0,))[0] for s in (State.REVIEW, State.REVIEW_LISTED)),
                counts.get(State.DISPATCH.value, (0,))[0],
                counts.get(State.ACCOUNT_HELD.value, (0,))[0],
                len(open_objections(cycle_id, store=store)) if cycle_id else 0,
                accounts_pending, batches_waiting, exceptions_open, counts.get(State.REVERIFIED.value, (0,))[0],
                callbacks.stats(store=store),
                sum(counts.get(s.value, (0,))[0] for s in failed_payments.WAITING))
