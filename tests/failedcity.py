"""A cycle of failed payments in every step of their re-issue, written straight through the repositories (for the
equal-results test and bench/bench_failed.py), and the worklist as it was classified in Python before the database
did it (issue 14, item 5): the reference the paged one must equal row for row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.builders import uscc
from wengang.domain.cases import State
from wengang.domain.identifiers import mask_account
from wengang.domain.ports import Attempt, NewCase, Store
from wengang.services.accounts import verified_accounts
from wengang.services.failed_payments import BEIJING, STEPS, WAITING, FailedPayment, Worklist

NAMES = ("西宁城东科技有限公司", "Acme 100% Trading_Co", "海口椰风贸易有限公司", "付款测试有限公司")
KINDS = 12          # what happened to case i is kind i % 12 (see failed_cycle)
BANK = "105100000017"


def _batch(uow, cycle_id: int, number: str, status: str, at: dt.datetime) -> int:
    approved = status in ("approved", "sent")
    return uow.payment_batches.add(
        cycle_id=cycle_id, number=number, bank_code=BANK, file_format="pain.001.001.09", entries=1,
        total=Decimal("1.00"), status=status, approvals_needed=1, prepared_by="clerk", prepared_at=at,
        approved_by="approver" if approved else None, approved_at=at if approved else None,
        sent_at=at if status == "sent" else None).id


def _account(uow, cycle_id: int, code: str, n: int, status: str, created: dt.datetime,
             verified: dt.datetime | None) -> None:
    uow.accounts.add(cycle_id=cycle_id, uscc=code, bank_code=BANK, account_no=f"62170000{n:08d}",
                     account_name=f"单位{n}", source="employer", status=status, created_by=code, created_at=created,
                     verified_by="clerk" if verified else None, verified_at=verified, note=None)


def failed_cycle(store: Store, n: int, now: dt.datetime, *, prefix: str = "") -> int:
    """A cycle of `n` failed or re-issued cases (kind i % 12: 0 failed; 1 an account proposed; 2 an account verified
    after the failure; 3 one verified at the very moment of it; 4 re-issue prepared; 5 approved; 6 sent; 7 failed
    twice, an account verified between, another proposed; 8 no attempt at all; 9 prepared but the case re-issued;
    10 pending but the case still failed; 11 a cancelled re-issue, then a verified account), failures spread over
    60 days at every hour (some on a whole second), plus paid cases and another cycle's failures that never show."""
    with store.transaction() as uow:
        ids = []
        for pack in ("beijing-2021", "cn-2021"):
            ids.append(uow.cycles.add(program="ui-return", pack=pack, as_of=dt.date(2021, 9, 30),
                                      snapshot_id="s", run_id="r", rounds_required=1, opened_by="clerk",
                                      opened_at=now - dt.timedelta(days=90)).id)
        cycle_id, other = ids
        batch = {s: _batch(uow, cycle_id, f"{prefix}B-{s}", s, now - dt.timedelta(days=80))
                 for s in ("sent", "prepared", "approved")}
        reissue_sent = _batch(uow, cycle_id, f"{prefix}B-resent", "sent", now - dt.timedelta(days=1))
        other_batch = _batch(uow, other, f"{prefix}B-other", "sent", now - dt.timedelta(days=80))
        rows, kinds = [], []
        for i in range(1, n + 1):
            kind = i % KINDS
            state = State.REISSUED if kind in (5, 6, 9, 11) else State.FAILED
            kinds.append(kind)
            rows.append(_case(cycle_id, i, state))
        rows += [_case(cycle_id, n + i, State.PAID) for i in range(1, 4)]
        rows += [_case(other, i, State.FAILED) for i in range(1, 4)]
        case_ids = uow.cases.insert_many(rows)
        attempts, e2e = [], 0
        for row, case_id in zip(rows, case_ids, strict=True):
            i = int(row.name.rsplit("-", 1)[1])
            kind = i % KINDS if row.cycle_id == cycle_id and row.state != State.PAID.value else 0
            failed_at = (now - dt.timedelta(days=i % 60, hours=(i * 7) % 24, minutes=i % 60)).replace(
                microsecond=0 if i % 3 == 0 else (i * 7919) % 1_000_000)
            first_batch = other_batch if row.cycle_id == other else batch["sent"]

            def add(no: int, status: str, batch_id: int, at: dt.datetime | None, row=row, case_id=case_id) -> None:
                nonlocal e2e
                e2e += 1
                reason = {"rejected": "AC04", "returned": "BE01"}.get(status)
                attempts.append((case_id, no, batch_id, f"{prefix}E{e2e:08d}", row.uscc, row.name, row.amount, BANK,
                                 f"62220000{e2e:08d}", row.name, status, reason,
                                 now - dt.timedelta(days=85), at))
            if row.state == State.PAID.value:
                add(1, "paid", batch["sent"], failed_at)
                continue
            if kind == 8:
                continue
            add(1, "returned" if i % 2 else "rejected", first_batch, failed_at)
            code = row.uscc
            if kind == 1:
                _account(uow, cycle_id, code, i, "pending", failed_at + dt.timedelta(hours=1), None)
            elif kind == 2:
                _account(uow, cycle_id, code, i, "active", failed_at, failed_at + dt.timedelta(seconds=1))
            elif kind == 3:
                _account(uow, cycle_id, code, i, "active", failed_at - dt.timedelta(days=1), failed_at)
            elif kind in (4, 9):
                add(2, "prepared", batch["prepared"], None)
            elif kind in (5, 10):
                add(2, "pending", batch["approved"], None)
            elif kind == 6:
                add(2, "pending", reissue_sent, None)
            elif kind == 7:
                _account(uow, cycle_id, code, i, "active", failed_at, failed_at + dt.timedelta(hours=2))
                _account(uow, cycle_id, code, i, "pending", failed_at + dt.timedelta(days=2), None)
                add(2, "rejected", batch["sent"], failed_at + dt.timedelta(days=1))
            elif kind == 11:
                add(2, "cancelled", batch["prepared"], None)
                _account(uow, cycle_id, code, i, "active", failed_at, failed_at + dt.timedelta(minutes=5))
        uow.payments.add_attempts(attempts)
        uow.commit()
    return cycle_id


def _case(cycle_id: int, i: int, state: State) -> NewCase:
    return NewCase("ui-return", cycle_id, uscc(i, "9111010" + str(i % 3)), f"{NAMES[i % len(NAMES)]}-{i}",
                   "eligible", Decimal(100 + i % 900) + Decimal(i % 100) / 100, 6000, "", "r", False, True, True,
                   False, True, state.value, "failed", None, 1)


def old_worklist(cycle_id: int, *, store: Store, recovery_days: int, step: str = "", search: str = "",
                 page: int = 1, size: int = 50, today: dt.date | None = None) -> Worklist:
    """The worklist as services/failed_payments.py computed it before issue 14 item 5: every failed case of the
    cycle read into Python, classified, counted, filtered and paged there (kept verbatim as the reference)."""
    with store.reading() as uow:
        today = today or (uow.now() + BEIJING).date()
        rows = _old_rows(uow, cycle_id, recovery_days, today)
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


def _old_rows(uow, cycle_id: int, recovery_days: int, today: dt.date) -> list[FailedPayment]:
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
        failed = [a for a in attempts if a.status in ("rejected", "returned")]
        last_failed = failed[-1] if failed else None
        live = next((a for a in reversed(attempts) if a.status in ("prepared", "pending")), None)
        at = last_failed.settled_at if last_failed else None
        account = verified.get(case.uscc)
        corrected = account is not None and not (
            at is not None and account.created_at is not None and account.created_at <= at)
        failed_on = (at + BEIJING).date() if at else None
        deadline = failed_on + dt.timedelta(days=recovery_days) if failed_on else None
        days_left = (deadline - today).days if deadline else None
        step = _old_step(case.state, live, batches, corrected, case.uscc in proposed, days_left)
        out.append(FailedPayment(
            case.id, case.uscc, case.name, case.amount, last_failed.reason if last_failed else None, failed_on,
            mask_account(last_failed.account_no) if last_failed else "—", corrected,
            mask_account(account.account_no) if corrected and account else None, deadline, days_left, step))
    out.sort(key=lambda r: (r.failed_on or dt.date.max, r.case_id))
    return out


def _old_step(state: State, live: Attempt | None, batches: dict[int, str], corrected: bool, proposed: bool,
              days_left: int | None) -> str:
    if live is not None:
        if state is State.REISSUED or live.status == "pending":
            return "reissued" if batches.get(live.batch_id) == "sent" else "reissue-approved"
        return "reissue-prepared"
    if corrected:
        return "ready-to-reissue"
    if days_left is not None and days_left < 0:
        return "overdue"
    return "account-to-verify" if proposed else "awaiting-account"
