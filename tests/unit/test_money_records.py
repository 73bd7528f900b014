"""The money records' own lifecycles: a payment batch's four (six) eyes and states, an account's verification by
another person, an exception resolved once; each refusal typed and worded as the services worded it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wengang.domain.accounts import PaymentAccount
from wengang.domain.errors import FourEyes, NotWaiting, Refused
from wengang.domain.payment_batches import PaymentBatch
from wengang.domain.payment_records import PaymentException

AT = dt.datetime(2021, 10, 20, 8, 30)


def batch(*, needs_second: bool = False, status: str = "prepared", **changes) -> PaymentBatch:
    fields = dict(id=7, cycle_id=1, number="C1-B102-1", bank_code="102", file_format="pain.001.001.09", entries=12,
                  total=Decimal("18403.20"), status=status, approvals_needed=2 if needs_second else 1, prepared_by="clerk-wang",
                  prepared_at=AT, approved_by=None, approved_at=None, second_approved_by=None,
                  second_approved_at=None, execution_date=None, file_name=None, file_sha256=None, sent_at=None,
                  cancelled_by=None, cancelled_at=None, cancel_reason=None)
    return PaymentBatch(**{**fields, **changes})


def account(*, status: str = "pending") -> PaymentAccount:
    return PaymentAccount(3, 1, "91110108MA0000001X", "105100000017", "6217000010001234", "付款测试1号有限公司",
                          "employer", status, "91110108MA0000001X", AT, None, None, "")


def test_the_numbers_staff_and_banks_know_a_batch_by():
    assert PaymentBatch.number_for(1, "102", 3) == "C1-B102-3"


def test_one_approval_releases_a_batch_under_the_threshold_with_today_as_its_execution_date():
    done = batch().approve("approver-li", AT)
    assert (done.status, done.approved_by, done.approved_at, done.execution_date) == (
        "approved", "approver-li", AT, AT.date())
    assert done.second_approved_by is None
    assert batch(execution_date=dt.date(2021, 11, 1)).approve("approver-li", AT).execution_date == dt.date(2021, 11, 1)


def test_above_the_threshold_the_first_approval_waits_for_a_second_different_person():
    first = batch(needs_second=True).approve("approver-li", AT)
    assert first.status == "prepared" and first.approved_by == "approver-li" and first.waits_for_second
    with pytest.raises(FourEyes, match="another person must approve"):
        first.approve("approver-li", AT)
    done = first.approve("director-zhao", AT)
    assert (done.status, done.approved_by, done.second_approved_by) == ("approved", "approver-li", "director-zhao")
    assert not done.waits_for_second


def test_the_preparer_never_approves_and_only_a_prepared_batch_is_approved():
    with pytest.raises(FourEyes, match="four eyes: clerk-wang prepared") as refused:
        batch().approve("clerk-wang", AT)
    assert isinstance(refused.value, Refused)               # the same 400 refusal the service raised before
    for status in ("approved", "sent", "cancelled"):
        with pytest.raises(NotWaiting, match=f"batch C1-B102-1 is {status}, not waiting for approval"):
            batch(status=status).approve("approver-li", AT)


def test_a_batch_is_cancelled_only_before_its_file_left():
    for status in ("prepared", "approved"):
        done = batch(status=status).cancel("clerk-wang", AT, "户名有误 / wrong names")
        assert (done.status, done.cancelled_by, done.cancelled_at, done.cancel_reason) == (
            "cancelled", "clerk-wang", AT, "户名有误 / wrong names")
    with pytest.raises(NotWaiting, match="a sent batch ends through the bank's answers"):
        batch(status="sent").cancel("clerk-wang", AT, "too late")
    with pytest.raises(NotWaiting, match="only a batch whose file never left") as refused:
        batch(status="cancelled").cancel("clerk-wang", AT, "again")
    assert "bank's answers" not in str(refused.value)


def test_only_an_approved_or_sent_batch_gets_a_file_and_is_marked_sent():
    for status in ("prepared", "cancelled"):
        with pytest.raises(NotWaiting, match="only an approved batch gets a bank file"):
            batch(status=status).mark_sent("C1-B102-1.xml", "ab" * 32, AT)
    done = batch(status="approved").mark_sent("C1-B102-1.xml", "ab" * 32, AT)
    assert (done.status, done.file_name, done.file_sha256, done.sent_at) == ("sent", "C1-B102-1.xml", "ab" * 32, AT)


def test_only_a_prepared_batch_is_recounted():
    done = batch().recount(10, Decimal("9000.00"), 1)
    assert (done.entries, done.total, done.needs_second) == (10, Decimal("9000.00"), False)
    with pytest.raises(NotWaiting):
        batch(status="approved").recount(10, Decimal("9000.00"), 1)


def test_an_account_is_verified_once_and_never_by_whoever_proposed_it():
    with pytest.raises(FourEyes, match="whoever proposed an account cannot verify it"):
        account().verify("91110108MA0000001X", AT, accept=True, note="self")
    done = account().verify("clerk-wang", AT, accept=True, note="开户许可证核对")
    assert (done.status, done.verified_by, done.verified_at, done.note) == ("active", "clerk-wang", AT, "开户许可证核对")
    assert account().verify("clerk-wang", AT, accept=False, note="no").status == "refused"
    for status in ("active", "refused", "superseded"):
        with pytest.raises(NotWaiting, match=f"account 3 is {status}, not waiting for verification"):
            account(status=status).verify("clerk-wang", AT, accept=True, note="again")


def test_a_pending_or_active_account_is_superseded_and_a_shown_account_is_masked():
    assert account().supersede().status == account(status="active").supersede().status == "superseded"
    with pytest.raises(NotWaiting):
        account(status="refused").supersede()
    shown = account().masked()
    assert shown.account_no != account().account_no and shown.account_no.endswith("1234")
    assert "62170000100" not in shown.account_no


def test_an_exception_is_resolved_once_and_says_its_issue_in_words():
    open_one = PaymentException(5, 1, "WG-1-1-X", "amount-mismatch", "open", Decimal("1.00"), "差 0.01", AT, None,
                                None, None)
    assert open_one.words == "金额不符 / amount differs"
    done = open_one.resolve("clerk-wang", AT, "已与银行核对 / checked with the bank")
    assert (done.status, done.resolved_by, done.resolved_at) == ("resolved", "clerk-wang", AT)
    with pytest.raises(NotWaiting, match="exception 5 is already resolved"):
        done.resolve("clerk-wang", AT, "again")
