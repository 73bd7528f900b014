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


def test_person_id_accepts_pseudonyms_but_not_broken_ids():
    assert person_id_problem("P000123") is None
    assert person_id_problem("110105194912310021") is not None
    assert person_id_problem("12") is not None


def test_masks_hide_personal_data():
    assert mask_id("11010519491231002X") == "110***********002X"
    assert mask_account("6222000011112222") == "************2222"
    assert mask_phone("13812345678") == "138****5678"
