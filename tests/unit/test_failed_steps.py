"""The one table that decides a failed payment's step (domain/failed.py): every step has one rule, the rule without
facts comes last, and the order settles cases where several facts hold."""

from __future__ import annotations

from itertools import product

from wengang.domain.failed import FACTS, RULES, STEPS, found_by, step_of


def facts(*true: str) -> dict[str, bool]:
    return {f: f in true for f in FACTS}


def test_every_step_has_one_rule_and_every_combination_of_facts_has_a_step():
    assert sorted(step for step, _ in RULES) == sorted(STEPS)
    assert RULES[-1][1] == () and all(needs for _, needs in RULES[:-1])
    assert {step_of(dict(zip(FACTS, bits, strict=True))) for bits in product((False, True), repeat=6)} == set(STEPS)


def test_a_reissue_on_its_way_outranks_a_corrected_account_which_outranks_the_deadline_and_a_proposal():
    assert step_of(facts("live", "corrected", "overdue", "proposed")) == "reissue-prepared"
    assert step_of(facts("live", "released")) == "reissue-approved"
    assert step_of(facts("live", "released", "sent")) == "reissued"
    assert step_of(facts("released", "sent", "corrected")) == "ready-to-reissue"     # nothing live: not a re-issue
    assert step_of(facts("overdue", "proposed")) == "overdue"
    assert step_of(facts("proposed")) == "account-to-verify"
    assert step_of(facts()) == "awaiting-account"


def test_a_search_is_exact_in_the_name_and_any_case_at_the_start_of_the_credit_code():
    assert found_by("", "甲", "9111")
    assert found_by("Acme", "Acme Co", "9111") and not found_by("acme", "Acme Co", "9111")
    assert found_by("91a", "x", "91A0") and not found_by("1A", "x", "91A0")
