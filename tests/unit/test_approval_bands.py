"""Amount bands decide how many distinct approvers a batch needs (each band with its reference); an approver sends a
batch back with a reason while it waits; the default bands are the old rule (one approver up to 5,000,000.00 yuan,
two above)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from tests.unit.test_money_records import AT, batch
from wengang.config import DEFAULT_BANDS, Settings
from wengang.domain.errors import FourEyes, NotWaiting, Refused
from wengang.domain.payment_batches import ApprovalBand, NotSendableBack, band_of, check_bands

THREE = [ApprovalBand(Decimal("1000000.00"), 1, "一档 / band 1"), ApprovalBand(Decimal("10000000.00"), 2, "二档"),
         ApprovalBand(None, 3, "三档 / band 3")]
CENT = Decimal("0.01")


@pytest.mark.parametrize(("total", "approvers"), [
    (Decimal("0.01"), 1), (Decimal("5000000.00"), 1), (Decimal("5000000.00") + CENT, 2), (Decimal("9e12"), 2)])
def test_the_default_bands_are_the_old_threshold_on_both_sides(total, approvers):
    assert band_of(total, Settings().approval_bands).approvers == approvers
    assert all(b.reference.strip() for b in DEFAULT_BANDS)


@pytest.mark.parametrize(("total", "approvers"), [
    (Decimal("1000000.00"), 1), (Decimal("1000000.01"), 2), (Decimal("10000000.00"), 2),
    (Decimal("10000000.01"), 3)])
def test_each_band_boundary_is_inclusive_below_and_the_next_band_starts_a_fen_above(total, approvers):
    assert band_of(total, THREE).approvers == approvers


@pytest.mark.parametrize(("bands", "says"), [
    ([], "empty"), ([ApprovalBand(Decimal("1"), 1, "x")], "open"),
    ([ApprovalBand(Decimal("5"), 1, "x"), ApprovalBand(Decimal("5"), 2, "x"), ApprovalBand(None, 3, "x")], "rise"),
    ([ApprovalBand(Decimal("5"), 2, "x"), ApprovalBand(None, 1, "x")], "fewer"),
    ([ApprovalBand(None, 4, "x")], "1–3"), ([ApprovalBand(None, 1, " ")], "reference")])
def test_a_table_that_cannot_be_used_is_refused_saying_why(bands, says):
    with pytest.raises(ValueError, match=says):
        check_bands(bands)
    with pytest.raises(ValidationError, match=says):
        Settings(approval_bands=bands)


def test_three_distinct_people_besides_the_preparer_release_a_batch_of_the_top_band():
    b = batch(approvals_needed=3)
    one = b.approve("approver-li", AT)
    two = one.approve("director-zhao", AT)
    assert (one.status, two.status, two.approvals_missing, two.waits_for_second) == ("prepared", "prepared", 1, True)
    for same in ("clerk-wang", "approver-li", "director-zhao"):
        with pytest.raises(FourEyes):
            two.approve(same, AT)
    done = two.approve("chief-qian", AT)
    assert (done.status, done.approvers, done.third_approved_by) == (
        "approved", ("approver-li", "director-zhao", "chief-qian"), "chief-qian")


def test_an_approver_sends_a_waiting_batch_back_with_a_reason_and_then_it_can_only_be_cancelled():
    first = batch(approvals_needed=2).approve("approver-li", AT)
    back = first.send_back("director-zhao", AT, "第3笔户名与营业执照不符 / payee 3's name differs")
    assert (back.status, back.sent_back_by, back.send_back_reason) == (
        "sent_back", "director-zhao", "第3笔户名与营业执照不符 / payee 3's name differs")
    with pytest.raises(NotWaiting, match="not waiting for approval"):
        back.approve("chief-qian", AT)
    with pytest.raises(NotSendableBack, match="only a batch waiting for approval"):
        back.send_back("chief-qian", AT, "again")
    assert back.cancel("clerk-wang", AT, "退回后作废 / cancelled after it came back").status == "cancelled"


def test_sending_back_is_refused_once_released_by_the_preparer_or_without_a_reason():
    for status in ("approved", "sent", "cancelled"):
        with pytest.raises(NotSendableBack, match=f"batch C1-B102-1 is {status}"):
            batch(status=status).send_back("approver-li", AT, "late")
    with pytest.raises(NotSendableBack, match="cannot send it back; cancel it instead"):
        batch().send_back("clerk-wang", AT, "mine")
    with pytest.raises(Refused, match="say why"):
        batch().send_back("approver-li", AT, "  ")
