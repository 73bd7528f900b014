"""Check digits of POLICIES.md §5, with the spec's own valid examples and near misses."""

import pytest

from wengang.domain.identifiers import (
    id_problem,
    mask_account,
    mask_id,
    mask_phone,
    person_id_problem,
    uscc_check_char,
    uscc_problem,
)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91512081MA62K0260E"])
def test_spec_credit_codes_are_valid(code):
    assert uscc_problem(code) is None


def test_credit_code_with_wrong_check_digit_names_the_right_one():
    assert "'3'" in uscc_problem("91350100M000100Y44")


@pytest.mark.parametrize("code,why", [("91350100M000100Y4", "18"), ("91350100M000100I43", "'I'")])
def test_credit_code_shape(code, why):
    assert why in uscc_problem(code)


def test_every_check_value_round_trips():
    for n in range(200):
        body = f"9111010500000{n:04d}"
        assert uscc_problem(body + uscc_check_char(body)) is None


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_spec_id_numbers_are_valid(number):
    assert id_problem(number) is None


def test_id_with_wrong_check_character():
    assert "'X'" in id_problem("110105194912310021")


@pytest.mark.parametrize("value", ["P000123", "12", "7", "110105491231002", "A-1_b", "9" * 64, "11010519491231002X",
                                   "1101051949123100", "1101051949123100211"])   # 16 and 19 digits: not ID-shaped
def test_person_id_takes_any_short_id_as_it_is_and_checks_only_a_second_generation_shape(value):
    assert person_id_problem(value) is None


@pytest.mark.parametrize(("value", "why"), [
    ("110105194912310021", "should be 'X', not '1'"),
    ("11010519491231002x", "should be 'X', not 'x'"),       # shaped like an ID: the check character is upper-case
    ("", "1 to 64 letters"), ("9" * 65, "1 to 64 letters"), ("P 1", "1 to 64 letters"), ("张三", "1 to 64 letters"),
])
def test_person_id_refuses_a_failing_check_character_and_what_is_not_an_id(value, why):
    assert why in person_id_problem(value)


def test_masks_hide_personal_data():
    assert mask_id("11010519491231002X") == "110***********002X"
    assert mask_account("6222000011112222") == "************2222"
    assert mask_phone("13812345678") == "138****5678"
