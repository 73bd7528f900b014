"""End-to-end ids, exact money, instructions and reconciliation: every boundary on both sides."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from tests.builders import uscc
from wengang.domain.payments import (
    MAX_ATTEMPT,
    MAX_CASE_ID,
    PaymentInstruction,
    PaymentStatus,
    StatusRecord,
    control_sum,
    end_to_end_id,
    money,
    parse_end_to_end_id,
    positive_money,
)
from wengang.domain.reconciliation import Expected, Issue, reconcile

ISO_SAFE = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")  # the restricted character set banks accept
P, R, X, PEND = PaymentStatus.PAID, PaymentStatus.REJECTED, PaymentStatus.RETURNED, PaymentStatus.PENDING


def instruction(**over):
    values = dict(case_id=7, attempt=1, uscc=uscc(7), unit_name="北京稳岗科技有限公司", bank_code="102100099996",
                  account_no="6222020200012345678", account_name="北京稳岗科技有限公司", amount=Decimal("1234.50"))
    return PaymentInstruction(**(values | over))


def test_same_attempt_same_id_and_reissue_gets_a_new_one():
    assert end_to_end_id(7, 1) == end_to_end_id(7, 1) == instruction().end_to_end_id
    assert end_to_end_id(7, 2) != end_to_end_id(7, 1)
    assert end_to_end_id(70, 1) != end_to_end_id(7, 1)
    assert end_to_end_id(7, 1).startswith("WG-7-1-")


@pytest.mark.parametrize("case_id,attempt", [(1, 1), (MAX_CASE_ID, MAX_ATTEMPT), (10**9, 12), (123456, 999)])
def test_ids_fit_max35text_and_the_restricted_character_set(case_id, attempt):
    e2e = end_to_end_id(case_id, attempt)
    assert len(e2e) <= 35 and ISO_SAFE.match(e2e) and "//" not in e2e and not e2e.startswith("/")
    assert parse_end_to_end_id(e2e) == (case_id, attempt)


@pytest.mark.parametrize("case_id,attempt", [(0, 1), (-1, 1), (MAX_CASE_ID + 1, 1), (1, 0), (1, MAX_ATTEMPT + 1),
                                             (True, 1), (1, True), ("7", 1), (7, 1.0)])
def test_ids_refuse_out_of_range_or_mistyped_parts(case_id, attempt):
    with pytest.raises(ValueError):
        end_to_end_id(case_id, attempt)


def test_every_single_digit_typo_and_adjacent_swap_is_caught():
    for case_id, attempt in [(7, 1), (4821, 3), (987654321, 12)]:
        e2e = end_to_end_id(case_id, attempt)
        digits = [i for i, c in enumerate(e2e) if c.isdigit()]
        for i in digits:
            for d in "0123456789":
                typo = e2e[:i] + d + e2e[i + 1:]
                if typo != e2e:
                    with pytest.raises(ValueError):
                        parse_end_to_end_id(typo)
        for i, j in zip(digits, digits[1:], strict=False):
            if j == i + 1 and e2e[i] != e2e[j]:
                with pytest.raises(ValueError):
                    parse_end_to_end_id(e2e[:i] + e2e[j] + e2e[i] + e2e[j + 1:])


@pytest.mark.parametrize("foreign", ["", "WG-7-1", "E2E-0001", "wg-7-1-X", "WG-07-1-X", "WG-7-1000-X"])
def test_foreign_ids_are_not_ours(foreign):
    with pytest.raises(ValueError, match="not a wengang end-to-end id"):
        parse_end_to_end_id(foreign)


@pytest.mark.parametrize("value,expected", [("0.01", "0.01"), ("1234.5", "1234.50"), (12, "12.00"),
                                            (Decimal("1E+2"), "100.00"), ("-3.10", "-3.10")])
def test_money_is_exact_with_two_places(value, expected):
    assert str(money(value)) == expected


@pytest.mark.parametrize("value", ["0.001", "1234.567", Decimal("0.005"), "NaN", "Infinity", "1,00", "abc"])
def test_money_refuses_more_than_fen_or_not_a_number(value):
    with pytest.raises(ValueError):
        money(value)


@pytest.mark.parametrize("value", [0.1, 1.0, True, None])
def test_money_refuses_floats_and_other_types(value):
    with pytest.raises(TypeError):
        money(value)


def test_positive_money_boundary():
    assert positive_money("0.01") == Decimal("0.01")
    for bad in ("0", "0.00", "-0.01"):
        with pytest.raises(ValueError, match="more than zero"):
            positive_money(bad)


def test_control_sum_is_exact_where_floats_drift():
    assert sum([0.1] * 10) != 1.0
    assert control_sum(["0.10"] * 10) == Decimal("1.00")
    assert str(control_sum([Decimal("9999999999.99")] * 3)) == "29999999999.97"


@pytest.mark.parametrize("field,value,why", [
    ("bank_code", "10210009999", "12-digit"), ("bank_code", "1021000999961", "12-digit"),
    ("bank_code", "10210009999A", "12-digit"), ("account_no", "12345", "6–34"), ("account_no", "1" * 35, "6–34"),
    ("account_no", "6222 0202", "6–34"), ("account_name", "  ", "blank"), ("account_name", "名" * 141, "140"),
    ("unit_name", "甲\x07乙", "control"), ("uscc", uscc(7)[:-1] + ("0" if uscc(7)[-1] != "0" else "1"), "check"),
    ("amount", Decimal("0.00"), "more than zero"), ("amount", Decimal("1.005"), "two decimals"),
])
def test_instruction_refuses_each_bad_field(field, value, why):
    with pytest.raises(ValueError, match=why):
        instruction(**{field: value})


def test_instruction_accepts_the_limits():
    ok = instruction(account_no="1" * 34, account_name="名" * 140, amount=Decimal("0.01"))
    assert ok.amount == Decimal("0.01") and len(ok.account_name) == 140


def test_instruction_refuses_a_float_amount():
    with pytest.raises(TypeError):
        instruction(amount=1234.5)


# ---- reconciliation: what a status file may change, and what it may not ----

A, B, C = end_to_end_id(1, 1), end_to_end_id(2, 1), end_to_end_id(3, 1)
EXPECTED = {A: Expected(Decimal("100.00"), PEND), B: Expected(Decimal("200.00"), PEND),
            C: Expected(Decimal("300.00"), P)}
DAY = dt.date(2021, 7, 2)


def rec(e2e, status, amount=None, reason=None):
    return StatusRecord(e2e, status, None if amount is None else Decimal(amount), reason, DAY, "test")


def test_reconcile_applies_legal_changes_in_order():
    out = reconcile(EXPECTED, [rec(A, P, "100.00"), rec(B, R, "200.00", "AC04"), rec(C, X, "300.00", "AC04"),
                               rec(A, X, "100.00", "AC04")])
    assert [(u.end_to_end_id, u.before, u.after) for u in out.updates] == [(A, PEND, P), (B, PEND, R), (C, P, X),
                                                                           (A, P, X)]
    assert out.updates[1].reason == "AC04" and out.updates[1].amount == Decimal("200.00") and out.clean


def test_reconcile_lists_unknown_ids_mismatched_amounts_and_duplicates():
    out = reconcile(EXPECTED, [rec("WG-999-1-Z", P), rec(A, P, "100.01"), rec(B, P), rec(B, P)])
    assert [d.issue for d in out.discrepancies] == [Issue.UNKNOWN_ID, Issue.AMOUNT_MISMATCH, Issue.DUPLICATE]
    assert [u.end_to_end_id for u in out.updates] == [B]
    assert "100.01" in out.discrepancies[1].detail and "100.00" in out.discrepancies[1].detail


def test_a_final_status_never_changes_and_a_reject_after_settlement_is_illegal():
    done = {A: Expected(Decimal("100.00"), R), C: Expected(Decimal("300.00"), P)}
    out = reconcile(done, [rec(A, P), rec(A, R), rec(C, R, "300.00")])
    assert [d.issue for d in out.discrepancies] == [Issue.ALREADY_FINAL, Issue.ALREADY_FINAL, Issue.ILLEGAL]
    assert out.updates == []


def test_acknowledgements_and_confirmations_change_nothing():
    out = reconcile(EXPECTED, [rec(A, PEND), rec(C, P, "300.00")])
    assert out.updates == [] and out.clean and out.acknowledged == 1 and out.confirmed == 1


def test_string_statuses_from_storage_are_understood():
    out = reconcile({A: Expected(Decimal("100.00"), "paid")}, [rec(A, P), rec(A, X)])
    assert out.confirmed == 1 and [u.after for u in out.updates] == [X]
