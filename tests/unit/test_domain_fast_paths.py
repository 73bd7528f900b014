"""Credit codes, ids, money and instructions: the fast paths give what the plain versions gave, errors too."""

from __future__ import annotations

import re
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit import domain_reference as ref
from tests.unit.domain_reference import outcome, same
from wengang.domain import identifiers, payments
from wengang.domain.payments import MAX_AMOUNT, MAX_CASE_ID

ALPHABET = identifiers.USCC_ALPHABET
ODD = ["I", "O", "S", "V", "Z", "a", "y", "٣", "０", "_", " ", "+", "-", "\n", "\x00", "é", "\ud800", "稳", "!"]
many = settings(max_examples=400, deadline=None)


class Int(int):
    """An int subclass: not the fast path's exact type, so it must take the old road and end the same."""


class Dec(Decimal):
    """A Decimal subclass, for the same reason."""


# ---- credit codes ----

body17 = st.text(ALPHABET, min_size=17, max_size=17)


@st.composite
def credit_codes(draw):
    """Valid codes, their near misses (one character changed, wrong length) and things that are not text."""
    code = (lambda b: b + ref.uscc_check_char(b))(draw(body17))
    kind = draw(st.integers(0, 6))
    if kind == 1:   # any one character changed, to a valid or an odd one
        i = draw(st.integers(0, 17))
        code = code[:i] + draw(st.sampled_from(ALPHABET) | st.sampled_from(ODD)) + code[i + 1:]
    elif kind == 2:
        code = draw(st.text(ALPHABET + "IOZa٣ ", max_size=25))
    elif kind == 3:
        code = code[:draw(st.integers(0, 17))] + draw(st.text(ALPHABET, max_size=3))
    elif kind == 4:
        code = list(code)
    elif kind == 5:
        code = draw(st.text(max_size=20))
    return code


@many
@given(code=credit_codes())
def test_uscc_problem_matches_the_plain_version(code):
    same(identifiers.uscc_problem, ref.uscc_problem, code)


@many
@given(first17=credit_codes().map(lambda c: c[:17] if isinstance(c, str | list) else c)
       | st.integers() | st.none() | st.just(["01"] * 17))
def test_uscc_check_char_matches_the_plain_version(first17):
    same(identifiers.uscc_check_char, ref.uscc_check_char, first17)


def test_odd_characters_anywhere_are_refused_alike():
    code = "91350100M000100Y43"
    for i in range(18):
        for c in ODD:
            same(identifiers.uscc_problem, ref.uscc_problem, code[:i] + c + code[i + 1:])
            same(identifiers.uscc_check_char, ref.uscc_check_char, (code[:i] + c + code[i + 1:])[:17])


def test_the_weights_are_powers_of_three_which_the_fast_sums_rely_on():
    assert tuple(pow(3, i, 31) for i in range(17)) == identifiers.USCC_WEIGHTS
    assert tuple(pow(3, i, 31) for i in range(1, 22)) == payments._WEIGHTS


# ---- end-to-end ids ----

case_ids = (st.integers(1, MAX_CASE_ID) | st.integers(-3, 3) | st.integers(MAX_CASE_ID - 2, MAX_CASE_ID + 2)
            | st.integers(-(10**30), 10**30) | st.booleans() | st.floats(allow_nan=False) | st.just("7")
            | st.builds(Int, st.integers(-2, 10**6)) | st.none())
attempts = (st.integers(1, 999) | st.integers(-2, 1002) | st.booleans() | st.just(1.0) | st.just("1")
            | st.builds(Int, st.integers(-2, 1002)))


@many
@given(case_id=case_ids, attempt=attempts)
def test_end_to_end_id_matches_the_plain_version(case_id, attempt):
    same(payments.end_to_end_id, ref.end_to_end_id, case_id, attempt)


@many
@given(case_id=st.integers(-(10**25), 10**25) | st.builds(Int, st.integers(0, 10**6)),
       attempt=st.integers(-5, 10**5) | st.builds(Int, st.integers(0, 2000)))
def test_check_char_matches_the_plain_version_even_outside_the_range_it_is_used_for(case_id, attempt):
    same(payments._check_char, ref.check_char, case_id, attempt)


@st.composite
def e2e_texts(draw):
    """Our ids, and typos of them: a character changed, added or cut, a newline, a leading zero, other digits."""
    e2e = ref.end_to_end_id(draw(st.integers(1, MAX_CASE_ID)), draw(st.integers(1, 999)))
    kind = draw(st.integers(0, 5))
    if kind == 1:
        i = draw(st.integers(0, len(e2e) - 1))
        e2e = e2e[:i] + draw(st.sampled_from("0123456789-WGXA") | st.sampled_from(ODD)) + e2e[i + 1:]
    elif kind == 2:
        i = draw(st.integers(0, len(e2e)))
        e2e = e2e[:i] + draw(st.sampled_from(["0", "-", "\n", "١", "00"])) + e2e[i:]
    elif kind == 3:
        i = draw(st.integers(0, len(e2e) - 1))
        e2e = e2e[:i] + e2e[i + 1:]
    elif kind == 4:
        e2e = draw(st.text("WG-0123456789AXZ\n١", max_size=30))
    return e2e


@many
@given(value=e2e_texts() | st.integers() | st.binary(max_size=12) | st.none())
def test_parse_end_to_end_id_matches_the_plain_version(value):
    same(payments.parse_end_to_end_id, ref.parse_end_to_end_id, value)


def test_parse_takes_other_unicode_digits_and_a_final_newline_as_it_always_did():
    for value in ["WG-7-1-" + ref.check_char(7, 1) + "\n", "WG-1٣-1-" + ref.check_char(13, 1)]:
        same(payments.parse_end_to_end_id, ref.parse_end_to_end_id, value)


def test_parse_refuses_leading_zeros_empty_parts_and_long_numbers_whatever_the_check_character():
    for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZa":
        for value in [f"WG-07-1-{c}", f"WG-7-01-{c}", f"WG-7-001-{c}", f"WG-0-1-{c}", f"WG-7-0-{c}", f"WG--1-{c}",
                      f"WG-7--{c}", f"WG-7-1-{c}{c}", f"wg-7-1-{c}", f" WG-7-1-{c}", f"WG-7-1000-{c}",
                      f"WG-{'1' * 19}-1-{c}", f"WG-{'9' * 18}-999-{c}", f"WG-7-1-{c}\n", f"WG-7-1-{c}\n\n"]:
            same(payments.parse_end_to_end_id, ref.parse_end_to_end_id, value)


# ---- money ----

cents = st.integers(-(10**19), 10**19).map(lambda n: Decimal(n).scaleb(-2))
amounts = (cents | st.decimals(allow_nan=True, allow_infinity=True) | st.decimals(places=2) | st.decimals(places=3)
           | st.sampled_from([Decimal("0.00"), Decimal("-0.00"), Decimal("0.01"), MAX_AMOUNT, -MAX_AMOUNT,
                              MAX_AMOUNT + Decimal("0.01"), Decimal("1" * 30 + ".00"), Decimal("1E+2"),
                              Decimal("sNaN"), Decimal("-Infinity"), Decimal("1.10"), Decimal("1.1")])
           | cents.map(Dec) | st.integers() | st.booleans() | st.floats()
           | st.sampled_from(["1234.5", "0", "-0.01", " 1.00 ", "1_000.00", "١٢", "1e2", "abc", "NaN", "0.001"])
           | st.none() | st.just([1]))


@many
@given(value=amounts)
def test_money_and_positive_money_match_the_plain_versions(value):
    same(payments.money, ref.money, value)
    same(payments.positive_money, ref.positive_money, value)


@pytest.mark.parametrize("value", ["3.1e99900", "-3.1e99900", "1E+29", "10000000000000000.001"])
def test_an_amount_beyond_the_largest_is_refused_in_words_not_by_an_overflow(value):
    with pytest.raises(ValueError, match="exceeds"):      # quantizing 3.1e99900 to the fen overflowed the context
        payments.money(value)


# ---- payment instructions ----

names = (st.sampled_from(["北京稳岗科技有限公司", "A", "名" * 140, "名" * 141, "  ", "", "\u3000", "\x85", "甲\x07乙",
                          "甲\x7f", "甲\ufffe", "甲\uffff", "甲\u2028乙", " 甲 ", "\t甲", "甲\n"])
         | st.text(max_size=150) | st.none() | st.just(7))
bank_codes = (st.sampled_from(["102100099996", "10210009999", "1021000999961", "10210009999A",
                               "102100099996\n", "١٠٢١٠٠٠٩٩٩٩٦", "10210009999６", " 02100099996"])
              | st.text("0123456789١", min_size=11, max_size=13) | st.none() | st.just(102100099996))
account_nos = (st.sampled_from(["6222020200012345678", "1" * 34, "1" * 35, "12345", "123456", "6222-0202",
                                "6222 0202", "62220202\n", "622202é2", "------", "６２２２０２"])
               | st.text("0123456789abZ- é\n", min_size=4, max_size=36) | st.none() | st.just(6222020200))


@many
@given(value=names | st.text(max_size=6), limit=st.sampled_from([0, 1, 3, 140]))
def test_plain_text_matches_the_plain_version(value, limit):
    same(payments.plain_text, ref.plain_text, "户名 / account name", value, limit)


FIELDS = ("case_id", "attempt", "uscc", "unit_name", "bank_code", "account_no", "account_name", "amount")
good_cents = cents.filter(lambda a: 0 < a <= MAX_AMOUNT)
good_names = st.sampled_from(["北京稳岗科技有限公司", "A", "名" * 140]) | st.text(max_size=140)
GOOD = dict(case_id=st.integers(1, MAX_CASE_ID), attempt=st.integers(1, 999),
            uscc=body17.map(lambda b: b + ref.uscc_check_char(b)), unit_name=good_names,
            bank_code=st.text("0123456789", min_size=12, max_size=12),
            account_no=st.text("0123456789abcXYZ", min_size=6, max_size=34), account_name=good_names,
            amount=good_cents)
ANY = dict(case_id=case_ids, attempt=attempts, uscc=credit_codes() | st.none(), unit_name=names,
           bank_code=bank_codes, account_no=account_nos, account_name=names, amount=amounts)


@st.composite
def instruction_args(draw):
    """Mostly good fields with a few drawn from anywhere, so every check, late ones too, meets bad values."""
    return [draw(ANY[f] if draw(st.integers(0, 4)) == 0 else GOOD[f]) for f in FIELDS]


@settings(max_examples=1000, deadline=None)
@given(args=instruction_args())
def test_payment_instruction_matches_the_plain_version(args):
    assert outcome(payments.PaymentInstruction, *args) == outcome(ref.PaymentInstruction, *args)   # same repr


@given(case_id=st.integers(1, MAX_CASE_ID), attempt=st.integers(1, 999), amount=good_cents,
       code=body17.map(lambda b: b + ref.uscc_check_char(b)))
@many
def test_a_valid_instruction_keeps_every_field_and_its_id(case_id, attempt, amount, code):
    args = (case_id, attempt, code, "单位", "102100099996", "6222020200012345678", "户名", amount)
    new, old = payments.PaymentInstruction(*args), ref.PaymentInstruction(*args)
    fields = (*FIELDS[:-1], "end_to_end_id")
    assert [getattr(new, f) for f in fields] == [getattr(old, f) for f in fields]
    assert repr(new.amount) == repr(old.amount)


def test_the_fast_character_tests_accept_nothing_the_patterns_refuse():
    every = [chr(c) for c in range(sys.maxunicode + 1)]
    digit, control = re.compile(r"\d"), re.compile(r"[\x00-\x1f\x7f\ufffe\uffff]")
    assert {c for c in every if c.isdecimal()} == {c for c in every if digit.fullmatch(c)}
    assert not [c for c in every if c.isprintable() and control.match(c)]
    assert {c for c in every if c.isascii() and c.isalnum()} == set("0123456789" + "abcdefghijklmnopqrstuvwxyz"
                                                                    + "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
