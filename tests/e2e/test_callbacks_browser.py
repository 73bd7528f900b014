"""呼我必回 in a real browser, on a desktop: the admin puts a clerk on duty at the city office (the phone masked once
saved); someone asks for a callback; the clerk sees it with its office and due time in Beijing time, reveals the
number (the look is in its history) and answers it; the officer's SMS was queued without the caller's number."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from tests.e2e.test_browser import browser, server, staff_page  # noqa: F401 (fixtures)
from tests.web.conftest import STAFF
from wengang.services import callbacks

SHOTS = Path(os.environ.get("WENGANG_CALLBACK_SHOTS", "/tmp/h/shots/i16-callbacks"))


def local(moment: dt.datetime) -> str:
    return (moment + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")


def test_an_officer_on_duty_sees_a_new_callback_with_its_due_time_reveals_the_number_and_answers(
        browser, server):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin = staff_page(browser, server, "admin")
    admin.goto("/staff/duty")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    form = admin.locator("#duty-form")
    form.locator("select[name=office]").select_option("city")
    form.locator("select[name=username]").select_option(STAFF["clerk"])
    form.locator("input[name=phone]").fill("13900004321")
    form.locator("input[name=starts_at]").fill(local(now - dt.timedelta(hours=1)))
    form.locator("input[name=ends_at]").fill(local(now + dt.timedelta(days=2)))
    form.locator("button").click()
    assert "139****4321" in admin.inner_text("#message")
    admin.goto("/staff/duty")
    assert "139****4321" in admin.inner_text("#duties") and "13900004321" not in admin.content()
    admin.screenshot(path=SHOTS / "staff-duty-desktop.png", full_page=True)

    asked = callbacks.request("13812340000", "补贴什么时候到账? / when does the money arrive?",
                              store=server["store"], url=server["url"])
    with server["store"].reading() as uow:
        sms = [n for n in uow.notifications.of_kind("callback_duty") if f"#{asked.id}" in n.text]
        due = uow.callbacks.get(asked.id).due_at
    assert [n.recipient for n in sms] == ["13900004321"] and "13812340000" not in sms[0].text

    clerk = staff_page(browser, server, "clerk")
    clerk.goto("/staff/callbacks")
    row = clerk.locator(f"#callback-{asked.id}")
    shown_due = (due + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert shown_due in row.inner_text() and "市级办公室" in row.inner_text() and "138****0000" in row.inner_text()
    assert "13812340000" not in clerk.content()
    clerk.screenshot(path=SHOTS / "staff-callbacks-desktop.png", full_page=True)
    row.locator("button.reveal").click()
    assert "13812340000" in clerk.inner_text("#message")
    assert STAFF["clerk"] in clerk.inner_text("#callback-history")
    clerk.screenshot(path=SHOTS / "staff-callback-number-desktop.png", full_page=True)
    clerk.goto("/staff/callbacks")
    row = clerk.locator(f"#callback-{asked.id}")
    row.locator("textarea[name=answer]").fill("已回电: 预计本周到账 / called back: due this week")
    row.locator("button.answer").click()
    assert "answered after" in clerk.inner_text("#message")
