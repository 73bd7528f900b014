"""Payments on the in-memory store: prepare per bank, four (six) eyes, cancel with the money back to the fund."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.builders import bands
from tests.services.conftest import code, state_of
from wengang.domain.errors import FourEyes, NotWaiting, Refused
from wengang.services import payments

pytestmark = pytest.mark.services
PAID = ("eligible", "objected", "changes_amount")          # re-verified on the list: what the first batches pay


def postings(store) -> list[tuple[str, str, Decimal]]:
    with store.reading() as uow:
        return [(kind, number, amount) for _, kind, number, _, _, _, _, amount, _ in uow.payments.postings()]


def test_preparation_makes_one_batch_per_bank_of_the_re_verified_cases(store, analytics, settings, reverified):
    made = payments.prepare_batches(reverified, store=store, analytics=analytics, settings=settings, by="clerk")
    assert [(b.number, b.entries, b.total, b.status) for b in made.batches] == [
        ("C1-B102-1", 1, Decimal("1200.00"), "prepared"), ("C1-B103-1", 2, Decimal("1800.00"), "prepared")]
    assert postings(store) == []                                          # no money moves before approval
    again = payments.prepare_batches(reverified, store=store, analytics=analytics, settings=settings,
                                     by="clerk")
    assert again.batches == []                                            # a live attempt is never doubled


def test_the_preparer_cannot_approve_another_person_releases_the_money(store, analytics, settings, reverified):
    batch = payments.prepare_batches(reverified, store=store, analytics=analytics, settings=settings,
                                     by="clerk").batches[1]
    with pytest.raises(FourEyes, match="four eyes"):
        payments.approve_batch(batch.number, store=store, settings=settings, by="clerk")
    approved = payments.approve_batch(batch.number, store=store, settings=settings, by="approver-li")
    assert (approved.status, approved.approved_by) == ("approved", "approver-li")
    assert state_of(store, "objected") == state_of(store, "changes_amount") == "approved-for-payment"
    assert state_of(store, "eligible") == "re-verified"                   # in the other bank's batch, not approved
    assert postings(store) == [("approve", batch.number, Decimal("800.00")),
                               ("approve", batch.number, Decimal("1000.00"))]
    with pytest.raises(NotWaiting, match="not waiting for approval"):
        payments.approve_batch(batch.number, store=store, settings=settings, by="director-zhao")


def test_above_the_threshold_a_second_different_approver_is_needed(store, analytics, settings, reverified):
    low = bands(settings, "1000.00")
    batch = payments.prepare_batches(reverified, store=store, analytics=analytics, settings=low,
                                     by="clerk").batches[1]
    assert batch.needs_second
    first = payments.approve_batch(batch.number, store=store, settings=low, by="approver-li")
    assert first.status == "prepared" and postings(store) == []
    with pytest.raises(FourEyes):
        payments.approve_batch(batch.number, store=store, settings=low, by="approver-li")
    second = payments.approve_batch(batch.number, store=store, settings=low, by="director-zhao")
    assert (second.status, second.second_approved_by) == ("approved", "director-zhao")


def test_a_cancelled_batch_returns_its_money_and_its_cases_are_paid_in_a_new_batch(store, analytics, settings, reverified):
    batch = payments.prepare_batches(reverified, store=store, analytics=analytics, settings=settings,
                                     by="clerk").batches[1]
    payments.approve_batch(batch.number, store=store, settings=settings, by="approver-li")
    with pytest.raises(Refused, match="say why"):
        payments.cancel_batch(batch.number, store=store, by="clerk", reason=" ")
    done = payments.cancel_batch(batch.number, store=store, by="clerk", reason="账户有误")
    assert (done.batch.status, done.cancelled) == ("cancelled", 2)
    assert state_of(store, "objected") == state_of(store, "changes_amount") == "re-verified"
    moves = postings(store)
    assert [k for k, _, _ in moves] == ["approve", "approve", "cancel", "cancel"]
    assert sum(a for k, _, a in moves if k == "approve") == sum(a for k, _, a in moves if k == "cancel")
    with pytest.raises(NotWaiting, match="not waiting for approval"):
        payments.approve_batch(batch.number, store=store, settings=settings, by="director-zhao")
    with pytest.raises(NotWaiting, match="only a batch whose file never left"):
        payments.cancel_batch(batch.number, store=store, by="clerk", reason="再次")
    anew = payments.prepare_batches(reverified, store=store, analytics=analytics, settings=settings,
                                    by="clerk").batches
    assert [(b.number, b.entries) for b in anew] == [("C1-B103-2", 2)]
    with store.reading() as uow:
        case = uow.cases.find(1, code("objected"))
        assert [(a.attempt_no, a.status) for a in uow.payments.attempts(case_ids=[case.id])] == [
            (1, "cancelled"), (2, "prepared")]
