"""Issue 17.3, the fund's sub-account per programme, by worked example: every figure of each programme written out,
a transaction across two programmes refused, a history that moved money between them found."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_ledger import pay_in
from wengang.domain.ledger import (
    Account,
    CrossProgramme,
    IllegalPosting,
    Kind,
    Ledger,
    LedgerError,
    LedgerOutOfBalance,
    Leg,
    Totals,
    Transaction,
)

D = Decimal
FUND, PAYABLE, PAID, RETURNED = Account.FUND, Account.PAYABLE, Account.PAID, Account.RETURNED
UI, RETENTION = "ui-return", "retention-training"


def accounts(ledger: Ledger, program: str | None = None) -> dict[str, Decimal]:
    return {a.value: ledger.balance(a, program=program) for a in Account}


def test_two_programmes_in_one_batch_run_each_keep_their_own_fund():
    ledger = Ledger()
    a, b = pay_in(1, "1000.00"), pay_in(2, "250.50")            # the general return
    c, d = pay_in(3, "600.00"), pay_in(4, "0.01")               # the retention-training subsidy
    for p in (a, b):
        ledger.approve(p, "C1-B102-1", UI)
    for p in (c, d):
        ledger.approve(p, "C2-B102-1", RETENTION)
    assert accounts(ledger, UI) == {"fund": D("-1250.50"), "payable": D("1250.50"), "paid": 0, "returned": 0}
    assert accounts(ledger, RETENTION) == {"fund": D("-600.01"), "payable": D("600.01"), "paid": 0, "returned": 0}

    ledger.pay(a.end_to_end_id)
    ledger.reject(b.end_to_end_id)             # pain.002 RJCT: back into the general return's sub-account only
    ledger.pay(c.end_to_end_id)
    ledger.pay(d.end_to_end_id)
    ledger.returned(d.end_to_end_id)           # camt.054 return of a retention payment
    assert accounts(ledger, UI) == {"fund": D("-1250.50"), "payable": 0, "paid": D("1000.00"), "returned": D("250.50")}
    assert accounts(ledger, RETENTION) == {"fund": D("-600.01"), "payable": 0, "paid": D("600.00"),
                                           "returned": D("0.01")}
    ledger.refund(b.end_to_end_id)
    ledger.refund(d.end_to_end_id)
    assert accounts(ledger, UI) == {"fund": D("-1000.00"), "payable": 0, "paid": D("1000.00"), "returned": 0}
    assert accounts(ledger, RETENTION) == {"fund": D("-600.00"), "payable": 0, "paid": D("600.00"), "returned": 0}
    assert ledger.totals(program=UI) == Totals(D("1250.50"), D("1000.00"), D("250.50"), D("0"), D("250.50"))
    assert ledger.totals(program=RETENTION) == Totals(D("600.01"), D("600.00"), D("0.01"), D("0"), D("0.01"))
    assert ledger.check() == Totals(D("1850.51"), D("1600.00"), D("250.51"), D("0"), D("250.51"))
    assert accounts(ledger) == {"fund": D("-1600.00"), "payable": 0, "paid": D("1600.00"), "returned": 0}
    assert ledger.programs() == [RETENTION, UI]
    # each posting's two legs sit in its payment's programme, and sum to zero there
    assert all({leg.program for leg in tx.legs} == {UI if tx.case_id <= 2 else RETENTION}
               and sum(leg.amount for leg in tx.legs) == 0 for tx in ledger.transactions)


def test_a_transaction_across_two_programmes_cannot_exist():
    legs = (Leg(FUND, D("-100.00"), UI), Leg(PAYABLE, D("100.00"), RETENTION))    # balanced, but across funds
    with pytest.raises(CrossProgramme, match="moves money between programmes"):
        Transaction(1, Kind.APPROVE, "B1", 1, "x", legs)
    with pytest.raises(LedgerError, match="names no programme"):
        Transaction(1, Kind.APPROVE, "B1", 1, "x", (Leg(FUND, D("-1.00"), " "), Leg(PAYABLE, D("1.00"), " ")))
    Transaction(1, Kind.APPROVE, "B1", 1, "x", (Leg(FUND, D("-100.00"), UI), Leg(PAYABLE, D("100.00"), UI)))


def test_a_payment_stays_in_its_programme_whatever_is_asked_later():
    ledger, p = Ledger(), pay_in(1, "10.00")
    ledger.approve(p, "B1", UI)
    ledger.reject(p.end_to_end_id)
    tx = ledger.refund(p.end_to_end_id)                # no programme to name: its payment's own
    assert tx.program == UI and accounts(ledger, RETENTION) == dict.fromkeys(("fund", "payable", "paid", "returned"), 0)
    with pytest.raises(IllegalPosting, match="already issued"):
        ledger.approve(p, "B2", RETENTION)             # the same attempt is never issued again, from any fund


def tx(seq: int, kind: Kind, src: Account, dst: Account, amount: str, program: str) -> Transaction:
    return Transaction(seq, kind, "B1", 1, "e1", (Leg(src, -D(amount), program), Leg(dst, D(amount), program)))


def test_check_finds_a_history_that_moved_money_between_programmes():
    """Each row balanced in its own programme, but the payment approved from one fund was refunded to the other:
    the general return is 5.00 short for good and the retention fund 5.00 richer."""
    moved = [tx(1, Kind.APPROVE, FUND, PAYABLE, "5.00", UI), tx(2, Kind.REJECT, PAYABLE, RETURNED, "5.00", UI),
             tx(3, Kind.REFUND, RETURNED, FUND, "5.00", RETENTION)]
    ledger = Ledger.replay(moved)
    with pytest.raises(LedgerOutOfBalance) as found:
        ledger.check()
    text = str(found.value)
    assert "moves e1 from ui-return to retention-training" in text
    assert "retention-training: 账户为负 / more went out of an account than came in: returned -5.00, fund +5.00" in text
    assert accounts(ledger, UI) == {"fund": D("-5.00"), "payable": 0, "paid": 0, "returned": D("5.00")}
    assert accounts(ledger) == {"fund": 0, "payable": 0, "paid": 0, "returned": 0}      # the total alone hides it
    Ledger.replay(moved[:2] + [tx(3, Kind.REFUND, RETURNED, FUND, "5.00", UI)]).check()  # in one programme: fine


OPS = st.lists(st.tuples(st.integers(1, 6), st.sampled_from([UI, RETENTION]),
                         st.sampled_from(["approve", "pay", "reject", "returned", "refund", "cancel"]),
                         st.sampled_from(["0.01", "1.10", "2500.00"])), max_size=60)


@settings(max_examples=100, deadline=None)
@given(OPS)
def test_whatever_happens_each_programme_balances_and_together_they_make_the_total(ops):
    ledger, attempts = Ledger(), {}
    for case_id, program, op, amount in ops:
        try:
            if op == "approve":
                attempt = attempts.get(case_id, (0, ""))[0] + 1
                ledger.approve(pay_in(case_id, amount, attempt), f"B{attempt}", program)
                attempts[case_id] = attempt, program
            elif case_id in attempts:
                getattr(ledger, op)(pay_in(case_id, "1.00", attempts[case_id][0]).end_to_end_id)
        except IllegalPosting:
            pass
    whole = ledger.check()
    parts = [ledger.totals(program=p) for p in ledger.programs()]
    assert all(t.issued == t.paid + t.returned + t.pending for t in parts)
    assert [sum((t[i] for t in parts), D("0.00")) for i in range(len(Totals._fields))] == list(whole)
    for a in Account:
        assert sum((ledger.balance(a, program=p) for p in ledger.programs()), D("0.00")) == ledger.balance(a)
    for p in ledger.programs():
        assert sum(ledger.balance(a, program=p) for a in Account) == 0     # a sub-account sums to zero
