"""What to do next and by when comes from one table: a deadline in Chinese and English, a code without its own
step falls back to its kind's, and a legal reference keeps its document number but never a spec section."""

from __future__ import annotations

import datetime as dt

from wengang.rules.plain import document
from wengang.web.words import BANK_REASONS, RULE_REASONS, next_step, reason_words


def test_a_returned_payment_says_what_to_do_by_when_in_both_languages():
    zh, en = next_step("bank.AC04", dt.date(2027, 1, 3))
    assert zh == "请于2027年1月3日前登录更正收款账户 (原账户已销户)"
    assert en == "give a new bank account by 3 January 2027 (the old one is closed)"
    assert next_step("bank.AC04", None)[0].startswith("请尽快")


def test_every_bank_code_and_flag_has_a_next_step_and_none_shows_its_code():
    for code in BANK_REASONS:
        step = next_step(f"bank.{code}", dt.date(2027, 1, 3))
        assert step is not None and code not in step[0] + step[1]
    for code in RULE_REASONS:
        assert next_step(f"reason.{code}") is not None, code
    assert next_step("bank.ZZ99") == next_step("bank.")
    assert reason_words("flag:new_kind") == RULE_REASONS["flag:other"]
    assert next_step("state.no-such-state") is None


def test_a_reference_keeps_its_document_but_no_spec_section():
    assert document("人社部发〔2019〕23号 (参保缴费满1年)") == "人社部发〔2019〕23号"
    assert document("人社部发〔2019〕23号 (严重违法失信等不予返还); POLICIES.md §1.4") == "人社部发〔2019〕23号"
    assert document("POLICIES.md §1.3 (国家未规定公式)") == ""
