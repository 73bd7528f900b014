"""The cycle dashboard: cases and money by state, SME coverage by size class, processing days, callback times."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from wengang.config import Settings
from wengang.domain.cases import LISTED, Case, State
from wengang.domain.cycles import Cycle
from wengang.domain.errors import AnalyticsBusy
from wengang.domain.ports import Store
from wengang.domain.process import Application, PublicityBatch
from wengang.services import callbacks, cycles, objections
from wengang.services.casework import bulk_work
from wengang.snapshot import store as snapshots

SIZES = ("large", "medium", "small", "micro", "unknown")
SME = ("medium", "small", "micro")
PAID = (State.PAID, State.CLOSED)
STATE_ORDER = [s.value for s in State]


def cycle_dashboard(cycle_id: int, *, store: Store, settings: Settings) -> dict[str, Any]:
    """Everything the dashboard draws for one cycle, computed from the stores (money stays Decimal)."""
    status = cycles.status(cycle_id, store=store)
    counts = sorted(status.counts.items(), key=lambda kv: STATE_ORDER.index(kv[0]))
    reached, paid = _units_in(cycle_id, store)
    sizes = _by_size(settings, status.cycle.run_id, reached, paid)
    sme = {k: sum(s[k] for s in sizes if s["size"] in SME) for k in ("units", "eligible", "reached", "paid")}
    return {
        "cycle": status.cycle, "batches": status.batches, "rounds": len(status.rounds),
        "by_state": [{"state": state, "cases": n, "amount": amount} for state, (n, amount) in counts],
        "cases": status.cases,
        "amount_listed": sum((amount for state, (_, amount) in counts if state in {s.value for s in LISTED}),
                             Decimal("0.00")),
        "amount_paid": sum((amount for state, (_, amount) in counts if state in {s.value for s in PAID}),
                           Decimal("0.00")),
        "by_size": sizes, "sme": {**sme, "coverage_eligible": _share(sme["eligible"], sme["units"]),
                                  "coverage_reached": _share(sme["reached"], sme["units"]),
                                  "coverage_paid": _share(sme["paid"], sme["units"])},
        "days": _days(cycle_id, status.cycle, status.batches, store),
        "callbacks": callbacks.stats(store=store),
    }


def _share(part: int, whole: int) -> Decimal | None:
    """A percentage to one decimal, exactly (None when there is nothing to divide by)."""
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")) if whole else None


def _units_in(cycle_id: int, store: Store) -> tuple[list[str], list[str]]:
    """Credit codes of the cases that reached the public list (or beyond), and of those paid."""
    reached, paid = [], []
    with store.reading() as uow, bulk_work():
        for chunk in uow.cases.chunks(cycle_id, LISTED):
            for case in chunk:
                reached.append(case.uscc)
                if case.state in PAID:
                    paid.append(case.uscc)
    return reached, paid


def _by_size(settings: Settings, run_id: str, reached: list[str], paid: list[str]) -> list[dict[str, Any]]:
    """Units, eligible, reached and paid per size class, from the run's decisions (empty if the run is not stored)."""
    empty = [{"size": s, "units": 0, "eligible": 0, "eligible_amount": Decimal("0.00"), "reached": 0, "paid": 0}
             for s in SIZES]
    if not settings.analytics_path.exists():
        return empty
    try:
        con = snapshots.connect(settings.analytics_path, read_only=True, wait=0)
    except (duckdb.Error, AnalyticsBusy):
        return empty                               # the analytical store is busy (an evaluation is writing)
    try:
        if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'decisions'").fetchone():
            return empty
        con.register("reached", pa.table({"uscc": pa.array(reached, pa.string())}))
        con.register("paid", pa.table({"uscc": pa.array(paid, pa.string())}))
        rows = con.execute("""
            SELECT coalesce(d.size_class, 'unknown') AS size, count(*) AS units,
                   count(*) FILTER (d.decision = 'eligible') AS eligible,
                   coalesce(sum(d.amount_fen) FILTER (d.decision = 'eligible'), 0) AS fen,
                   count(r.uscc) AS reached, count(p.uscc) AS paid
            FROM decisions d LEFT JOIN reached r USING (uscc) LEFT JOIN paid p USING (uscc)
            WHERE d.run_id = ? GROUP BY 1""", [run_id]).fetchall()
    finally:
        con.close()
    found = {size: {"size": size, "units": units, "eligible": eligible, "eligible_amount": Decimal(int(fen)).scaleb(-2),
                    "reached": r, "paid": p} for size, units, eligible, fen, r, p in rows}
    return [found.get(s["size"], s) for s in empty]


def _days(cycle_id: int, cycle: Cycle, batches: list[PublicityBatch], store: Store) -> dict[str, Any]:
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
    return {"opened_on": opened,              # a list dated before the cycle was opened (back-dated) has no span
            "to_publicity": to_publicity if to_publicity is not None and to_publicity >= 0 else None,
            "publicity_days": batches[0].days if batches else None, "paid": len(settled),
            "median_to_paid": statistics.median(settled) if settled else None,
            "p90_to_paid": settled[min(len(settled) - 1, int(len(settled) * 0.9))] if settled else None,
            "today": dt.date.today()}


def latest_cycle_id(*, store: Store) -> int | None:
    """The newest cycle, the one staff pages show unless told otherwise."""
    found = cycles.list_cycles(store=store)
    return found[-1].id if found else None


@dataclass(frozen=True, slots=True)
class InReview:
    """A case waiting in review with its applications, and those still pending (a reviewer accepts only one that
    applied)."""

    case: Case
    applications: list[Application]
    pending: list[Application]


def review_queue(cycle_id: int, *, store: Store, limit: int = 100) -> list[InReview]:
    """Cases waiting in review with their applications."""
    with store.reading() as uow:
        out = []
        for case in uow.cases.of_cycle(cycle_id, [State.REVIEW], limit=limit):
            filed = uow.applications.of_case(case.id)
            out.append(InReview(case, filed, [a for a in filed if a.is_pending]))
    return out


def open_objections(cycle_id: int, *, store: Store) -> list[objections.OnList]:
    """Open objections on every list of the cycle, contacts and names masked."""
    with store.reading() as uow:
        numbers = [b.number for b in uow.publicity_batches.of_cycle(cycle_id)]
    return [o for n in numbers for o in objections.listing(n, store=store) if o.is_open]


def desk(cycle_id: int | None, *, store: Store) -> dict[str, Any]:
    """The counts on the staff desk: each queue's length for the cycle, and the cross-cycle ones."""
    counts = cycles.status(cycle_id, store=store).counts if cycle_id else {}
    with store.reading() as uow:
        accounts_pending = uow.accounts.count_pending()
        batches_waiting = uow.payment_batches.count_in("prepared")
        exceptions_open = uow.payment_exceptions.count_open()
    return {"cycle_id": cycle_id, "review": counts.get(State.REVIEW.value, (0,))[0],
            "dispatch": counts.get(State.DISPATCH.value, (0,))[0],
            "held": counts.get(State.ACCOUNT_HELD.value, (0,))[0],
            "objections": len(open_objections(cycle_id, store=store)) if cycle_id else 0,
            "accounts_pending": accounts_pending, "batches_waiting": batches_waiting,
            "exceptions_open": exceptions_open, "reverified": counts.get(State.REVERIFIED.value, (0,))[0],
            "callbacks": callbacks.stats(store=store)}
