"""Failed payments as a worklist, on SQLite and PostgreSQL: the bank's reason code, whether the unit corrected its
account after the failure, days left before recovery, and where the re-issue stands, step by step (issue 14, item 5)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.builders import uscc
from tests.integration.test_payments import BANK_FILES, bank_answers, prepare_and_approve
from tests.paycity import PAY_UNITS
from wengang import bootstrap
from wengang.adapters.banks.simulator import REJECTED, RETURNED, BankSimulator, Outcome
from wengang.services import accounts, failed_payments, payments, reconcile

pytestmark = pytest.mark.slow


def steps(store, cycle_id) -> dict[str, str]:
    work = failed_payments.worklist(cycle_id, store=store, recovery_days=30)
    return {r.uscc: r.step for r in work.rows}


def test_each_failed_payment_says_why_if_corrected_days_left_and_its_reissue_step(pay_store, pay_settings,
                                                                                  reverified, tmp_path):
    done = prepare_and_approve(pay_store, pay_settings, reverified)
    with pay_store.reading() as uow:
        attempts = {a.uscc: a for a in uow.payments.attempts()}
    one, two = attempts[uscc(1, "91110108")], attempts[uscc(2, "91110108")]
    bank = BankSimulator(reject_share=0, return_share=0, force={
        one.end_to_end_id: Outcome(one.end_to_end_id, REJECTED, "AC04"),
        two.end_to_end_id: Outcome(two.end_to_end_id, RETURNED, "BE01")})
    answers = bank_answers(bank, done.batches, pay_store, pay_settings, tmp_path)
    reconcile.ingest(answers, store=pay_store, banks=BANK_FILES, settings=pay_settings, by="clerk-wang")
    assert failed_payments.waiting_count(reverified, store=pay_store) == 2
    work = failed_payments.worklist(reverified, store=pay_store, recovery_days=30)
    rows = {r.uscc: r for r in work.rows}
    assert (work.count, set(rows)) == (2, {one.uscc, two.uscc})
    assert (rows[one.uscc].reason_code, rows[two.uscc].reason_code) == ("AC04", "BE01")
    assert all(r.step == "awaiting-account" and not r.corrected and r.account.startswith("*") for r in work.rows)
    today = work.today
    assert all(r.deadline == r.failed_on + dt.timedelta(days=30) and r.days_left == (r.deadline - today).days
               for r in work.rows)
    late = failed_payments.worklist(reverified, store=pay_store, recovery_days=-1)
    assert {r.step for r in late.rows} == {"overdue"} and all(r.days_left < 0 for r in late.rows)
    # the unit proposes a new account: to verify; once another person verifies it: corrected, ready to re-issue
    new = accounts.propose(reverified, one.uscc, bank_code="105100000017", account_no="6217000010001234",
                           account_name="付款测试1号有限公司", store=pay_store, by=one.uscc)
    assert steps(pay_store, reverified)[one.uscc] == "account-to-verify"
    accounts.verify(new, store=pay_store, by="clerk-wang", accept=True, note="开户许可证核对 / licence checked")
    row = next(r for r in failed_payments.worklist(reverified, store=pay_store, recovery_days=30).rows
               if r.uscc == one.uscc)
    assert (row.step, row.corrected, row.new_account) == ("ready-to-reissue", True, "************1234")
    # prepared, approved, sent: the re-issue's steps; the other one still waits for its unit
    again = payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(pay_settings), settings=pay_settings, by="clerk-wang")
    assert steps(pay_store, reverified) == {one.uscc: "reissue-prepared", two.uscc: "awaiting-account"}
    [batch] = again.batches
    payments.approve_batch(batch.number, store=pay_store, settings=pay_settings, by="approver-li")
    assert steps(pay_store, reverified)[one.uscc] == "reissue-approved"
    payments.write_files(batch.number, store=pay_store, banks=BANK_FILES, settings=pay_settings,
                         out_dir=tmp_path / "out2", by="clerk-wang")
    assert steps(pay_store, reverified)[one.uscc] == "reissued"
    named = failed_payments.worklist(reverified, store=pay_store, recovery_days=30, search="付款测试2号")
    assert [r.uscc for r in named.rows] == [two.uscc] and named.by_step["reissued"] == 1
    assert failed_payments.waiting_count(reverified, store=pay_store) == 2 and PAY_UNITS > 2
