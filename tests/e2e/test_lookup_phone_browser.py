"""A visitor on a 390×844 phone looks up a unit's progress without an account (issue 15.4): the credit code, the
code texted to the unit's registered mobiles (read here from the opened outbox, as the phone would receive it), a
wrong code refused in words, the right one opening the unit's case cards read-only. Screenshots of each step."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_browser import PHONE, browser, page_of, server, shots  # noqa: F401 - shared fixtures
from tests.e2e.test_public_phone_browser import fits
from tests.web.conftest import FIRST
from wengang import bootstrap
from wengang.services import notify

pytestmark = pytest.mark.slow


def texted_code(live: dict) -> str:
    outbox = bootstrap.outbox(live["settings"])
    notify.deliver(store=live["store"], channel=outbox, kind="lookup_code")
    texts = [m["text"] for m in outbox.opened() if m["kind"] == "lookup_code" and m["uscc"] == FIRST]
    return re.search(r"查询验证码 (\d{6})", texts[-1]).group(1)


def test_a_visitor_on_a_phone_looks_up_progress_with_a_texted_code(browser, server, shots):  # noqa: F811
    page = page_of(browser, server, PHONE)
    page.goto("/")
    page.click("#tile-lookup")
    assert page.url.endswith("/lookup")
    page.fill("input[name=uscc]", FIRST[:17] + ("X" if FIRST[-1] != "X" else "Y"))
    page.click("#lookup-form button")
    assert "校验码错误" in page.inner_text("#lookup-error")
    page.screenshot(path=shots / "lookup-bad-uscc-phone.png", full_page=True)
    page.fill("input[name=uscc]", FIRST.lower())
    page.click("#lookup-form button")
    sent = page.inner_text("#lookup-sent")
    assert "138****5678" in sent and "159****1111" in sent and "13812345678" not in page.content()
    page.screenshot(path=shots / "lookup-code-sent-phone.png", full_page=True)
    code = texted_code(server)
    page.fill("input[name=code]", f"{(int(code) + 1) % 10**6:06d}")
    page.click("#code-form button")
    assert "验证码不正确或已过期" in page.inner_text("#code-error")
    page.screenshot(path=shots / "lookup-wrong-code-phone.png", full_page=True)
    page.fill("input[name=code]", code)
    page.click("#code-form button")
    assert page.url.endswith("/lookup/progress")
    cards = page.locator("section.card.case")
    assert cards.count() >= 1 and FIRST in page.inner_text("#lookup-unit")
    fits(page, "section.card.case")
    text = page.inner_text("main")
    assert not re.search(r"[a-z]+_[a-z_]+|UTC", text), re.search(r"[a-z]+_[a-z_]+|UTC", text)
    assert page.locator("main a[href^='/portal/cycles/']").count() == 0          # read only: no forms, no changes
    page.screenshot(path=shots / "lookup-progress-phone.png", full_page=True)
    page.click("#lookup-done button")
    page.goto("/lookup/progress")
    assert page.url.endswith("/lookup")                                          # the view is closed
