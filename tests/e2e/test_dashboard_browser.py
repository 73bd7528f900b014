"""A director reads the dashboard in a real desktop browser (issue 19.2): the paid figure, the employees covered,
districts by name, and a figure followed down to its case list, which holds as many cases as the figure said."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser import browser, page_of, serving, shots, signed_in  # noqa: F401 - shared fixtures
from tests.integration.test_dashboard_figures import city
from tests.web.conftest import PASSWORD, STAFF
from wengang import bootstrap
from wengang.config import Settings
from wengang.services import people

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def board_server(tmp_path_factory):
    """uvicorn on a store with the figures' city (three cycles, payments) and a clerk."""
    folder = tmp_path_factory.mktemp("dashboard-browser")
    settings = Settings(data_dir=folder / "var", database_url=f"sqlite:///{folder / 'd.sqlite'}",
                        audit_anchor_dir=folder / "anchors")
    store = bootstrap.store(settings)
    ids = city(store)
    with store.reading() as uow:
        rows = [c for c in uow.cases.of_cycle(ids["a"])]
    people.create_staff(STAFF["clerk"], "clerk", store=store, by="setup", password=PASSWORD, display_name="clerk")
    with serving(settings) as url:
        yield {"url": url, "cycle": ids["a"], "cases": rows, "store": store}
    bootstrap.close_stores()


def test_a_director_reads_a_figure_and_follows_it_to_its_list(browser, board_server, shots):  # noqa: F811
    page = page_of(browser, board_server)
    signed_in(page, STAFF["clerk"])
    page.goto(f"/staff/dashboard?cycle={board_server['cycle']}")
    paid = [c for c in board_server["cases"] if c.state.value in ("paid", "closed")]
    expect(page.locator("#fig-paid strong")).to_have_text(f"{len(paid):,}")
    expect(page.locator("#fig-employees strong")).to_have_text(f"{sum(c.insured or 0 for c in paid):,}")
    expect(page.locator("#by-key")).to_contain_text("北京市朝阳区")          # a district by its name, not 110105
    expect(page.locator("#by-key")).to_contain_text("区划代码 999999")      # one no data set names, said as a code
    assert page.locator("svg.chart").count() == 4
    expect(page.locator("#reach")).to_contain_text("自助 (登录或查询进度)")     # the reach fragment, loaded after
    expect(page.locator("#reach-figures .muted", has_text="正在统计")).to_have_count(0)
    page.screenshot(path=shots / "staff-dashboard-figures.png", full_page=True)
    page.click("#fig-paid a")
    expect(page.locator("#queue-total")).to_contain_text(f"共 {len(paid)} 件")
    expect(page.locator("#queue tbody tr")).to_have_count(len(paid))
    expect(page.locator("#queue-kept")).to_have_text("不含资金已收回的案件")   # what "paid" means there, said
    page.screenshot(path=shots / "staff-dashboard-paid-list.png")
    page.go_back()
    page.click("#breakdowns >> text=行业")
    retail = [c for c in paid if c.industry == "retail"]
    row = page.locator("#by-key tbody tr", has_text="零售业")
    expect(row.locator("td").nth(4)).to_have_text(str(len(retail)))
    row.locator("td").nth(4).locator("a").click()
    expect(page.locator("#queue-total")).to_contain_text(f"共 {len(retail)} 件")
    expect(page.locator("#queue-industry")).to_have_text("行业: 零售业")       # the kept filter, said
    page.screenshot(path=shots / "staff-dashboard-drilled.png", full_page=True)


def test_a_year_across_programmes_names_each_and_reads_in_english(browser, board_server, shots):  # noqa: F811
    page = page_of(browser, board_server)
    signed_in(page, STAFF["clerk"])
    page.goto("/staff/dashboard?year=2021&by=program")
    expect(page.locator("#dash-scope")).to_contain_text("2 个周期")
    expect(page.locator("#by-key")).to_contain_text("失业保险稳岗返还")
    expect(page.locator("#by-key")).to_contain_text("一次性扩岗补助")
    expect(page.locator("#by-key tfoot")).to_contain_text("135")                     # 90 + 45 cases
    expect(page.locator("#year-cycles li")).to_have_count(2)
    page.screenshot(path=shots / "staff-dashboard-year.png", full_page=True)
    page.goto("/staff/dashboard?year=2021&by=industry&lang=en")
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.locator("#by-key")).to_contain_text("retail")
    expect(page.locator("#by-key")).to_contain_text("unknown")
    assert "ui-return" not in page.inner_text("main")                  # programmes by name, not by id


def test_a_director_downloads_the_monthly_report(browser, board_server, tmp_path):  # noqa: F811
    from openpyxl import load_workbook

    from wengang.services import monthly_report

    page = page_of(browser, board_server)
    signed_in(page, STAFF["clerk"])
    page.goto(f"/staff/dashboard?cycle={board_server['cycle']}")
    page.fill("#report-month", "2021-11")
    with page.expect_download() as got:
        page.click("#report-xlsx")
    path = tmp_path / got.value.suggested_filename
    got.value.save_as(path)
    assert path.name == "monthly-2021-11.xlsx"
    total = list(load_workbook(path).active.iter_rows(values_only=True))[-1]
    expected = monthly_report.monthly("2021-11", store=board_server["store"]).total
    assert str(total[0]).startswith("合计") and total[1] == expected.units > 0 and total[3] == expected.insured
    with page.expect_download() as got:
        page.click("#report-pdf")
    assert got.value.suggested_filename == "monthly-2021-11.pdf"
