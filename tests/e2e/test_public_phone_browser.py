"""A visitor on a 390×844 phone (issue 15): the home page shows who runs the service and the 12333 hotline; the list
reads as one card per unit, found by name; an objection with a wrong phone is refused in words, a right one gives a
reference whose page follows the decision. Screenshots of each step."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser import PHONE, browser, page_of, server, shots, staff_page  # noqa: F401 - shared fixtures
from wengang.services.public import list_page

pytestmark = pytest.mark.slow


def fits(page, selector: str, width: int = PHONE["width"]) -> None:
    """Every element of `selector` lies inside the phone's width (nothing cut at the right edge)."""
    for box in (page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())):
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (selector, box)


def test_a_visitor_on_a_phone_reads_the_list_as_cards_objects_and_follows_the_reference(
        browser, server, shots):  # noqa: F811
    number = server["facts"]["open_list"]
    found = list_page(number, store=server["store"])
    unit = found.rows[0]
    page = page_of(browser, server, PHONE)
    page.goto("/")
    assert page.inner_text("#hotline") == "12333" and "人力资源和社会保障局" in page.inner_text("#issuer")
    page.screenshot(path=shots / "public-home-phone.png", full_page=True)
    for path, name in (("/guide/beijing-2021", "public-guide-phone.png"), ("/howto", "public-howto-phone.png")):
        page.goto(path)
        fits(page, "main section")
        text = page.inner_text("main")
        assert not re.search(r"[a-z]+_[a-z_]+|POLICIES|§|UTC", text), re.search(r"[a-z]+_[a-z_]+|POLICIES|§|UTC", text)
        page.screenshot(path=shots / name, full_page=True)
    page.goto("/")

    page.click("#tile-publicity")
    card = page.locator(f'a[href="/publicity/{number}"]').first
    assert re.fullmatch(r"\d{4}年第\d批", card.inner_text().strip())            # a plain label, not the number
    page.screenshot(path=shots / "public-lists-phone.png", full_page=True)
    card.click()
    entries = page.locator("#list-table tr.entry")
    expect(entries).to_have_count(found.total)
    fits(page, "#list-table tr.entry")
    fits(page, "#list-table td.entry-amount")
    name_box = entries.first.locator("td.entry-name").bounding_box()
    assert name_box["width"] > 250 and name_box["height"] < 60                  # the name on a line, not a column
    assert unit.name in entries.first.inner_text()
    page.screenshot(path=shots / "public-list-phone.png", full_page=True)

    page.fill("#search", unit.name[1:5])                                         # htmx swaps the cards as one types
    expect(page.locator("#list-total")).to_contain_text("找到")
    assert unit.name in page.inner_text("#list-table")
    page.screenshot(path=shots / "public-search-phone.png", full_page=True)

    page.locator("#list-table tr.entry", has_text=unit.name).locator(".object-link").click()
    page.fill("textarea[name=text]", "该单位已停止经营")
    page.fill("input[name=contact]", "12345")
    page.click("#objection-form button")
    assert "11位手机号" in page.inner_text("#form-error")
    assert page.input_value("textarea[name=text]") == "该单位已停止经营"          # what was typed is kept
    page.screenshot(path=shots / "public-objection-bad-phone.png", full_page=True)
    page.fill("input[name=contact]", "13755556666")
    page.click("#objection-form button")
    reference = page.inner_text("#reference").strip()
    assert re.fullmatch(r"\d+-[A-Z2-7]{16}", reference) and "137****6666" in page.inner_text("#message")
    page.screenshot(path=shots / "public-objection-reference-phone.png", full_page=True)
    page.click("#follow-link")
    assert "正在核查" in page.inner_text("#objection-status")
    assert "13755556666" not in page.content()
    page.screenshot(path=shots / "public-objection-follow-phone.png", full_page=True)

    reviewer = staff_page(browser, server, "reviewer")
    reviewer.goto(f"/staff/objections?cycle={server['facts']['open_cycle']}")
    row = reviewer.locator("#objection-queue tbody tr", has_text=unit.uscc)
    row.locator("input[name=reason]").fill("经核实该单位仍在正常经营")
    row.locator("button[value=dismiss]").click()
    page.reload()
    status = page.inner_text("#objection-status")
    assert "异议不成立" in status and "经核实该单位仍在正常经营" in status and "UTC" not in status
    fits(page, "#objection-status")
    page.screenshot(path=shots / "public-objection-decided-phone.png", full_page=True)
