"""Issue 17 in a real browser: a clerk opens a cycle of each programme's pack from the cycles page on a desktop — the
difficult-enterprise return, the retention-training subsidy, Hongkou's difficult-industry subsidy and the
job-expansion subsidy — and sees each
cycle under its programme's name (the difficult one marked 优先办理); the Hongkou pack whose region has not supplied
its values is refused on the form, in words, and opens nothing."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.builders import steady_contributions, uscc, write_snapshot
from tests.conftest import ACCOUNT
from tests.e2e.test_browser import browser, page_of, serving, shots, signed_in  # noqa: F401 - shared fixtures
from tests.e2e.test_cycle_browser import finished, job_worker
from tests.web.conftest import PASSWORD, STAFF
from wengang import bootstrap
from wengang.config import Settings
from wengang.services import people
from wengang.services.snapshots import import_folder

pytestmark = pytest.mark.slow
PACKS = Path(__file__).resolve().parents[1] / "packs"
# pack, evaluation date, the programme's name on the cycle page
OPENED = (("xian-difficult-2019", "2019-07-01", "困难企业稳岗返还"),
          ("cn-retention-training-2022", "2022-06-15", "一次性留工培训补助"),
          ("hongkou-test-2022", "2022-06-15", "困难行业稳就业补贴"),
          ("cn-job-expansion-2023", "2023-12-15", "一次性扩岗补助"))


def city(folder: Path) -> Path:
    units = {uscc(61): ("610104", "other"), uscc(62): ("610104", "catering"), uscc(63): ("310109", "catering")}
    employers = [{"uscc": u, "name": f"单位{n}", "industry": industry, "employees": "20", "region": region, **ACCOUNT}
                 for n, (u, (region, industry)) in enumerate(units.items())]
    contributions = [row for u in units for row in steady_contributions(u, insured=20, first="2017-12",
                                                                       last="2023-11")]
    hires = [{"uscc": uscc(61), "person_id": "AGENCY-000888", "hired_on": "2023-07-01", "category": "graduate",
              "graduated_on": "2023-06-30", "birth_date": "2001-05-01", "contract_signed": "true",
              "insured_months": "3"}]
    flags = [{"uscc": uscc(61), "source": "hrss", "flag": "difficulty_certified", "listed_on": "2019-01-01",
              "removed_on": ""},
             {"uscc": uscc(62), "source": "other", "flag": "epidemic_risk_area", "listed_on": "2022-04-10",
              "removed_on": ""}]
    return write_snapshot(folder, employers=employers, contributions=contributions, flags=flags, separations=[],
                          hires=hires)


@pytest.fixture(scope="module")
def programme_server(tmp_path_factory):
    """uvicorn on a store with a clerk and one snapshot covering 2017-12 … 2023-11, the test packs on the policy
    path, and a job worker in a thread."""
    folder = tmp_path_factory.mktemp("programmes-browser")
    before = os.environ.get("WENGANG_POLICY_PATH")
    os.environ["WENGANG_POLICY_PATH"] = str(PACKS)
    settings = Settings(data_dir=folder / "var", database_url=f"sqlite:///{folder / 'p.sqlite'}",
                        audit_anchor_dir=folder / "anchors")
    snapshot = import_folder(city(folder / "city"), analytics=bootstrap.analytics(settings),
                             settings=settings).snapshot.id
    store = bootstrap.store(settings)
    people.create_staff(STAFF["clerk"], "clerk", store=store, by="setup", password=PASSWORD, display_name="王经办")
    try:
        with job_worker(store, settings), serving(settings) as url:
            yield {"url": url, "snapshot": snapshot}
    finally:
        bootstrap.close_stores()
        if before is None:
            os.environ.pop("WENGANG_POLICY_PATH", None)
        else:
            os.environ["WENGANG_POLICY_PATH"] = before


def open_from_form(page, snapshot: str, pack: str, as_of: str) -> None:
    page.goto("/staff/cycles")
    page.select_option("#open-snapshot", snapshot)
    page.select_option("#open-pack", pack)
    page.fill("#open-as-of", as_of)
    page.click("#open-cycle")


def test_a_clerk_opens_a_cycle_of_each_programme_and_an_unready_pack_is_refused_in_words(
        browser, programme_server, shots):  # noqa: F811
    page = page_of(browser, programme_server)
    signed_in(page, STAFF["clerk"])
    open_from_form(page, programme_server["snapshot"], "hongkou-difficult-industry-2022", "2022-06-15")
    text = page.inner_text("main")
    assert "industries" in text and "per_head" in text and "headcount_month" in text, text      # named, and why
    assert "缺少须由地区按文件提供的参数" in text
    page.goto("/staff/cycles")
    expect(page.locator("#cycles")).to_contain_text("还没有周期")                                 # nothing opened
    for pack, as_of, name in OPENED:
        open_from_form(page, programme_server["snapshot"], pack, as_of)
        page.wait_for_url(re.compile(r".*/staff/jobs/\d+$"))
        finished(page)
        page.click("#job-result a[href^='/staff/cycles/']")
        page.wait_for_url(re.compile(r".*/staff/cycles/\d+$"))
        expect(page.locator("main")).to_contain_text(name)
    page.goto("/staff/cycles")
    rows = page.locator("#cycles tbody tr")
    expect(rows).to_have_count(len(OPENED))
    expect(rows.first).to_contain_text("优先办理")                  # the VIP channel's cycle first, though oldest
    expect(rows.nth(1)).to_contain_text("一次性扩岗补助")              # then the newest
    page.screenshot(path=shots / "staff-cycles-programmes.png", full_page=True)
