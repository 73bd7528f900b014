"""Hongkou's joint review in a real browser (issue 17.3): commerce's reviewer signs in on a desktop, sees only the
units of commerce's industries, confirms one and declines one with a reason; culture and tourism's reviewer sees only
its own; the declined unit reads the department's reason on its 为什么 page on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.builders import imported_world
from tests.e2e.test_browser import (  # noqa: F401 - shared fixtures
    PHONE,
    browser,
    employer_signed_in,
    page_of,
    serving,
    shots,
    signed_in,
)
from tests.integration.test_departments import CATERING, HOTEL, NO_MONTH, PACK, PACKS, RETAIL, city
from tests.web.conftest import PASSWORD, activate
from wengang import bootstrap
from wengang.services import cycles, people

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def joint_server(tmp_path_factory):
    """uvicorn on a Hongkou cycle, with a reviewer of commerce and one of culture and tourism."""
    folder = tmp_path_factory.mktemp("departments-browser")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WENGANG_POLICY_PATH", str(PACKS))
        url = f"sqlite:///{folder / 'joint.sqlite'}"
        with imported_world(folder, city(folder / "city"), url) as (store, analytics, settings, snapshot):
            cycle = cycles.open_cycle(PACK, dt.date(2022, 6, 15), store=store, analytics=analytics,
                                      settings=settings, snapshot=snapshot, by="clerk").cycle
            for name, dept in (("commerce-chen", "commerce"), ("tourism-liu", "culture_tourism")):
                people.create_staff(name, "reviewer", store=store, by="setup", password=PASSWORD, department=dept,
                                    display_name=name)
            people.create_staff("admin-he", "admin", store=store, by="setup", password=PASSWORD)
            with serving(settings) as served:
                yield {"url": served, "cycle": cycle.id, "store": store, "settings": settings}
        bootstrap.close_stores()


def test_a_department_reviewer_confirms_one_unit_and_declines_another(browser, joint_server, shots):  # noqa: F811
    page = signed_in(page_of(browser, joint_server), "commerce-chen")
    page.click("nav >> text=部门联审")
    page.wait_for_url("**/staff/departments")
    waiting = page.locator("#department-waiting")
    expect(waiting).to_contain_text("餐饮业")
    assert {page.locator("#department-waiting tbody tr").nth(i).get_attribute("data-uscc")
            for i in range(3)} == {CATERING, RETAIL, NO_MONTH}
    expect(page.locator(f'#department-waiting tr[data-uscc="{HOTEL}"]')).to_have_count(0)   # tourism's unit
    expect(page.locator("main, body").first).to_contain_text("本部门: 区商务委员会")
    expect(page.locator(f'#department-waiting tr[data-uscc="{CATERING}"]')).to_contain_text("18,000.00")
    expect(page.locator(f'#department-waiting tr[data-uscc="{NO_MONTH}"] .others')).to_contain_text(
        "另待工作人员审核: 计算月份的参保数据缺失")                     # unknown is not zero
    page.screenshot(path=str(shots / "departments-waiting.png"), full_page=True)
    page.locator(f'#department-waiting tr[data-uscc="{CATERING}"] button.confirm').click()
    page.wait_for_url("**/staff/departments?cycle=*")
    row = page.locator(f'#department-waiting tr[data-uscc="{RETAIL}"]')
    row.locator("button.decline").click()                             # no reason: the browser asks for one
    expect(page.locator(f'#department-decided tr[data-uscc="{RETAIL}"]')).to_have_count(0)
    row.locator("input[name=reason]").fill("该单位主营批发, 不属于零售业")
    row.locator("button.decline").click()
    page.wait_for_url("**/staff/departments?cycle=*")
    decided = page.locator("#department-decided")
    expect(decided.locator(f'tr[data-uscc="{CATERING}"] .outcome')).to_have_text("已确认")
    expect(decided.locator(f'tr[data-uscc="{CATERING}"]')).to_contain_text("待公示")
    expect(decided.locator(f'tr[data-uscc="{RETAIL}"] .outcome')).to_have_text("不予确认")
    expect(decided.locator(f'tr[data-uscc="{RETAIL}"]')).to_contain_text("该单位主营批发, 不属于零售业")
    expect(page.locator("#waiting-count")).to_have_text("(1)")
    page.screenshot(path=str(shots / "departments-decided.png"), full_page=True)

    other = signed_in(page_of(browser, joint_server), "tourism-liu")
    other.goto("/staff/departments")
    expect(other.locator("#department-waiting tbody tr")).to_have_count(1)
    expect(other.locator(f'#department-waiting tr[data-uscc="{HOTEL}"]')).to_contain_text("住宿业")
    response = other.request.post(f"/staff/departments/{joint_server['cycle']}/{NO_MONTH}", form={
        "csrf": other.locator("input[name=csrf]").first.input_value(), "decision": "confirm",
        "department": "commerce"})
    assert response.status == 403 and "只有区商务委员会的工作人员" in response.text()

    activate(joint_server["store"], joint_server["settings"], RETAIL)
    unit = employer_signed_in(page_of(browser, joint_server, PHONE), RETAIL)
    unit.goto(f"/portal/cycles/{joint_server['cycle']}")
    assert "区商务委员会不予确认: 该单位主营批发, 不属于零售业" in unit.inner_text("#detail")
    assert "不符合补贴条件" in unit.inner_text("#verdict")               # a subsidy, not a return
    assert "回电" in unit.inner_text("#next-step")
    unit.screenshot(path=str(shots / "departments-why-declined-phone.png"), full_page=True)
    unit.click("#details summary")
    line = unit.inner_text("#criteria li[data-criterion=department_confirmation]")
    assert "行业主管部门不予确认" in line and "需人工审核" not in line
    unit.screenshot(path=str(shots / "departments-why-criteria-phone.png"), full_page=True)


def test_staff_outside_any_department_are_told_so(browser, joint_server):  # noqa: F811
    page = signed_in(page_of(browser, joint_server), "admin-he")
    expect(page.locator("nav >> text=部门联审")).to_have_count(0)
    page.goto("/staff/departments")
    expect(page.locator("#no-department")).to_contain_text("不属于任何行业主管部门")
