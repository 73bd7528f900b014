"""Failed payments as a worklist: for each case whose money came back, why (the bank's reason), whether the unit has
corrected its account since, how many days are left before the money is recovered, and where its re-issue stands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import NamedTuple

from wengang.domain.cases import State
from wengang.domain.failed import STEPS, FailedQuery, FailedRow
from wengang.domain.identifiers import mask_account
from wengang.domain.ports import Store

__all__ = ["STEPS", "FailedPayment", "Worklist", "waiting_count", "worklist"]
WAITING = (State.FAILED, State.REISSUED)              # a failed payment not yet paid nor recovered
BEIJING = dt.timedelta(hours=8)                       # a failure's day and today are Beijing's calendar days


class FailedPayment(NamedTuple):
    """One failed payment waiting for a way forward (account shown masked)."""

    case_id: int
    uscc: str
    name: str
    amount: Decimal
    reason_code: str | None              # the bank's code: a page shows its words, never the code itself
    failed_on: dt.date | None
    account: str                         # where the failed attempt went, masked
    corrected: bool                      # a new account verified after the failure
    new_account: str | None              # that account, masked
    deadline: dt.date | None
    days_left: int | None                # negative once overdue
    step: str                            # one of STEPS: where its re-issue stands


@dataclass(frozen=True, slots=True)
class Worklist:
    """A page of the worklist, with how many wait in each step and in all."""

    cycle_id: int
    rows: list[FailedPayment]
    count: int
    amount: Decimal
    by_step: dict[str, int]
    page: int
    pages: int
    step: str
    search: str
    recovery_days: int
    today: dt.date


def waiting_count(cycle_id: int, *, store: Store) -> int:
    """How many failed payments of the cycle wait for someone (failed, or re-issued and not yet paid)."""
    with store.reading() as uow:
        counts = uow.cases.count_by_state(cycle_id)
    return sum(counts.get(s.value, (0,))[0] for s in WAITING)


def worklist(cycle_id: int, *, store: Store, recovery_days: int, step: str = "", search: str = "", page: int = 1,
             size: int = 50) -> Worklist:
    """The cycle's failed payments, oldest failure first, filtered by step and by name or credit code: the store
    counts, filters and pages them (domain/failed.py decides each one's step), so only one page is read."""
    text = search.strip()
    with store.reading() as uow:
        today = (uow.now() + BEIJING).date()
        page = max(1, page)
        query = FailedQuery(cycle_id, today - dt.timedelta(days=recovery_days), step, text, (page - 1) * size, size)
        counts, rows = uow.payments.failed_worklist(query)
        chosen = [n for s, n in counts.items() if not step or s == step]
        found = sum(n.found for n in chosen)
        pages = max(1, -(-found // size))
        if page > pages:                   # past the last page (a list that shrank): the last one, read again
            page = pages
            rows = uow.payments.failed_worklist(replace(query, offset=(page - 1) * size)).rows
    by_step = {s: counts[s].waiting if s in counts else 0 for s in STEPS}
    return Worklist(cycle_id, [_row(r, recovery_days, today) for r in rows], found,
                    sum((n.amount for n in chosen), Decimal("0.00")), by_step, page, pages, step, text,
                    recovery_days, today)


def _row(row: FailedRow, recovery_days: int, today: dt.date) -> FailedPayment:
    """A stored row as the page shows it: the failure's Beijing day, the deadline and days left, accounts masked."""
    failed_on = (row.failed_at + BEIJING).date() if row.failed_at else None
    deadline = failed_on + dt.timedelta(days=recovery_days) if failed_on else None
    return FailedPayment(
        row.case_id, row.uscc, row.name, row.amount, row.reason, failed_on,
        mask_account(row.account_no) if row.account_no is not None else "—", row.corrected,
        mask_account(row.new_account_no) if row.corrected and row.new_account_no else None, deadline,
        (deadline - today).days if deadline else None, row.step)
