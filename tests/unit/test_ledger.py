"""The ledger by worked example (as django-hordak does): every figure written out, every refusal typed."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import uscc
from wengang.domain.ledger import (
    Account,
    IllegalPosting,
    Kind,
    Ledger,
    LedgerOutOfBalance,
    Leg,
    Totals,
    Transaction,
    UnbalancedTransaction,
)
from wengang.domain.payments import PaymentInstruction, PaymentStatus

D = Decimal
FUND, PAYABLE, PAID, RETURNED = Account.FUND, Account.PAYABLE, Account.PAID, Account.RETURNED
UI = "ui-return"                         # the general return's sub-account


def pay_in(case_id: int, amount: str, attempt: int = 1) -> PaymentInstruction:
    return PaymentInstruction(case_id, attempt, uscc(case_id), f"单位{case_id}", "102100099996",
                              f"62220200{case_id:08d}", f"单位{case_id}", D(amount))


def balances(ledger: Ledger, batch: str | None = None) -> dict[str, Decimal]:
    return {a.value: ledger.balance(a, batch) for a in Account}


def test_worked_example_one_batch_through_pay_reject_return_refund_and_reissue():
    ledger = Ledger()
    a, b, c = pay_in(1, "1000.00"), pay_in(2, "250.50"), pay_in(3, "0.01")
    for p in (a, b, c):
        ledger.approve(p, "B1", UI)
    assert balances(ledger) == {"fund": D("-1250.51"), "payable": D("1250.51"), "paid": 0, "returned": 0}
    assert ledger.check() == Totals(D("1250.51"), D("0"), D("0"), D("1250.51"), D("0"))

    ledger.pay(a.end_to_end_id)            # pain.002 ACSC
    ledger.reject(b.end_to_end_id)         # pain.002 RJCT AC04: closed account
    ledger.pay(c.end_to_end_id)
    ledger.returned(c.end_to_end_id)       # camt.054 credit with RtrInf, three days later
    assert balances(ledger) == {"fund": D("-1250.51"), "payable": 0, "paid": D("1000.00"), "returned": D("250.51")}
    assert ledger.check() == Totals(D("1250.51"), D("1000.00"), D("250.51"), D("0"), D("0"))

    ledger.refund(b.end_to_end_id)
    ledger.refund(c.end_to_end_id)
    assert balances(ledger) == {"fund": D("-1000.00"), "payable": 0, "paid": D("1000.00"), "returned": 0}

    b2 = dataclasses.replace(b, attempt=2, account_no="6222020299999999")   # the corrected account
    ledger.approve(b2, "B2", UI)
    assert b2.end_to_end_id != b.end_to_end_id
    assert balances(ledger, "B2") == {"fund": D("-250.50"), "payable": D("250.50"), "paid": 0, "returned": 0}
    ledger.pay(b2.end_to_end_id)
    assert ledger.totals("B1") == Totals(D("1250.51"), D("1000.00"), D("250.51"), D("0"), D("250.51"))
    assert ledger.totals("B2") == Totals(D("250.50"), D("250.50"), D("0"), D("0"), D("0"))
    assert ledger.check() == Totals(D("1501.01"), D("1250.50"), D("250.51"), D("0"), D("250.51"))
    assert balances(ledger) == {"fund": D("-1250.50"), "payable": 0, "paid": D("1250.50"), "returned": 0}
    assert [t.kind for t in ledger.transactions] == [
        Kind.APPROVE, Kind.APPROVE, Kind.APPROVE, Kind.PAY, Kind.REJECT, Kind.PAY, Kind.RETURN, Kind.REFUND,
        Kind.REFUND, Kind.APPROVE, Kind.PAY]


def test_every_transaction_has_two_legs_that_cancel():
    ledger = Ledger()
    ledger.approve(pay_in(1, "99.99"), "B1", UI)
    tx = ledger.pay(pay_in(1, "99.99").end_to_end_id)
    assert tx.legs == (Leg(PAYABLE, D("-99.99"), UI), Leg(PAID, D("99.99"), UI))
    assert all(sum(leg.amount for leg in t.legs) == 0 for t in ledger.transactions)


@pytest.mark.parametrize("legs,why", [
    ((Leg(FUND, D("-100.00"), UI), Leg(PAYABLE, D("99.99"), UI)), "off by -0.01"),
    ((Leg(FUND, D("-1.00"), UI),), "two legs"),
    ((Leg(FUND, D("0.00"), UI), Leg(PAYABLE, D("0.00"), UI)), "zero"),
])
def test_an_unbalanced_transaction_cannot_exist(legs, why):
    with pytest.raises(UnbalancedTransaction, match=why):
        Transaction(1, Kind.APPROVE, "B1", 1, "x", legs)


def test_a_float_leg_is_refused():
    with pytest.raises(TypeError):
        Transaction(1, Kind.APPROVE, "B1", 1, "x", (Leg(FUND, -0.1, UI), Leg(PAYABLE, 0.1, UI)))


def test_a_leg_in_fractions_of_a_fen_is_refused():
    with pytest.raises(ValueError, match="two decimals"):
        Transaction(1, Kind.APPROVE, "B1", 1, "x", (Leg(FUND, D("-0.005"), UI), Leg(PAYABLE, D("0.005"), UI)))


def ledger_with(*steps: str) -> tuple[Ledger, str]:
    ledger, p = Ledger(), pay_in(1, "10.00")
    ledger.approve(p, "B1", UI)
    for step in steps:
        getattr(ledger, step)(p.end_to_end_id)
    return ledger, p.end_to_end_id


@pytest.mark.parametrize("history,illegal", [
    ((), "returned"), ((), "refund"), (("pay",), "pay"), (("pay",), "reject"), (("pay",), "refund"),
    (("reject",), "pay"), (("reject",), "reject"), (("reject",), "returned"), (("reject", "refund"), "refund"),
    (("pay", "returned"), "returned"), (("pay", "returned"), "pay"), (("pay", "returned", "refund"), "refund"),
])
def test_illegal_postings_are_refused_and_leave_no_trace(history, illegal):
    ledger, e2e = ledger_with(*history)
    before = ledger.transactions
    with pytest.raises(IllegalPosting):
        getattr(ledger, illegal)(e2e)
    assert ledger.transactions == before
    ledger.check()


def test_an_attempt_is_approved_once_and_unknown_ids_are_refused():
    ledger, _ = ledger_with()
    with pytest.raises(IllegalPosting, match="already issued"):
        ledger.approve(pay_in(1, "10.00"), "B2", UI)
    with pytest.raises(IllegalPosting, match="never issued"):
        ledger.pay("WG-404-1-A")


@pytest.mark.parametrize("history", [(), ("pay",), ("reject",), ("pay", "returned")])
def test_a_case_is_reissued_only_after_its_failed_money_is_back_in_the_fund(history):
    ledger, _ = ledger_with(*history)
    with pytest.raises(IllegalPosting, match="案件 1"):
        ledger.approve(pay_in(1, "10.00", attempt=2), "B2", UI)


def test_append_only_no_way_to_change_or_remove_a_posting():
    ledger, _ = ledger_with("pay")
    assert not any(hasattr(ledger, name) for name in ("update", "delete", "remove", "edit", "reverse"))
    assert isinstance(ledger.transactions, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ledger.transactions[0].kind = Kind.REFUND
    with pytest.raises(AttributeError):
        ledger.transactions[0].legs.append(Leg(FUND, D("1.00"), UI))


def test_replayed_history_continues_and_checks():
    ledger, e2e = ledger_with("reject")
    again = Ledger.replay(ledger.transactions)
    assert again.status(e2e) is PaymentStatus.REJECTED
    again.refund(e2e)
    again.approve(pay_in(1, "10.00", attempt=2), "B2", UI)
    assert again.check().issued == D("20.00")


def approve_tx(seq, case_id, e2e, amount, batch="B1"):
    return Transaction(seq, Kind.APPROVE, batch, case_id, e2e, (Leg(FUND, -D(amount), UI), Leg(PAYABLE, D(amount), UI)))


@pytest.mark.parametrize("tampered,why", [
    # balanced, but the money skipped "payable": issued no longer equals paid + returned + pending
    ([Transaction(1, Kind.PAY, "B1", 1, "e1", (Leg(FUND, D("-5.00"), UI), Leg(PAID, D("5.00"), UI)))], "issued 0.00 ≠ paid 5.00"),
    # a second attempt issued while the first is still pending
    ([approve_tx(1, 1, "e1", "5.00"), approve_tx(2, 1, "e2", "5.00")], "issued while e1 not refunded"),
    # refunded money that was paid, never returned
    ([approve_tx(1, 1, "e1", "5.00"),
      Transaction(2, Kind.PAY, "B1", 1, "e1", (Leg(PAYABLE, D("-5.00"), UI), Leg(PAID, D("5.00"), UI))),
      Transaction(3, Kind.REFUND, "B1", 1, "e1", (Leg(PAID, D("-5.00"), UI), Leg(FUND, D("5.00"), UI)))],
     "illegal sequence approve → pay → refund"),
    # paid a different amount than was approved
    ([approve_tx(1, 1, "e1", "5.00"),
      Transaction(2, Kind.PAY, "B1", 1, "e1", (Leg(PAYABLE, D("-6.00"), UI), Leg(PAID, D("6.00"), UI)))], "legs are not"),
])
def test_check_finds_a_tampered_history(tampered, why):
    with pytest.raises(LedgerOutOfBalance, match=why):
        Ledger.replay(tampered).check()


OPS = st.lists(st.tuples(st.integers(1, 6), st.sampled_from(["approve", "pay", "reject", "returned", "refund"]),
                         st.sampled_from(["0.01", "1.10", "2500.00", "99999.99"])), max_size=60)


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_whatever_staff_and_banks_do_the_ledger_balances(ops):
    ledger, attempts = Ledger(), {}
    for case_id, op, amount in ops:
        try:
            if op == "approve":
                attempt = attempts.get(case_id, 0) + 1
                ledger.approve(pay_in(case_id, amount, attempt), f"B{attempt}", UI)
                attempts[case_id] = attempt
            elif case_id in attempts:
                getattr(ledger, op)(pay_in(case_id, "1.00", attempts[case_id]).end_to_end_id)
        except IllegalPosting:
            pass
    t = ledger.check()
    assert t.issued == t.paid + t.returned + t.pending
    assert ledger.balance(FUND) == t.refunded - t.issued
    for case_id in attempts:   # at most one attempt per case is live (pending or paid)
        live = [n for n in range(1, attempts[case_id] + 1)
                if ledger.status(pay_in(case_id, "1.00", n).end_to_end_id) in (PaymentStatus.PENDING, PaymentStatus.PAID)]
        assert len(live) <= 1


def test_worked_example_a_cancelled_batch_returns_its_money_and_the_case_is_paid_by_a_new_attempt():
    ledger = Ledger()
    a, b = pay_in(1, "300.00"), pay_in(2, "0.50")
    ledger.approve(a, "B1", UI)
    ledger.approve(b, "B1", UI)
    ledger.cancel(a.end_to_end_id)                 # its file never left: straight back to the fund
    assert balances(ledger) == {"fund": D("-0.50"), "payable": D("0.50"), "paid": 0, "returned": 0}
    assert ledger.check() == Totals(D("0.50"), D("0"), D("0"), D("0.50"), D("0"), D("300.00"))
    with pytest.raises(IllegalPosting, match="was cancelled"):
        ledger.cancel(a.end_to_end_id)             # once
    with pytest.raises(IllegalPosting):
        ledger.pay(a.end_to_end_id)                # a cancelled payment is never settled
    a2 = dataclasses.replace(a, attempt=2)
    ledger.approve(a2, "B2", UI)                       # the case may be paid anew, under a new id
    ledger.pay(a2.end_to_end_id)
    assert ledger.check() == Totals(D("300.50"), D("300.00"), D("0"), D("0.50"), D("0"), D("300.00"))
    with pytest.raises(IllegalPosting):
        ledger.cancel(a2.end_to_end_id)            # settled money is not cancelled: it can only come back as a return


def test_a_recorded_cancel_after_settlement_is_an_illegal_path():
    txs = [Transaction(1, Kind.APPROVE, "B1", 1, "P1", (Leg(FUND, D("-5.00"), UI), Leg(PAYABLE, D("5.00"), UI))),
           Transaction(2, Kind.PAY, "B1", 1, "P1", (Leg(PAYABLE, D("-5.00"), UI), Leg(PAID, D("5.00"), UI))),
           Transaction(3, Kind.CANCEL, "B1", 1, "P1", (Leg(PAYABLE, D("-5.00"), UI), Leg(FUND, D("5.00"), UI)))]
    with pytest.raises(LedgerOutOfBalance, match="illegal sequence approve → pay → cancel"):
        Ledger.replay(txs).check()
