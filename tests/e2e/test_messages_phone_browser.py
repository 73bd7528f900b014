"""Issue 16 on a phone: a unit that was identified, listed and paid opens 消息 and reads each step's notice as a card
(subject, Beijing time, the text in words: amount, dates, the account's last digits), in Chinese and in English,
nothing wider than the screen."""

from __future__ import annotations

from tests.e2e.test_browser import PHONE, browser, employer_signed_in, page_of, server, shots  # noqa: F401 (fixtures)
from tests.e2e.test_why_phone_browser import width
from tests.web.conftest import FIRST
from wengang.services import tell


def test_a_unit_reads_each_steps_notice_on_its_phone(browser, server, shots):  # noqa: F811
    tell.tell(store=server["store"], settings=server["settings"])
    page = employer_signed_in(page_of(browser, server, PHONE), FIRST)
    page.goto("/portal/messages")
    subjects = page.locator(".message-subject").all_inner_texts()
    assert "您单位符合北京市失业保险费稳岗返还(2021年, 免申即享)条件" in subjects
    assert "您单位已列入公示名单" in subjects
    listed = page.locator(".message", has_text="您单位已列入公示名单").first.inner_text()
    assert "金额1,440.00元" in listed and "公示期" in listed and "北京时间" in listed and "Your unit" not in listed
    assert width(page) <= PHONE["width"]
    page.screenshot(path=shots / "portal-messages-phone.png", full_page=True)
    page.goto("/portal/messages?lang=en")
    english = page.locator(".message-subject").all_inner_texts()
    assert "Your unit qualifies" in english and "Your unit is on the public list" in english
    assert "您单位" not in page.inner_text("main")
