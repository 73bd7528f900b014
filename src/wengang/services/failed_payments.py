"""Failed payments as a worklist: for each case whose money came back, why (the bank's reason), whether the unit has
corrected its account since, how many days are left before the money is recovered, and where its re-issue stands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from wengang.domain.cases import State
from wengang.domain.identifiers import mask_account
from wengang.domain.ports import Attempt, Store, UnitOfWork
from wengang.services.accounts import verified_accounts
from wengang.services.casework import bulk_work

FAILED = ("rejected", "returned")                     # an attempt the bank answered with a failure
WAITING = (State.FAILED, State.REISSUED)              # a failed payment not yet paid nor recovered
BEIJING = dt.timedelta(hours=8)                       # a failure's day and today are Beijing's calendar days
STEPS = ("awaiting-account", "account-to-verify", "ready-to-reissue", "reissue-prepared", "reissue-approved",
         "reissued", "overdue")


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
    """The cycle's failed payments, oldest failure first, filtered by step and by name or credit code."""
    with store.reading() as uow, bulk_work():
        today = (uow.now() + BEIJING).date()
        rows = _rows(uow, cycle_id, recovery_days, today)
    by_step = {s: 0 for s in STEPS}
    for r in rows:
        by_step[r.step] += 1
    text = search.strip()
    found = [r for r in rows if (not step or r.step == step)
             and (not text or text in r.name or r.uscc.startswith(text.upper()))]
    pages = max(1, -(-len(found) // size))
    page = min(max(1, page), pages)
    return Worklist(cycle_id, found[(page - 1) * size:page * size], len(found),
                    sum((r.amount for r in found), Decimal("0.00")), by_step, page, pages, step, text,
                    recovery_days, today)


def _rows(uow: UnitOfWork, cycle_id: int, recovery_days: int, today: dt.date) -> list[FailedPayment]:
    cases = [c for chunk in uow.cases.chunks(cycle_id, WAITING) for c in chunk]
    history: dict[int, list[Attempt]] = {}
    for a in uow.payments.attempts(case_ids=[c.id for c in cases]):
        history.setdefault(a.case_id, []).append(a)
    verified = verified_accounts(uow, cycle_id)
    proposed = {a.uscc for a in uow.accounts.pending() if a.cycle_id == cycle_id}
    batches = {b.id: b.status for b in uow.payment_batches.of_cycle(cycle_id)}
    out = []
    for case in cases:
        attempts = sorted(history.get(case.id, []), key=lambda a: a.attempt_no)
        failed = [a for a in attempts if a.status in FAILED]
        last_failed = failed[-1] if failed else None
        live = next((a for a in reversed(attempts) if a.status in ("prepared", "pending")), None)
        at = last_failed.settled_at if last_failed else None
        account = verified.get(case.uscc)
        corrected = account is not None and not (      # the rule prepare_batches re-issues by
            at is not None and account.created_at is not None and account.created_at <= at)
        failed_on = (at + BEIJING).date() if at else None
        deadline = failed_on + dt.timedelta(days=recovery_days) if failed_on else None
        days_left = (deadline - today).days if deadline else None
        step = _step(case.state, live, batches, corrected, case.uscc in proposed, days_left)
        out.append(FailedPayment(
            case.id, case.uscc, case.name, case.amount, last_failed.reason if last_failed else None, failed_on,
            mask_account(last_failed.account_no) if last_failed else "—", corrected,
            mask_account(account.account_no) if corrected and account else None, deadline, days_left, step))
    out.sort(key=lambda r: (r.failed_on or dt.date.max, r.case_id))
    return out


def _step(state: State, live: Attempt | None, batches: dict[int, str], corrected: bool, proposed: bool,
          days_left: int | None) -> str:
    """Where the re-issue of one failed payment stands."""
    if live is not None:
        if state is State.REISSUED or live.status == "pending":
            return "reissued" if batches.get(live.batch_id) == "sent" else "reissue-approved"
        return "reissue-prepared"
    if corrected:
        return "ready-to-reissue"
    if days_left is not None and days_left < 0:
        return "overdue"
    return "account-to-verify" if proposed else "awaiting-account"
