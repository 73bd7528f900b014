"""A clerk plans a cycle's publicity by district in a real browser (Xining's planned batches), previews it, saves it
and starts the first batch; the worker runs the start; the page then shows it on its public list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.builders import uscc
from tests.e2e.test_browser import browser, page_of, serving, shots, signed_in  # noqa: F401 - shared fixtures
from tests.web.conftest import PASSWORD, STAFF
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.ports import NewCase
from wengang.services import jobs, people

pytestmark = pytest.mark.slow
AT = dt.datetime(2021, 10, 8, 1, 0)
DISTRICTS = {"630102": "西宁城东", "630103": "西宁城中", "630104": "西宁城西"}


@pytest.fixture(scope="module")
def plan_server(tmp_path_factory):
    """uvicorn on a store with one cycle of 90 identified cases in three districts of Xining, and a clerk."""
    folder = tmp_path_factory.mktemp("plan-browser")
    settings = Settings(data_dir=folder / "var", database_url=f"sqlite:///{folder / 'p.sqlite'}",
                        audit_anchor_dir=folder / "anchors")
    store = bootstrap.store(settings)
    codes = list(DISTRICTS)
    with store.transaction() as uow:
        cycle_id = uow.cycles.add(program="ui-return", pack="beijing-2021", as_of=AT.date(), snapshot_id="s",
                                  run_id="r", rounds_required=0, opened_by="clerk", opened_at=AT).id
        uow.cases.insert_many([NewCase("ui-return", cycle_id, uscc(n, f"91{codes[n % 3]}"),
                                       f"{DISTRICTS[codes[n % 3]]}科技有限公司{n}", "eligible", Decimal(1000 + n),
                                       6000, "", "r", False, True, False, False, False, "identified", "符合条件", None,
                                       1) for n in range(1, 91)])
        uow.commit()
    people.create_staff(STAFF["clerk"], "clerk", store=store, by="setup", password=PASSWORD, display_name="clerk")
    with serving(settings) as url:
        yield {"url": url, "cycle": cycle_id, "store": store, "settings": settings}
    bootstrap.close_stores()


def test_a_clerk_plans_by_district_and_starts_the_first_batch(browser, plan_server, shots):  # noqa: F811
    page = page_of(browser, plan_server)
    signed_in(page, STAFF["clerk"])
    url = f"/staff/cycles/{plan_server['cycle']}/publicity"
    page.goto(url)
    expect(page.locator("#planned")).to_contain_text("尚未排公示计划")
    page.select_option("#plan-by", "district")
    page.fill("#plan-gap", "3")
    page.click("#plan-preview")
    expect(page.locator("#preview tbody tr")).to_have_count(3)
    expect(page.locator("#preview")).to_contain_text("青海省西宁市城东区")                # 630102, named
    page.click("#plan-save")
    expect(page.locator("#planned tbody tr")).to_have_count(3)
    expect(page.locator("#planned-1")).to_contain_text("已排定, 未开始")
    expect(page.locator("#planned-2")).to_contain_text("未到排定日期")
    page.locator("#planned-1 button.start").click()
    page.wait_for_url("**/staff/jobs/*")
    done = jobs.run_next(store=plan_server["store"], handlers=bootstrap.job_handlers(plan_server["settings"]),
                         worker="w1", every=0.05)
    assert done is not None and done.state.value == "done" and done.result["entries"] == "30"
    page.goto(url)
    expect(page.locator("#planned-1")).to_contain_text("公示中")
    expect(page.locator("#planned-1")).to_contain_text(f"C{plan_server['cycle']}-P1")
    expect(page.locator("#planned-1")).to_contain_text("31,395.00")         # cases 3, 6, … 90 at 1,000 + n yuan
    expect(page.locator("#planned-2")).to_contain_text("已排定, 未开始")
    expect(page.locator("#plan-form")).to_have_count(0)                 # a batch started: the plan is kept
    page.screenshot(path=shots / "staff-publicity-plan.png", full_page=True)
