"""Days to money (issue 19.2) through the real bank flow on SQLite and PostgreSQL: a case's day is the Beijing day its
payment settled paid; a payment returned takes it back (recovered and closed, the case is not counted), and a
re-payment counts on its own later day, once, closed or not — as a hand-written count over the attempts says."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text

from tests.builders import uscc
from tests.clocks import on_day
from tests.integration import test_audit_guards
from tests.paycity import PAY_UNITS, START
from wengang import bootstrap
from wengang.adapters.banks.simulator import REJECTED, RETURNED, BankSimulator, Outcome
from wengang.adapters.db.engine import alembic_config
from wengang.adapters.db.payment_tables import payment_attempts, payment_batches, recoveries
from wengang.adapters.db.tables import cases, cycles
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


fresh_url = test_audit_guards.fresh_url         # an empty database of its own, to migrate step by step
UI = "ui-return"


@pytest.mark.parametrize("fresh_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_migration_0031_gives_a_day_only_to_cases_whose_money_stayed(fresh_url):
    """The day of money filled for the cases already paid: a paid case and one closed after it get the Beijing day
    of their settlement; a case whose money was taken back after it was paid (its attempt still paid, a recovery
    recorded, then closed) and a failed one get none — as the moves keep it from then on."""
    from alembic import command

    engine = create_engine(fresh_url)
    cfg = alembic_config()
    at, settled = dt.datetime(2026, 12, 1, 8), dt.datetime(2026, 12, 3, 17)     # 4 December, 01:00 in Beijing
    states = {1: ("paid", "paid"), 2: ("closed", "paid"), 3: ("closed", "paid"), 4: ("failed", "rejected")}
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0030")
        conn.execute(insert(cycles).values(id=1, program=UI, pack="p", as_of=dt.date(2021, 6, 30), snapshot_id="s",
                                           run_id="r", rounds_required=1, opened_by="clerk", opened_at=at))
        conn.execute(insert(payment_batches).values(
            id=1, cycle_id=1, number="C1-B102-1", bank_code="102", file_format="csv", entries=4,
            total=Decimal("40.00"), status="approved", approvals_needed=1, prepared_by="clerk", prepared_at=at,
            approved_by="approver", approved_at=at))
        for n, (state, status) in states.items():
            code = uscc(n)
            conn.execute(insert(cases).values(
                id=n, program=UI, cycle_id=1, uscc=code, name=f"单位{n}", decision="eligible", amount=Decimal("10.00"),
                reasons="", run_id="r", labor_dispatch=False, has_account=True, review_accepted=False,
                dispatch_confirmed=False, account_confirmed=False, state=state, reason="", version=1))
            conn.execute(insert(payment_attempts).values(
                id=n, case_id=n, attempt_no=1, batch_id=1, end_to_end_id=f"E{n}", uscc=code, unit_name=f"单位{n}",
                amount=Decimal("10.00"), bank_code="102100099996", account_no="6222", account_name=f"单位{n}",
                status=status, created_at=at, settled_at=settled))
        conn.execute(insert(recoveries).values(case_id=3, amount=Decimal("10.00"), deadline=dt.date(2026, 12, 31),
                                               reason="追回 / taken back", done_by="clerk", done_at=settled))
        command.upgrade(cfg, "0031")
    with engine.connect() as conn:
        days = {n: d for n, d in conn.execute(text("SELECT id, paid_on FROM cases ORDER BY id"))}
    engine.dispose()
    on = dt.date(2026, 12, 4)
    assert {n: (d if d is None or isinstance(d, dt.date) else dt.date.fromisoformat(d)) for n, d in days.items()} == {
        1: on, 2: on, 3: None, 4: None}
