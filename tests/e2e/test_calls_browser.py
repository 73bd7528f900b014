"""A clerk works the call list in a real browser (issue 16.4): opens it, assigns a unit to herself, records "no
answer", then "reached" (the unit leaves her list); a specialist opens the portfolio of her units."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from tests.builders import uscc
from tests.conftest import CITY
from tests.e2e.test_browser import browser, page_of, serving, shots, signed_in  # noqa: F401 - shared fixtures
from tests.web.conftest import STAFF, world_template  # noqa: F401 - the web world, built once
from tests.web.test_calls_web import told_and_failed
from wengang import bootstrap
from wengang.config import Settings
from wengang.services import specialists

pytestmark = pytest.mark.slow
DISPATCH = uscc(CITY["dispatch"])


@pytest.fixture(scope="module")
def calls_server(tmp_path_factory, world_template, case_city):  # noqa: F811
    """uvicorn on a copy of the web world, every step told; the first unit's copies failed; the reviewer is the
    specialist of the dispatch firm."""
    folder = tmp_path_factory.mktemp("calls-browser")
    shutil.copy(world_template[0], folder / "world.sqlite")
    settings = Settings(data_dir=case_city["data_dir"], database_url=f"sqlite:///{folder / 'world.sqlite'}",
                        audit_anchor_dir=folder / "anchors")
    told_and_failed(settings)
    specialists.assign(DISPATCH, to=STAFF["reviewer"], key=True, by=STAFF["clerk"], store=bootstrap.store(settings))
    with serving(settings) as url:
        yield {"url": url, "cycle": world_template[1]["paid_cycle"]}
    bootstrap.close_stores()


def test_a_clerk_assigns_herself_records_no_answer_then_reached(browser, calls_server, shots):  # noqa: F811
    page = page_of(browser, calls_server)
    signed_in(page, STAFF["clerk"])
    cycle = calls_server["cycle"]
    page.goto(f"/staff/calls?cycle={cycle}")
    row = page.locator(f'tr[data-uscc="{DISPATCH}"]')
    expect(row).to_contain_text("待单位确认")
    expect(page.locator("#call-list")).to_contain_text("138****5678")
    page.screenshot(path=str(shots / "calls-list.png"), full_page=True)
    boxes = page.locator('input[name="uscc"]')
    page.check("#select-all")                                  # "select all" works under the page's CSP
    assert boxes.count() >= 2 and all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.uncheck("#select-all")
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    row.locator('input[name="uscc"]').check()
    page.click("#assign-me")
    expect(row.locator(".caller")).to_have_text(STAFF["clerk"])
    page.goto(f"/staff/calls?cycle={cycle}&mine=true")
    expect(page.locator("#call-count")).to_have_text("1")
    row = page.locator(f'tr[data-uscc="{DISPATCH}"]')
    row.locator("select[name=outcome]").select_option("no_answer")
    row.locator("input[name=note]").fill("上午无人接听")
    row.locator("button.record").click()
    expect(row.locator(".last-call")).to_contain_text("无人接听")
    page.screenshot(path=str(shots / "calls-no-answer.png"), full_page=True)
    row.locator("select[name=outcome]").select_option("reached")
    row.locator("button.record").click()
    expect(page.locator("#call-count")).to_have_text("0")
    expect(page.locator("#call-list")).to_contain_text("没有需要致电的单位")


def test_a_specialist_opens_her_portfolio(browser, calls_server, shots):  # noqa: F811
    page = page_of(browser, calls_server)
    signed_in(page, STAFF["reviewer"])
    page.goto(f"/staff/specialists/{STAFF['reviewer']}?cycle={calls_server['cycle']}")
    row = page.locator(f'tr[data-uscc="{DISPATCH}"]')
    expect(row).to_contain_text("重点企业")
    expect(row).to_contain_text("请联系实际用工单位登录确认")
    page.screenshot(path=str(shots / "specialist-portfolio.png"), full_page=True)
