"""Issue 17.3 on SQLite and PostgreSQL: two programmes pay in one batch run through the same ledger, each posting in
its own programme's sub-account of the fund; the database refuses a posting in another programme; `ledger check` and
the payment report name each programme's accounts; migration 0026 fills and takes back the column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from typer.testing import CliRunner

from tests.integration import test_audit_guards, test_combination
from tests.integration.test_combination import BOTH, GENERAL_ONLY, PENDING, open_, to_reverified
from wengang import bootstrap
from wengang.adapters.banks.simulator import REJECTED, RETURNED, BankSimulator, Outcome
from wengang.adapters.db.engine import alembic_config
from wengang.adapters.db.payment_tables import ledger as ledger_table
from wengang.adapters.db.payment_tables import payment_attempts, payment_batches
from wengang.adapters.db.tables import cases, cycles
from wengang.cli.main import app
from wengang.config import Settings
from wengang.domain.ledger import Account
from wengang.services import ledger, payment_report, payments, reconcile

pytestmark = pytest.mark.slow
BANKS = bootstrap.banks()
UI, DIFFICULT = "ui-return", "difficult-return"
ZERO = Decimal("0.00")
world = test_combination.world                  # two programmes of 2019 (general, difficult) on one small city
fresh_url = test_audit_guards.fresh_url         # an empty database of its own, to migrate step by step


def pay_both(world, tmp_path):
    """The general return and the return for enterprises in difficulty prepared, approved and answered by the bank
    together: the general return's GENERAL_ONLY rejected, the difficult one's BOTH returned, the rest paid."""
    store, analytics, settings, _ = world
    general, difficult = open_(world, "cn-2019"), open_(world, "xian-difficult-2019")
    to_reverified(world, general)
    to_reverified(world, difficult)
    made = [b for c in (general, difficult)
            for b in payments.prepare_batches(c, store=store, analytics=analytics, settings=settings,
                                              by="clerk").batches]
    for b in made:
        payments.approve_batch(b.number, store=store, settings=settings, by="approver")
    with store.reading() as uow:
        attempts = {(a.batch_id, a.uscc): a for a in uow.payments.attempts()}
    return general, difficult, made, attempts


def balances(sub) -> dict[str, Decimal]:
    return {a.value: sub.balances[a] for a in Account}


def test_two_programmes_in_one_batch_run_each_post_to_their_own_sub_account(world, tmp_path):
    store, _, settings, _ = world
    general, difficult, made, attempts = pay_both(world, tmp_path)
    assert {(b.cycle_id, b.entries) for b in made} == {(general, 2), (difficult, 1)}
    ui = {u: a for (batch, u), a in attempts.items() if batch == made[0].id}
    hard = attempts[made[1].id, BOTH]
    assert set(ui) == {GENERAL_ONLY, PENDING}
    issued_ui = ui[GENERAL_ONLY].amount + ui[PENDING].amount
    with store.reading() as uow:       # each posting's programme is its batch's cycle's
        rows = uow.connection.execute(text(
            "SELECT l.program, c.program, l.amount FROM ledger l JOIN payment_batches b ON b.id = l.batch_id "
            "JOIN cycles c ON c.id = b.cycle_id ORDER BY l.seq")).all()
    assert {(mine, cycle) for mine, cycle, _ in rows} == {(UI, UI), (DIFFICULT, DIFFICULT)} and len(rows) == 3
    books = ledger.check(store=store)
    assert books.ok and list(books.programmes) == [DIFFICULT, UI]
    assert books.programmes[UI].name == ("失业保险稳岗返还", "UI job-stabilisation return")
    assert books.programmes[DIFFICULT].name == ("困难企业稳岗返还", "Return for enterprises in difficulty")
    assert balances(books.programmes[UI]) == {"fund": -issued_ui, "payable": issued_ui, "paid": 0, "returned": 0}
    assert balances(books.programmes[DIFFICULT]) == {"fund": -hard.amount, "payable": hard.amount, "paid": 0,
                                                     "returned": 0}

    bank = BankSimulator(reject_share=0, return_share=0, force={
        ui[GENERAL_ONLY].end_to_end_id: Outcome(ui[GENERAL_ONLY].end_to_end_id, REJECTED, "AC04"),
        hard.end_to_end_id: Outcome(hard.end_to_end_id, RETURNED, "AC04")})
    answers = []
    for b in made:                       # one run: both files out, both answers read together
        sent = payments.write_files(b.number, store=store, banks=BANKS, settings=settings, out_dir=tmp_path / "out",
                                    by="clerk")
        name = "困难企业稳岗返还" if b.cycle_id == difficult else "失业保险稳岗返还"       # on the unit's statement
        assert f"{name} 周期{b.cycle_id} {b.number}" in sent.path.read_text(encoding="utf-8")
        a = bank.answer(sent.path, tmp_path / "bank")
        answers += [f.path for f in (a.pain002, a.settlement, a.returns) if f]
    assert all(not r.exceptions for r in reconcile.ingest(answers, store=store, banks=BANKS, settings=settings,
                                                          by="clerk"))
    books = ledger.check(store=store)
    paid = ui[PENDING].amount
    assert books.ok, books.problems
    # the general return: one paid, one rejected and its money back in its own fund
    assert balances(books.programmes[UI]) == {"fund": -paid, "payable": 0, "paid": paid, "returned": 0}
    assert books.programmes[UI].totals[:5] == (issued_ui, paid, ui[GENERAL_ONLY].amount, ZERO, ui[GENERAL_ONLY].amount)
    # the difficult return: paid, returned by the bank, refunded to its own fund, nothing of it in the other's
    assert balances(books.programmes[DIFFICULT]) == dict.fromkeys(("fund", "payable", "paid", "returned"), ZERO)
    assert books.programmes[DIFFICULT].totals[:5] == (hard.amount, ZERO, hard.amount, ZERO, hard.amount)
    assert balances(books.whole) == {"fund": -paid, "payable": 0, "paid": paid, "returned": 0}

    env = {"WENGANG_DATABASE_URL": settings.database_url, "WENGANG_DATA_DIR": str(settings.data_dir),
           "COLUMNS": "200"}
    shown = CliRunner().invoke(app, ["ledger", "check"], env=env)
    bootstrap.close_stores()
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    ui_line = next(x for x in lines if "失业保险稳岗返还 / UI job-stabilisation return" in x)
    assert f"{-paid:,}" in ui_line and f"{paid:,}" in ui_line
    assert any("困难企业稳岗返还 / Return for enterprises in difficulty" in x for x in lines)
    assert any(x.strip(" │|").startswith("合计 / total") and f"{-paid:,}" in x for x in lines)
    assert "the ledger balances" in shown.output and "in each programme's sub-account" in shown.output

    done = payment_report.report(difficult, tmp_path / "difficult.xlsx", store=store, by="clerk")
    assert done.fund.program == DIFFICULT and done.fund.totals.returned == hard.amount
    book = openpyxl.load_workbook(tmp_path / "difficult.xlsx")
    assert book["批次 batches"]["A1"].value.startswith("困难企业稳岗返还支付报告")
    fund = book["基金分账 fund"]
    assert "困难企业稳岗返还的基金分账" in fund["A1"].value
    assert [r[0] for r in fund.iter_rows(min_row=3, max_row=6, values_only=True)] == [
        "基金 fund", "应付 payable", "已付 paid", "退回 returned"]
    units = [r for r in book["单位 units"].iter_rows(min_row=2, values_only=True) if r[6]]   # not the totals row
    assert [(r[6], r[7]) for r in units] == [("银行退回 / returned by the bank", "账户已销户 / the account is closed")]
    ui_report = payment_report.report(general, tmp_path / "general.xlsx", store=store, by="clerk")
    assert ui_report.fund.program == UI and ui_report.fund.balances[Account.PAID] == paid


def test_the_database_refuses_a_posting_in_another_programme(world, tmp_path):
    store = world[0]
    pay_both(world, tmp_path)
    with store.reading() as uow:
        seq = uow.connection.execute(text("SELECT min(seq) FROM ledger WHERE program = 'ui-return'")).scalar_one()
    pay = ("INSERT INTO ledger (kind, batch_id, attempt_id, case_id, from_account, to_account, amount, posted_at, "
           "source, program) SELECT 'pay', batch_id, attempt_id, case_id, 'payable', 'paid', amount, posted_at, "
           "source, {program} FROM ledger WHERE seq = :seq")
    for program in ("'difficult-return'", "'retention-training'"):     # a real programme's sub-account, or any
        with store.transaction() as uow, pytest.raises(IntegrityError, match="no money moves between programmes"):
            uow.connection.execute(text(pay.format(program=program)), {"seq": seq})
    with store.transaction() as uow:     # the same posting in its own programme is taken (then rolled back)
        assert uow.connection.execute(text(pay.format(program="program")), {"seq": seq}).rowcount == 1


@pytest.mark.parametrize("fresh_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_migration_0026_files_each_posting_under_its_cycle_and_goes_back(fresh_url, tmp_path):
    from alembic import command

    engine = create_engine(fresh_url)
    cfg = alembic_config()
    at = dt.datetime(2026, 12, 1, 8)
    with engine.begin() as conn:                           # a ledger as it was before 0026: one fund
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0025")
        for n, program in enumerate((UI, "retention-training"), start=1):
            conn.execute(insert(cycles).values(id=n, program=program, pack=f"p{n}", as_of=dt.date(2021, 6, 30),
                                               snapshot_id="s", run_id="r", rounds_required=1, opened_by="clerk",
                                               opened_at=at))
            conn.execute(insert(cases).values(
                id=n, program=program, cycle_id=n, uscc=f"9111010800000000{n}X", name=f"单位{n}", decision="eligible",
                amount=Decimal("10.00"), reasons="", run_id="r", labor_dispatch=False, has_account=True,
                review_accepted=False, dispatch_confirmed=False, account_confirmed=False, state="approved-for-payment",
                reason="", version=1))
            conn.execute(insert(payment_batches).values(
                id=n, cycle_id=n, number=f"C{n}-B102-1", bank_code="102", file_format="csv", entries=1,
                total=Decimal("10.00"), status="approved", approvals_needed=1, prepared_by="clerk", prepared_at=at,
                approved_by="approver", approved_at=at))
            conn.execute(insert(payment_attempts).values(
                id=n, case_id=n, attempt_no=1, batch_id=n, end_to_end_id=f"E{n}", uscc=f"9111010800000000{n}X",
                unit_name=f"单位{n}", amount=Decimal("10.00"), bank_code="102100099996", account_no="6222",
                account_name=f"单位{n}", status="pending", created_at=at))
            conn.execute(insert(ledger_table).values(
                kind="approve", batch_id=n, attempt_id=n, case_id=n, from_account="fund", to_account="payable",
                amount=Decimal("10.00"), posted_at=at, source=f"batch:C{n}-B102-1"))
        command.upgrade(cfg, "0026")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT batch_id, program FROM ledger ORDER BY seq")).all() == [
            (1, UI), (2, "retention-training")]
    settings = Settings(data_dir=tmp_path / "var", database_url=fresh_url, audit_anchor_dir=tmp_path / "anchors")
    store = bootstrap.open_store(settings)
    try:
        books = ledger.check(store=store)
        assert books.ok and {p: s.balances[Account.PAYABLE] for p, s in books.programmes.items()} == {
            UI: Decimal("10.00"), "retention-training": Decimal("10.00")}
        with store.transaction() as uow, pytest.raises(DBAPIError, match="append-only"):
            uow.connection.execute(text("UPDATE ledger SET program = 'ui-return'"))     # the guard came back
    finally:
        store.close()
        bootstrap.close_stores()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0025")                     # back before it (0027, after it, goes first)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT seq, batch_id, amount FROM ledger ORDER BY seq")).all() == [
            (1, 1, 1000 if engine.dialect.name == "sqlite" else Decimal("10.00")),
            (2, 2, 1000 if engine.dialect.name == "sqlite" else Decimal("10.00"))]
    for sql in ("UPDATE ledger SET amount = amount", "DELETE FROM ledger"):           # still append-only
        with engine.begin() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(sql))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT program FROM ledger ORDER BY seq")).scalars().all() == [
            UI, "retention-training"]
    engine.dispose()
