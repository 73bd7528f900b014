"""A bank's answer applies only to the file it answers, and only once that file was sent (issue 12, the high finding).

Each test reproduces a way a bank file used to mark as paid a payment that was never sent, or one of another batch:
the answer is set aside on the exceptions list, the case and the ledger do not move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from tests.integration.test_payments import bank_answers, prepare_and_approve, states
from tests.paycity import PAY_UNITS
from wengang import bootstrap
from wengang.adapters.banks.camt054 import Booking, write_camt054
from wengang.adapters.banks.csv_layout import render_status_csv
from wengang.adapters.banks.pain002 import Original, TxStatus, write_pain002
from wengang.adapters.banks.simulator import BankSimulator
from wengang.domain.cases import State
from wengang.domain.payment_batches import PaymentBatch
from wengang.domain.payments import PaymentStatus, StatusRecord
from wengang.services import ledger, payments, reconcile

BANK_FILES = bootstrap.banks()   # what writes and reads bank files, as the CLI gets it

pytestmark = pytest.mark.slow
NOON = dt.datetime(2021, 10, 20, 12)


@pytest.fixture
def approved(pay_store, pay_settings, reverified, tmp_path):
    """Every bank's batch approved; only ICBC's (102) and ABC's (103) files written and sent."""
    done = prepare_and_approve(pay_store, pay_settings, reverified)
    by_bank = {b.bank_code: b for b in done.batches}
    for bank in ("102", "103"):
        payments.write_files(by_bank[bank].number, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                             out_dir=tmp_path / "out", by="clerk-wang")
    with pay_store.reading() as uow:
        first = {bank: uow.payments.attempts(batch_id=b.id)[0] for bank, b in by_bank.items()}
    return {"batches": by_bank, "first": first, "cycle": reverified}


def original(batch: PaymentBatch, message: str = "pain.001.001.09") -> Original:
    return Original(batch.number, message, batch.number, batch.entries, batch.total)


def report(tmp_path, name: str, answers: Original, statuses: list[TxStatus]):
    return write_pain002(tmp_path / name, message_id=f"{name}-STS", created=NOON, original=answers,
                         statuses=statuses, group_status="ACSC").path


def issues(pay_store) -> list[tuple[str, str]]:
    return sorted((e.issue, e.end_to_end_id) for e in reconcile.open_exceptions(store=pay_store))


def unchanged(pay_store, cycle: int) -> None:
    """Nothing was paid: every case still approved, the ledger balanced with nothing settled."""
    assert states(pay_store, cycle) == {State.APPROVED.value: PAY_UNITS}
    books = ledger.check(store=pay_store)
    assert books.ok and books.total.paid == 0


def test_a_report_on_a_sent_file_pays_its_own_payment_but_not_one_of_a_batch_never_sent_or_of_another(
        pay_store, pay_settings, approved, tmp_path):
    """The reproduction: a pain.002 claiming to answer ICBC's file names, besides one of its own payments, a payment
    of the CSV bank's batch (approved, its file never written) and one of ABC's (sent, another file), all ACSC."""
    icbc, csv_bank, abc = (approved["first"][b] for b in ("102", "313", "103"))
    path = report(tmp_path, "C1-B102-1-forged.xml", original(approved["batches"]["102"]), [
        TxStatus(icbc.end_to_end_id, "ACSC", icbc.amount), TxStatus(csv_bank.end_to_end_id, "ACSC", csv_bank.amount),
        TxStatus(abc.end_to_end_id, "ACSC", abc.amount)])
    [result] = reconcile.ingest([path], store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                by="clerk-wang")
    assert result.applied == {"paid": 1}
    assert issues(pay_store) == sorted([("batch-not-sent", csv_bank.end_to_end_id),
                                        ("wrong-batch", abc.end_to_end_id)])
    with pay_store.reading() as uow:
        assert uow.cases.get(icbc.case_id).state is State.PAID
        assert uow.cases.get(csv_bank.case_id).state is State.APPROVED
        assert uow.cases.get(abc.case_id).state is State.APPROVED
    books = ledger.check(store=pay_store)
    assert books.ok and books.total.paid == icbc.amount


def test_a_report_answering_a_file_never_sent_applies_nothing(pay_store, pay_settings, approved, tmp_path):
    csv_batch, icbc = approved["batches"]["313"], approved["first"]["102"]
    path = report(tmp_path, "never.xml", original(csv_batch), [TxStatus(icbc.end_to_end_id, "ACSC", icbc.amount)])
    [result] = reconcile.ingest([path], store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                by="clerk-wang")
    assert result.applied == {} and issues(pay_store) == [("unknown-original", "-")]
    assert "never sent" in result.exceptions[0].detail
    unchanged(pay_store, approved["cycle"])


@pytest.mark.parametrize("change", ["count", "sum", "type", "not ours"])
def test_a_report_whose_header_does_not_match_the_file_it_answers_applies_nothing(pay_store, pay_settings, approved,
                                                                                  tmp_path, change):
    batch, icbc = approved["batches"]["102"], approved["first"]["102"]
    answers = original(batch)
    answers = {"count": replace(answers, count=answers.count + 1),
               "sum": replace(answers, control_sum=answers.control_sum + Decimal("0.01")),
               "type": replace(answers, message_name="pain.001.001.03"),
               "not ours": replace(answers, message_id="ACME-2021-7")}[change]
    path = report(tmp_path, f"{change.replace(' ', '-')}.xml", answers, [TxStatus(icbc.end_to_end_id, "ACSC")])
    [result] = reconcile.ingest([path], store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                by="clerk-wang")
    want = "unknown-original" if change == "not ours" else "control-mismatch"
    assert result.applied == {} and issues(pay_store) == [(want, "-")]
    unchanged(pay_store, approved["cycle"])


def test_a_csv_status_file_cannot_settle_a_payment_sent_in_a_pain001(pay_store, pay_settings, approved, tmp_path):
    icbc = approved["first"]["102"]
    path = tmp_path / "status.csv"
    path.write_bytes(render_status_csv([StatusRecord(icbc.end_to_end_id, PaymentStatus.PAID, icbc.amount,
                                                     batch=approved["batches"]["102"].number)]))
    [result] = reconcile.ingest([path], store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                by="clerk-wang")
    assert result.applied == {} and issues(pay_store) == [("wrong-format", icbc.end_to_end_id)]
    unchanged(pay_store, approved["cycle"])


def test_a_csv_status_line_naming_another_batch_is_set_aside(pay_store, pay_settings, approved, tmp_path):
    csv_batch = approved["batches"]["313"]
    payments.write_files(csv_batch.number, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                         out_dir=tmp_path, by="c")
    mine = approved["first"]["313"]
    path = tmp_path / "status.csv"
    path.write_bytes(render_status_csv([StatusRecord(mine.end_to_end_id, PaymentStatus.PAID, mine.amount,
                                                     batch="C1-B313-9")]))
    [result] = reconcile.ingest([path], store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                by="clerk-wang")
    assert result.applied == {} and issues(pay_store) == [("wrong-batch", mine.end_to_end_id)]


def test_a_settlement_notice_pays_only_payments_whose_file_was_sent(pay_store, pay_settings, approved, tmp_path):
    icbc, csv_bank = approved["first"]["102"], approved["first"]["313"]
    path = write_camt054(tmp_path / "debits.xml", message_id="DBT-1", created=NOON,
                         account_no=pay_settings.fund_account_no, bank_code=pay_settings.fund_bank_code, bookings=[
                             Booking(icbc.end_to_end_id, icbc.amount, False, NOON.date(),
                                     original_message_id=approved["batches"]["102"].number),
                             Booking(csv_bank.end_to_end_id, csv_bank.amount, False, NOON.date())]).path
    [result] = reconcile.ingest([path], store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                by="clerk-wang")
    assert result.applied == {"paid": 1} and issues(pay_store) == [("batch-not-sent", csv_bank.end_to_end_id)]


@pytest.mark.parametrize("where", ["account", "bank"])
def test_a_notification_on_another_account_goes_to_a_person_not_to_no_change(pay_store, pay_settings, approved,
                                                                             tmp_path, where):
    icbc = approved["first"]["102"]
    other = {"account": dict(account_no="6222020299990000", bank_code=pay_settings.fund_bank_code),
             "bank": dict(account_no=pay_settings.fund_account_no, bank_code="105100000017")}[where]
    path = write_camt054(tmp_path / "other.xml", message_id="DBT-2", created=NOON, **other,
                         bookings=[Booking(icbc.end_to_end_id, icbc.amount, False, NOON.date())]).path
    [result] = reconcile.ingest([path], store=pay_store, banks=BANK_FILES, settings=pay_settings,
                                by="clerk-wang")
    assert result.applied == {} and issues(pay_store) == [("not-our-account", "-")]
    assert "0000" in result.exceptions[0].detail or "105100000017" in result.exceptions[0].detail
    assert "6222020299990000" not in result.exceptions[0].detail       # an account is never shown in full
    unchanged(pay_store, approved["cycle"])


def test_the_simulated_bank_answers_every_file_it_is_sent_and_all_of_it_applies(pay_store, pay_settings, approved,
                                                                                tmp_path):
    """The honest path stays whole: each file answered by the bank, every answer applied, no exception."""
    bank = BankSimulator(reject_share=0, return_share=0)
    answers = bank_answers(bank, approved["batches"].values(), pay_store, pay_settings, tmp_path)
    results = reconcile.ingest(answers, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                               by="clerk-wang")
    assert not [e for r in results for e in r.exceptions]
    assert states(pay_store, approved["cycle"]) == {State.PAID.value: PAY_UNITS}
