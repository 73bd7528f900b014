"""A member of the public reads a year's statistics on a 390×844 phone (issue 19.2): totals, districts by name,
small cells withheld with the reason, nothing cut at the right edge, and the year switched."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser import PHONE, browser, page_of, serving, shots  # noqa: F401 - shared fixtures
from tests.e2e.test_public_phone_browser import fits
from tests.integration.test_dashboard_figures import city
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.disclosure import PUBLIC_MIN_UNITS
from wengang.services.public_statistics import statistics

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stats_server(tmp_path_factory):
    """uvicorn on a store with the figures' city: 2021 and 2022 cycles, paid and failed payments."""
    folder = tmp_path_factory.mktemp("statistics-browser")
    settings = Settings(data_dir=folder / "var", database_url=f"sqlite:///{folder / 's.sqlite'}",
                        audit_anchor_dir=folder / "anchors")
    store = bootstrap.store(settings)
    city(store)
    with serving(settings) as url:
        yield {"url": url, "store": store}
    bootstrap.close_stores()


def test_the_public_read_a_years_payments_on_a_phone_with_small_cells_withheld(browser, stats_server, shots):  # noqa: F811
    page = page_of(browser, stats_server, viewport=PHONE)
    page.goto("/")
    page.click("#tile-statistics")
    expected = statistics(store=stats_server["store"])                        # the newest year: 2022
    assert expected.year == 2022 and expected.total.units == PUBLIC_MIN_UNITS.units    # 10 paid in 3 districts
    expect(page.locator("#total-units")).to_have_text(f"{expected.total.units:,}")    # the total: at the threshold
    assert expected.by_district and all(r.withheld for r in expected.by_district)
    expect(page.locator("#by-district tbody td.num")).to_have_count(len(expected.by_district))   # one cell a row
    for row in page.locator("#by-district tbody tr").all():
        expect(row.locator("td").nth(1)).to_have_text("不公布*")
    page.screenshot(path=shots / "public-statistics-small-year-phone.png", full_page=True)
    page.select_option("#year", "2021")
    page.click("#year-form button")
    s = statistics(store=stats_server["store"], year=2021)
    expect(page.locator("#total-units")).to_have_text(f"{s.total.units:,}")
    expect(page.locator("#total-amount")).to_have_text(f"{s.total.amount:,.2f}")
    expect(page.locator("#by-district")).to_contain_text("北京市朝阳区")
    expect(page.locator("#by-district")).to_contain_text("广东省深圳市南山区")
    shown = page.locator("#by-district tbody tr")
    expect(shown).to_have_count(len(s.by_district))
    for i, r in enumerate(s.by_district):
        expect(shown.nth(i).locator("td").nth(1)).to_have_text("不公布*" if r.withheld else f"{r.units:,}")
    assert all(r.units >= PUBLIC_MIN_UNITS.units for r in s.by_district if not r.withheld)
    expect(page.locator("#withheld-note")).to_contain_text("统计法")
    fits(page, "main table, #totals .card")
    page.screenshot(path=shots / "public-statistics-phone.png", full_page=True)
