"""Days to money (issue 19.2) through the real bank flow on SQLite and PostgreSQL: a case's day is the Beijing day its
payment settled paid; a payment returned takes it back (recovered and closed, the case is not counted), and a
re-payment counts on its own later day, once, closed or not — as a hand-written count over the attempts says."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.builders import uscc
from tests.clocks import on_day
from tests.paycity import PAY_UNITS, START
from wengang import bootstrap
from wengang.adapters.banks.simulator import REJECTED, RETURNED, BankSimulator, Outcome
from wengang.services import accounts, figures, payments, reconcile, review

BANK_FILES = bootstrap.banks()
PAID_ON, RETURNED_ON, REPAID_ON = (START + dt.timedelta(days=d) for d in (20, 24, 33))

pytestmark = pytest.mark.slow


def prepared(store, settings, cycle_id) -> list:
    """Every payable case's payment prepared and approved: the batches."""
    done = payments.prepare_batches(cycle_id, store=store, analytics=bootstrap.analytics(settings),
                                    settings=settings, by="clerk-wang")
    for b in done.batches:
        payments.approve_batch(b.number, store=store, settings=settings, by="approver-li")
    return done.batches


def sent(store, settings, batches, folder: Path, bank: BankSimulator) -> tuple[list[Path], list[Path]]:
    """Each batch's file sent to the bank: its answers now (status, settlement) and its returns, days later."""
    now: list[Path] = []
    later: list[Path] = []
    for b in batches:
        path = payments.write_files(b.number, store=store, banks=BANK_FILES, settings=settings,
                                    out_dir=folder / "out", by="clerk-wang").path
        a = bank.answer(path, folder / "bank")
        now += [f.path for f in (a.pain002, a.settlement) if f]
        later += [a.returns.path] if a.returns else []
    return now, later


def days_by_hand(url: str, cycle_id: int) -> list[int]:
    """Each paid case's days from its cycle's opening to the settlement of its paid attempt, both Beijing days."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("""
                SELECT a.settled_at, y.opened_at FROM cases c JOIN payment_attempts a ON a.case_id = c.id
                JOIN cycles y ON y.id = c.cycle_id
                WHERE c.cycle_id = :c AND c.state IN ('paid', 'closed') AND a.status = 'paid'"""), {"c": cycle_id})

            def day(v) -> dt.date:
                return ((v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(v))
                        + dt.timedelta(hours=8)).date()
            return sorted((day(s) - day(o)).days for s, o in rows)
    finally:
        engine.dispose()


def test_a_returned_payment_leaves_the_count_and_its_re_payment_counts_on_its_own_day(pay_store, pay_settings,
                                                                                   reverified, tmp_path):
    batches = prepared(pay_store, pay_settings, reverified)
    with pay_store.reading() as uow:
        attempts = {a.uscc: a for a in uow.payments.attempts()}
    rejected, repaid, recovered = (attempts[uscc(n, "91110108")] for n in (1, 2, 3))
    bank = BankSimulator(reject_share=0, return_share=0, force={
        rejected.end_to_end_id: Outcome(rejected.end_to_end_id, REJECTED, "AC04"),
        repaid.end_to_end_id: Outcome(repaid.end_to_end_id, RETURNED, "AC04"),
        recovered.end_to_end_id: Outcome(recovered.end_to_end_id, RETURNED, "AC01")})
    now, later = sent(pay_store, pay_settings, batches, tmp_path, bank)
    url = pay_store.engine.url.render_as_string(hide_password=False)
    with on_day(pay_store, PAID_ON):
        reconcile.ingest(now, store=pay_store, banks=BANK_FILES, settings=pay_settings, by="clerk-wang")
    opened = (PAID_ON - START).days
    # settled: every payment but the rejected one is money on PAID_ON (the two returns come days later)
    first = figures.board(store=pay_store, cycle_id=reverified).days
    assert first.paid == PAY_UNITS - 1 and days_by_hand(url, reverified) == [opened] * (PAY_UNITS - 1)
    with on_day(pay_store, RETURNED_ON):
        reconcile.ingest(later, store=pay_store, banks=BANK_FILES, settings=pay_settings, by="clerk-wang")
    assert figures.board(store=pay_store, cycle_id=reverified).days.paid == PAY_UNITS - 3
    # the returned unit corrects its account and is paid again, later; the other two are recovered to the fund
    new = accounts.propose(reverified, repaid.uscc, bank_code="105100000017", account_no="6217000010001234",
                           account_name="付款测试2号有限公司", store=pay_store, by=repaid.uscc)
    accounts.verify(new, store=pay_store, by="clerk-wang", accept=True, note="开户许可证核对 / checked the licence")
    again, _ = sent(pay_store, pay_settings, prepared(pay_store, pay_settings, reverified), tmp_path / "again",
                    BankSimulator(reject_share=0, return_share=0))
    with on_day(pay_store, REPAID_ON):
        reconcile.ingest(again, store=pay_store, banks=BANK_FILES, settings=pay_settings, by="clerk-wang")
    deadline = REPAID_ON
    assert len(reconcile.recover(reverified, store=pay_store, deadline=deadline,
                                 today=deadline + dt.timedelta(days=1), by="clerk-wang")) == 2
    # closed (办结): the re-paid case keeps its day; the recovered one, whose money came back, still has none
    for case in (repaid, recovered):
        review.close(case.case_id, store=pay_store, reason="办结", by="clerk-wang")
    b = figures.board(store=pay_store, cycle_id=reverified)
    expected = Counter({opened: PAY_UNITS - 3, (REPAID_ON - START).days: 1})      # days 20 and 33
    assert Counter(days_by_hand(url, reverified)) == expected
    with pay_store.reading() as uow:
        assert uow.figures.days_to_money([reverified]) == expected
    assert b.days.paid == PAY_UNITS - 2 and b.days.median == opened
