"""Review with data in a real browser: a reviewer opens a review case whose size class is unknown, supplies staff
count and revenue with their evidence, sees the new amount before accepting, accepts, and reads the case identified
with the supplied facts in its explanation. Desktop, Debian's chromium."""

from __future__ import annotations

import pytest

from tests.e2e.test_browser import browser, serving, shots, staff_page  # noqa: F401 - fixtures
from tests.reviewdata import SIZE_UNKNOWN
from tests.web.test_case_page import build
from wengang import bootstrap
from wengang.config import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(review_city, tmp_path_factory):
    path = tmp_path_factory.mktemp("case-browser") / "world.sqlite"
    settings = Settings(data_dir=review_city["data_dir"], database_url=f"sqlite:///{path}")
    store = bootstrap.open_store(settings)
    ids = build(store, review_city)
    with serving(settings) as url:
        yield {"url": url, "ids": ids}
    store.close()
    bootstrap.close_stores()


def test_a_reviewer_supplies_staff_and_revenue_sees_the_amount_first_and_accepts(browser, server, shots):  # noqa: F811
    page = staff_page(browser, server, "reviewer")
    case = server["ids"][SIZE_UNKNOWN]
    page.goto(f"/staff/cases/{case}")
    assert page.get_attribute("#case-state", "data-state") == "review"
    assert "0.00" in page.inner_text("#case-decision")
    page.screenshot(path=shots / "case-review-unknown-size.png", full_page=True)
    page.fill("#supply-form input[name=employees]", "-5")
    page.fill("#supply-form input[name=evidence]", "2020年度财务报表 (税务局提供)")
    page.click("#supply-form button")
    assert "从业人员数 须为不小于 0 的整数" in page.inner_text("#supply-error")
    page.fill("#supply-form input[name=employees]", "300")
    page.fill("#supply-form input[name=revenue]", "99999999.99")
    page.click("#supply-form button")
    assert "1,440.00" in page.inner_text("#preview-amount")
    assert page.get_attribute("#preview-decision", "data-decision") == "eligible"
    assert page.get_attribute("#case-state", "data-state") == "review"                # not yet
    page.screenshot(path=shots / "case-review-preview.png", full_page=True)
    page.click("#supply-confirm button")
    page.wait_for_url(f"**/staff/cases/{case}")
    assert page.get_attribute("#case-state", "data-state") == "identified"
    assert "1,440.00" in page.inner_text("#case-decision")
    supplied = page.inner_text("#criteria tr[data-criterion=supplied]")
    assert "300" in supplied and "99,999,999.99" in supplied and "2020年度财务报表 (税务局提供)" in supplied
    assert "补充数据后重新判定" in page.inner_text("#trail") and "review_with_data" not in page.inner_text("#trail")
    page.screenshot(path=shots / "case-identified-with-data.png", full_page=True)
    page.context.close()
