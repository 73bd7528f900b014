"""A name no bank format takes never reaches approval; an approved batch that cannot be written is cancelled and its
money goes back to the fund (issue 12, M5)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.builders import uscc
from tests.integration.test_payments import prepare_and_approve, states
from tests.paycity import BANKS, PAY_UNITS
from wengang import bootstrap
from wengang.adapters.banks.simulator import BankSimulator
from wengang.domain.cases import State
from wengang.domain.errors import Refused
from wengang.services import ledger, payments, reconcile

BANK_FILES = bootstrap.banks()   # what writes and reads bank files, as the CLI gets it

pytestmark = pytest.mark.slow
CSV_UNIT = uscc(21, "91110108")          # units 21…26 bank with 313, the bank that takes the CSV layout


def rename(store, cycle: int, unit: str, name: str, table: str = "cases", column: str = "name") -> None:
    """Data as an older version let it in (the importer and account forms now refuse such names)."""
    with store.transaction() as uow:
        uow.connection.execute(text(f"UPDATE {table} SET {column} = :n WHERE uscc = :u"), {"n": name, "u": unit})
        uow.commit()


def test_a_unit_whose_name_a_bank_file_refuses_is_left_out_at_preparation_with_why(pay_store, pay_settings,
                                                                                   reverified):
    rename(pay_store, reverified, CSV_UNIT, "=HYPERLINK(\"http://x\")有限公司")
    done = payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(pay_settings),
                                    settings=pay_settings, by="clerk-wang")
    assert [u for u, _ in done.skipped] == [CSV_UNIT]
    assert done.skipped[0][1].startswith("单位名称不能写入银行文件 / the unit name cannot go into a bank file")
    assert "formula" in done.skipped[0][1]
    assert {b.bank_code: b.entries for b in done.batches}["313"] == BANKS["313100000013"] - 1


def test_approval_refuses_a_batch_holding_a_formula_name_and_names_the_unit(pay_store, pay_settings, reverified):
    done = payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(pay_settings),
                                    settings=pay_settings, by="clerk-wang")
    csv_batch = next(b for b in done.batches if b.bank_code == "313")
    rename(pay_store, reverified, CSV_UNIT, "@SUM(A1)", table="payment_attempts", column="account_name")
    with pytest.raises(Refused, match=f"{CSV_UNIT}.*cancel the batch") as refused:
        payments.approve_batch(csv_batch.number, store=pay_store, settings=pay_settings, by="approver-li")
    assert "formula" in str(refused.value)
    cancelled = payments.cancel_batch(csv_batch.number, store=pay_store, by="clerk-wang",
                                      reason="户名以 @ 开头, 银行不收 / account name starts with @")
    assert cancelled.batch.status == "cancelled" and cancelled.cancelled == BANKS["313100000013"]
    books = ledger.check(store=pay_store)
    assert books.ok and books.total.issued == 0 and books.total.cancelled == 0      # never approved: no money moved
    assert states(pay_store, reverified) == {State.REVERIFIED.value: PAY_UNITS}


def test_an_approved_batch_that_cannot_be_written_is_cancelled_its_money_back_and_its_cases_paid_later(
        pay_store, pay_settings, reverified, tmp_path):
    done = prepare_and_approve(pay_store, pay_settings, reverified)
    csv_batch = next(b for b in done.batches if b.bank_code == "313")
    rename(pay_store, reverified, CSV_UNIT, "坏名称\x07有限公司", table="payment_attempts", column="unit_name")
    with pytest.raises(Refused, match=rf"{CSV_UNIT}.*control character.*batch cancel {csv_batch.number}"):
        payments.write_files(csv_batch.number, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                             out_dir=tmp_path, by="c")
    assert not list(tmp_path.glob("*.csv"))
    before = ledger.check(store=pay_store)
    cancelled = payments.cancel_batch(csv_batch.number, store=pay_store, by="clerk-wang", reason="控制字符 / bad")
    assert cancelled.cancelled == BANKS["313100000013"]
    books = ledger.check(store=pay_store)
    assert books.ok and books.total.cancelled == csv_batch.total
    assert books.total.issued == before.total.issued - csv_batch.total
    assert books.total.pending == before.total.pending - csv_batch.total
    assert states(pay_store, reverified) == {State.APPROVED.value: PAY_UNITS - BANKS["313100000013"],
                                             State.REVERIFIED.value: BANKS["313100000013"]}
    with pay_store.reading() as uow:
        events = [e[3] for e in uow.audit.entries()]
    assert events.count("payment_cancelled") == BANKS["313100000013"] and "payment_batch_cancelled" in events
    # a cancelled batch cannot be approved, written or cancelled again; a bank answer about it changes nothing
    for step in (lambda: payments.approve_batch(csv_batch.number, store=pay_store, settings=pay_settings,
                                                by="approver-zhao"),
                 lambda: payments.write_files(csv_batch.number, store=pay_store, banks=BANK_FILES,
                                              settings=pay_settings, out_dir=tmp_path, by="c"),
                 lambda: payments.cancel_batch(csv_batch.number, store=pay_store, by="c", reason="again")):
        with pytest.raises(Refused):
            step()
    # the name mended where it came from, the cases are prepared anew: new attempts, new ids, paid once
    rename(pay_store, reverified, CSV_UNIT, "付款测试21号有限公司")
    again = prepare_and_approve(pay_store, pay_settings, reverified, approver="approver-zhao")
    [redo] = again.batches
    assert (redo.bank_code, redo.entries) == ("313", BANKS["313100000013"])
    sent = payments.write_files(redo.number, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                out_dir=tmp_path, by="c")
    answer = BankSimulator(reject_share=0, return_share=0).answer(sent.path, tmp_path / "bank")
    reconcile.ingest([answer.pain002.path], store=pay_store, banks=BANK_FILES, settings=pay_settings,
                     by="clerk-wang")
    with pay_store.reading() as uow:
        attempts = uow.payments.attempts(case_ids=[uow.cases.find(reverified, CSV_UNIT).id])
    assert [(a.attempt_no, a.status) for a in attempts] == [(1, "cancelled"), (2, "paid")]
    assert ledger.check(store=pay_store).ok


def test_a_sent_batch_cannot_be_cancelled(pay_store, pay_settings, reverified, tmp_path):
    done = prepare_and_approve(pay_store, pay_settings, reverified)
    number = done.batches[0].number
    payments.write_files(number, store=pay_store, banks=BANK_FILES, settings=pay_settings, out_dir=tmp_path,
                         by="c")
    with pytest.raises(Refused, match="only a batch whose file never left"):
        payments.cancel_batch(number, store=pay_store, by="clerk-wang", reason="too late")
    with pytest.raises(Refused, match="say why"):
        payments.cancel_batch(done.batches[1].number, store=pay_store, by="clerk-wang", reason="  ")
