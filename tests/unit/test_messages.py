"""One template per event (issue 16): each renders in Chinese and English from its values, says dates and amounts
as people write them and a bank's reason in words, and refuses to render with a value missing (never a blank)."""

from __future__ import annotations

import re

import jinja2
import pytest

from wengang.messages import EVENTS, TASKS, render

VALUES = {"pack": "beijing-2021", "amount": "1234.5", "day": "2021-07-12", "tail": "5458", "reason": "AC04",
          "deadline": "2021-08-11", "link": "https://example.gov.cn/portal", "year": "2021", "seq": "1",
          "starts": "2021-07-01", "ends": "2021-07-07", "task": "correct_account", "days": "3",
          "number": "7", "asker": "单位91110105000000001Y", "question": "何时到账", "due": "2024-02-04T09:00:00",
          "office": "朝阳区专班", "code": "K7Q2M9X4PA", "hours": "72", "minutes": "10", "account": "某某有限公司",
          "account_en": "91110105000000001Y", "page": "/portal/activate", "answer": "已于今日到账", "why": "承诺未履行",
          "by_zh": "区商务委员会", "by_en": "District Commission of Commerce"}


@pytest.mark.parametrize("event", EVENTS)
def test_every_event_renders_in_both_languages_without_a_code_or_iso_date(event):
    said = render(event, VALUES)
    assert re.search(r"[\u4e00-\u9fff]", said.zh) and re.search(r"[A-Za-z]{3}", said.en) and " / " in said.subject
    assert not re.search(r"\b(AC04|beijing-2021|correct_account|None)\b|\d{4}-\d{2}-\d{2}", said.text)
    assert said.text == f"{said.zh} / {said.en}"


def test_amounts_dates_accounts_and_bank_reasons_read_as_people_write_them():
    paid = render("paid", VALUES)
    assert "1,234.50元已于2021年7月12日转入尾号5458的账户" in paid.zh and "paid on 12 July 2021" in paid.en
    assert "北京市失业保险费稳岗返还(2021年, 免申即享)" in paid.zh
    failed = render("payment_failed", VALUES)
    assert "(账户已销户)" in failed.zh and "请于2021年8月11日前" in failed.zh and "(the account is closed)" in failed.en
    assert "未收录" in render("payment_failed", {**VALUES, "reason": "ZZ99"}).zh        # an unknown code: never bare
    assert "您单位的北京市失业保险费稳岗返还(2021年, 免申即享)1,234.50元未能转入" in failed.zh      # names its programme
    assert "北京市失业保险费稳岗返还(2021年, 免申即享)1,234.50元因逾期" in render("recovered", VALUES).zh
    older = {k: v for k, v in VALUES.items() if k != "pack"}      # a message stored before it carried its pack
    assert "您单位的稳岗返还1,234.50元未能转入" in render("payment_failed", older).zh
    listed = render("listed", VALUES)
    assert "(2021年第1批)" in listed.zh and "公示期2021年7月1日至2021年7月7日" in listed.zh
    assert set(TASKS) == {"apply", "correct_account"}
    assert "登录更正收款账户, 还剩3天" in render("deadline_reminder", VALUES).zh
    declined = render("not_granted", VALUES)
    assert "经区商务委员会审核, 您单位本次不能享受北京市失业保险费稳岗返还(2021年, 免申即享), 理由: 承诺未履行" in declined.zh
    assert "After review by the District Commission of Commerce, your unit will not receive" in declined.en
    by_staff = render("not_granted", {**VALUES, "by_zh": "", "by_en": ""})              # a reviewer of the bureau
    assert by_staff.zh.startswith("经审核, 您单位") and by_staff.en.startswith("After review, your unit")


def test_a_missing_value_or_an_unknown_event_is_an_error_not_a_blank():
    with pytest.raises(jinja2.UndefinedError):
        render("paid", {k: v for k, v in VALUES.items() if k != "tail"})
    with pytest.raises(KeyError):
        render("no_such_event", VALUES)
    assert "请于" not in render("application_needed", {**VALUES, "deadline": None}).zh    # no deadline: none said


@pytest.mark.parametrize("event", EVENTS)
def test_the_operators_template_filled_with_the_worded_values_reads_as_the_inbox(event):
    """An SMS template registered with the operator is the Chinese text with ${name} holes; filled with the values in
    words it says exactly what the inbox says."""
    from wengang.messages import operator_template, worded

    template, said = operator_template(event), render(event, VALUES)
    assert "{{" not in template and "{%" not in template
    filled = template
    for name, value in worded(VALUES).items():
        filled = filled.replace(f"${{{name}}}", value)
    assert filled == said.zh and "$" not in filled


def test_an_officers_callback_message_says_its_due_time_in_beijing_time():
    duty = render("callback_duty", VALUES)
    assert "请于2024年2月4日 17:00前回电答复" in duty.zh and "answer by 17:00, 4 February 2024" in duty.en
    assert "已转市级办公室" in render("callback_overdue", VALUES).zh


@pytest.mark.parametrize("event", EVENTS)
def test_the_subject_alone_is_the_subject_of_the_whole_message_whatever_the_values(event):
    """Delivery asks for the subject of every copy: worked out from the few values it reads, it is the same line."""
    from wengang.messages import subject

    for values in (VALUES, {**VALUES, "pack": "cn-2022", "number": "8"}):
        assert subject(event, values) == render(event, values).subject
    assert subject("callback_duty", {**VALUES, "number": "9"}).startswith("呼我必回 #9 ")
    if event == "callback_duty":
        with pytest.raises(jinja2.UndefinedError):
            subject(event, {k: v for k, v in VALUES.items() if k != "number"})
