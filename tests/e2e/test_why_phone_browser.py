"""Issue 15, part 2 on a phone: a rejected unit opens "为什么", reads three lines (not qualified, the main reason in
words, the next step), unfolds the criteria, and nothing is wider than a 360 px screen; then it disputes the result
("有异议?": not on a list and not one that may apply, so a callback whose question starts from the case in words) and
staff see the request in their queue."""

from __future__ import annotations

from tests.builders import uscc
from tests.conftest import CITY
from tests.e2e.test_browser import PHONE, browser, employer_signed_in, page_of, server, shots, staff_page  # noqa: F401 (fixtures)
from tests.web.conftest import activate

REJECTED = uscc(CITY["ineligible"])            # excluded: a court lists it as a dishonest judgement debtor
NARROW = {"width": 360, "height": 800}


def width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_rejected_unit_reads_why_in_three_lines_and_unfolds_the_details_on_a_phone(browser, server, shots):  # noqa: F811
    activate(server["store"], server["settings"], REJECTED)
    page = employer_signed_in(page_of(browser, server, PHONE), REJECTED)
    cycle = server["facts"]["paid_cycle"]
    card = page.locator(f"#case-{cycle}")
    assert "不予返还" in card.inner_text() and "失信被执行人" in card.inner_text()
    page.screenshot(path=shots / "portal-rejected-phone.png", full_page=True)
    page.click(f"#why-{cycle}")
    page.wait_for_url(f"**/portal/cycles/{cycle}")
    assert "不符合返还条件" in page.inner_text("#verdict")
    assert "原因: 失信被执行人" in page.inner_text("#detail")
    assert "认定部门" in page.inner_text("#next-step")
    assert not page.is_visible("#criteria")                        # folded until asked
    page.screenshot(path=shots / "portal-why-rejected-phone.png", full_page=True)
    page.click("#details summary")
    assert page.is_visible("#criteria") and page.locator("#criteria li").count() == 7
    flags = page.inner_text("#criteria li[data-criterion=flags_exclude]")
    assert "失信被执行人" in flags and "不符合" in flags
    months = page.inner_text("#criteria li[data-criterion=paid_months]")
    assert "缴费月数" in months and "至少12个月" in months and "人社部发〔2019〕23号" in months
    assert width(page) <= PHONE["width"]
    page.screenshot(path=shots / "portal-why-details-phone.png", full_page=True)
    page.set_viewport_size(NARROW)
    assert width(page) <= NARROW["width"], width(page)
    page.screenshot(path=shots / "portal-why-details-360.png", full_page=True)
    page.goto("/portal")
    assert width(page) <= NARROW["width"], width(page)
    page.goto(f"/portal/cycles/{cycle}")
    assert "有异议" in page.inner_text("#dispute")
    page.click("#dispute")                                         # not on a list and may not apply: a call back
    page.wait_for_url(f"**/portal/callbacks?cycle={cycle}")
    question = page.input_value("textarea[name=question]")         # starts from the case, in words
    assert "不予返还" in question and "失信被执行人" in question and "有异议" in question, question
    assert "flag:" not in question and "dishonest_debtor" not in question
    page.fill("input[name=phone]", "13912345678")
    page.click("#portal-callback-form button")
    assert "139****5678" in page.inner_text("#message")
    page.goto("/portal/callbacks")
    assert "失信被执行人" in page.inner_text("#my-callbacks") and "待回电" in page.inner_text("#my-callbacks")
    assert width(page) <= NARROW["width"], width(page)
    page.screenshot(path=shots / "portal-dispute-callback-phone.png", full_page=True)
    clerk = staff_page(browser, server, "clerk")                   # staff see which case it is about, in words
    clerk.goto("/staff/callbacks")
    row = clerk.locator("#callback-queue tbody tr", has_text="失信被执行人")
    assert "139****5678" in row.inner_text() and "有异议" in row.inner_text()
