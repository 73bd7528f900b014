"""Accessibility (issue 15): axe-core, the rules engine of the accessibility audits (installed from npm by `make
browser`), finds no serious or critical violation on the public pages, the employer's pages on a phone, and the
staff pages on a desktop."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.test_browser import (  # noqa: F401 (fixtures)
    DESKTOP,
    PHONE,
    STAFF,
    browser,
    employer_signed_in,
    server,
    signed_in,
)
from tests.web.conftest import FIRST

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BAD = ("serious", "critical")


def axe_script() -> str:
    if not AXE.is_file():
        message = f"no axe-core at {AXE}: `make browser` installs it (npm ci)"
        if os.environ.get("WENGANG_REQUIRE_BROWSER") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def page_of(browser, server, viewport=DESKTOP):  # noqa: F811
    """A fresh context like the other browser tests', which lets the audit's own script in past the pages' CSP."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=server["url"], bypass_csp=True)
    context.set_default_timeout(10_000)
    return context.new_page()


def violations(page, path: str) -> list[str]:
    """The serious and critical violations axe finds on the page at `path`, each as rule: where."""
    page.goto(path)
    page.add_script_tag(content=axe_script())
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{path} {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
            for v in found if v["impact"] in BAD]


def test_public_pages_have_no_serious_accessibility_violation(browser, server):  # noqa: F811
    page = page_of(browser, server, PHONE)
    number = server["facts"]["open_list"]
    paths = ["/", "/guide", "/faq", "/howto", "/statistics", "/publicity", f"/publicity/{number}", "/publicity/objection",
             "/callback", "/portal/login", "/staff/login"]
    first = page_of(browser, server, PHONE)
    first.goto(f"/publicity/{number}")
    objection = first.locator("a[href*='/object']").first.get_attribute("href")
    found = [v for path in [*paths, objection] for v in violations(page, path)]
    assert found == [], "\n".join(found)


def test_the_keyboard_reaches_a_skip_link_first_and_it_leads_to_the_content(browser, server):  # noqa: F811
    page = page_of(browser, server, PHONE)
    page.goto("/publicity")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert page.evaluate("document.activeElement.className") == "skip" and skip.is_visible()
    assert "跳到正文" in skip.inner_text()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_employer_pages_on_a_phone_have_no_serious_accessibility_violation(browser, server):  # noqa: F811
    page = employer_signed_in(page_of(browser, server, PHONE), FIRST)
    cycle = server["facts"]["paid_cycle"]
    paths = ["/portal", f"/portal/cycles/{cycle}", f"/portal/cycles/{cycle}/apply", f"/portal/cycles/{cycle}/account",
             "/portal/messages", "/portal/callbacks"]
    found = [v for path in paths for v in violations(page, path)]
    assert found == [], "\n".join(found)


def test_staff_pages_have_no_serious_accessibility_violation(browser, server):  # noqa: F811
    page = signed_in(page_of(browser, server), STAFF["clerk"])
    cycle = server["facts"]["paid_cycle"]
    paths = ["/staff", f"/staff/queue?cycle={cycle}", f"/staff/review?cycle={cycle}", "/staff/cycles",
             f"/staff/cycles/{cycle}", "/staff/objections", "/staff/batches", "/staff/jobs", "/staff/exceptions"]
    found = [v for path in paths for v in violations(page, path)]
    assert found == [], "\n".join(found)
