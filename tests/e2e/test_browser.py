"""The four journeys in a real browser (Debian's chromium through Playwright) against uvicorn on loopback."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from tests.builders import uscc
from tests.conftest import CITY
from tests.web.conftest import FIRST, PASSWORD, SECOND, STAFF, build_world, code_of
from wengang import bootstrap
from wengang.config import Settings
from wengang.web.app import create_app
from wengang.web.settings import WebSettings

pytestmark = pytest.mark.slow
CHROMIUM = os.environ.get("WENGANG_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
THIRD = uscc(CITY["changes_amount"])       # activated in the browser by its own journey


def free_port() -> int:
    """A free loopback port for the server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The app in uvicorn on a thread, on a free loopback port: its base URL while the block runs."""
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(settings, WebSettings(cookie_secure=False)), host="127.0.0.1",
                                       port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def server(case_city, tmp_path_factory):
    """uvicorn in a thread on a free loopback port, serving the web world on its own SQLite file."""
    path = tmp_path_factory.mktemp("browser") / "world.sqlite"
    settings = Settings(data_dir=case_city["data_dir"], database_url=f"sqlite:///{path}")
    facts = build_world(bootstrap.store(settings), settings, case_city)
    with serving(settings) as url:
        yield {"url": url, "store": bootstrap.store(settings), "facts": facts, "settings": settings}
    bootstrap.close_stores()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright (it cannot download its own here)."""
    if not Path(CHROMIUM).exists():
        message = f"no chromium at {CHROMIUM}: `make test` installs it (apt-get install chromium)"
        if os.environ.get("WENGANG_REQUIRE_BROWSER") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        found = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield found
        found.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Screenshots go to WENGANG_SCREENSHOTS (docs/screenshots to refresh the README), else a temporary folder."""
    folder = Path(os.environ.get("WENGANG_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def page_of(browser, server, viewport=DESKTOP):
    """A fresh browser context (its own cookies) with a viewport and Chinese locale."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=server["url"])
    context.set_default_timeout(10_000)
    return context.new_page()


def staff_page(browser, server, who: str):
    """A page signed in as a member of staff (a role of tests/web/conftest.py's STAFF)."""
    return signed_in(page_of(browser, server), STAFF[who])


def signed_in(page, username: str, password: str = PASSWORD):
    """The page after `username` signed in on the staff login form, on the desk."""
    page.goto("/staff/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#staff-login button")
    page.wait_for_url("**/staff")
    return page


def employer_signed_in(page, uscc_: str, password: str = PASSWORD):
    """The page after the unit signed in on the portal login form, on its progress page."""
    page.goto("/portal/login")
    page.fill("input[name=uscc]", uscc_)
    page.fill("input[name=password]", password)
    page.click("#portal-login button")
    page.wait_for_url("**/portal")
    return page


def test_employer_is_activated_signs_in_on_a_phone_follows_its_case_and_reads_why(browser, server, shots):
    admin = staff_page(browser, server, "admin")
    admin.goto("/staff/users")
    admin.fill("#activation-form input[name=uscc]", THIRD)
    admin.fill("#activation-form input[name=phone]", "13922223333")
    admin.click("#activation-form button")
    assert "139****3333" in admin.inner_text("#message")
    assert code_of(server["store"], server["settings"], THIRD) not in admin.content()           # staff never see the code
    page = page_of(browser, server, PHONE)
    page.goto("/")
    page.screenshot(path=shots / "home-phone.png", full_page=True)
    page.click("#tile-lookup")
    page.click("#lookup-portal")
    page.click("#activate-link")
    page.fill("input[name=uscc]", THIRD)
    page.fill("input[name=code]", "WRONGCODE1")
    page.fill("input[name=password]", "Better-pass-2021")
    page.fill("input[name=password2]", "Better-pass-2021")
    page.click("#activate-form button")
    assert "wrong, used or expired" in page.inner_text("#activate-error")
    page.fill("input[name=code]", code_of(server["store"], server["settings"], THIRD))
    page.fill("input[name=password]", "Better-pass-2021")
    page.fill("input[name=password2]", "Better-pass-2021")
    page.click("#activate-form button")
    page.click("text=登录")
    page.fill("input[name=uscc]", THIRD)
    page.fill("input[name=password]", "Better-pass-2021")
    page.click("#portal-login button")
    page.wait_for_url("**/portal")
    cards = page.locator("section.case")
    assert cards.count() == 2
    paid = page.locator(f"#case-{server['facts']['paid_cycle']}")
    assert "1,440.00" in paid.inner_text()
    assert paid.locator("li.done").count() == 3                    # identified, publicity, re-verified
    assert re.search(r"公示\s+\d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}", paid.inner_text())
    page.screenshot(path=shots / "portal-progress-phone.png", full_page=True)
    paid.locator("a.button", has_text="为什么").click()
    assert "符合条件" in page.inner_text("#verdict") and "60%" in page.inner_text("#detail")
    assert page.locator("#criteria li").count() >= 5
    assert "公示后复核" in page.text_content("#history")
    page.screenshot(path=shots / "portal-why-phone.png", full_page=True)
    page.click("#lang-en")
    assert page.inner_text("h1") == "Why this decision"


def test_a_member_of_the_public_objects_to_an_entry_and_a_reviewer_decides(browser, server, shots):
    from playwright.sync_api import expect

    number = server["facts"]["open_list"]
    page = page_of(browser, server)
    page.goto("/publicity")
    page.click(f'a[href="/publicity/{number}"]')
    page.fill("#search", "changes")                                  # htmx swaps the rows as one types
    expect(page.locator("#list-table tbody tr")).to_have_count(1)    # the CSP forbids eval: no wait_for_function
    assert THIRD in page.inner_text("#list-table")
    page.screenshot(path=shots / "publicity-list.png", full_page=True)
    page.click("#list-table .object-link")
    page.fill("textarea[name=text]", "该单位已于2021年停止经营 / stopped trading in 2021")
    page.fill("input[name=contact]", "13755556666")
    page.screenshot(path=shots / "objection-form.png", full_page=True)
    page.click("#objection-form button")
    assert "137****6666" in page.inner_text("#message") and page.inner_text("#reference")
    reviewer = staff_page(browser, server, "reviewer")
    reviewer.goto(f"/staff/objections?cycle={server['facts']['open_cycle']}")
    row = reviewer.locator("#objection-queue tbody tr", has_text=THIRD)
    assert "137****6666" in row.inner_text() and "13755556666" not in reviewer.content()
    row.locator("input[name=reason]").fill("核实仍在经营 / still trading")
    row.locator("button[value=dismiss]").click()
    said = reviewer.inner_text("#message")
    assert "异议不成立" in said and "公示中" in said and "publicity" not in said     # in words, not the state's code


def test_a_clerk_prepares_a_batch_and_a_different_approver_approves_it(browser, server, shots):
    cycle = server["facts"]["paid_cycle"]
    clerk = staff_page(browser, server, "clerk")
    clerk.screenshot(path=shots / "staff-desk.png", full_page=True)
    clerk.goto(f"/staff/batches?cycle={cycle}")
    clerk.click("#prepare")
    assert "prepared 1 batches" in clerk.inner_text("#message")
    clerk.goto(f"/staff/batches?cycle={cycle}")
    number = clerk.locator("#batches tbody tr a").first.inner_text()
    clerk.goto(f"/staff/batches/{number}")
    assert clerk.locator("#approve").count() == 0                     # the preparer gets no approve button
    assert "clerk-wang" in clerk.inner_text("#prepared-by")
    approver = staff_page(browser, server, "approver")
    approver.goto(f"/staff/batches/{number}")
    approver.click("#approve")
    assert "approved" in approver.inner_text("#message")
    approver.goto(f"/staff/batches/{number}")
    assert approver.inner_text("#batch-status") == "已审批, 待出文件"
    assert "approver-zhao" in approver.inner_text("#approved-by")
    approver.screenshot(path=shots / "staff-batch.png", full_page=True)
    approver.goto(f"/staff/dashboard?cycle={cycle}")
    assert approver.locator("svg.chart").count() == 3
    approver.screenshot(path=shots / "staff-dashboard.png", full_page=True)
    approver.goto("/docs")
    approver.wait_for_selector(".swagger-ui .opblock")
    approver.screenshot(path=shots / "api-docs.png")


def test_an_employer_asks_for_a_callback_and_staff_answer_it(browser, server, shots):
    page = employer_signed_in(page_of(browser, server, PHONE), SECOND)
    page.goto("/portal/callbacks")
    page.fill("input[name=phone]", "13812345678")
    page.fill("textarea[name=question]", "什么时候到账? / when will the money arrive?")
    page.click("#portal-callback-form button")
    assert "138****5678" in page.inner_text("#message")
    clerk = staff_page(browser, server, "clerk")
    clerk.goto("/staff/callbacks")
    row = clerk.locator("#callback-queue tbody tr", has_text="什么时候到账")
    assert "138****5678" in row.inner_text() and "13812345678" not in clerk.content()   # masked in the queue
    clerk.screenshot(path=shots / "staff-callbacks.png", full_page=True)
    row.locator("button.reveal").click()                              # the whole number, to dial it (audited)
    assert "13812345678" in clerk.inner_text("#message")
    clerk.goto("/staff/callbacks")
    row = clerk.locator("#callback-queue tbody tr", has_text="什么时候到账")
    row.locator("textarea[name=answer]").fill("已回电: 预计本周五到账 / called back: due this Friday")
    row.locator("button.answer").click()
    assert "answered after" in clerk.inner_text("#message")
    page.goto("/portal/callbacks")
    assert "预计本周五到账" in page.inner_text("#my-callbacks") and "已答复" in page.inner_text("#my-callbacks")
    with server["store"].reading() as uow:
        sms = [n for n in uow.notifications.of_kind("callback_answered")]
    assert sms and sms[-1].recipient == "13812345678" and sms[-1].channel == "sms"   # the answer went out
    assert FIRST not in page.content()
