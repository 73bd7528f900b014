"""A reviewer works a queue of 150 cases in a real browser (issue 14): filter, page 2, search, bulk accept in place."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.builders import uscc
from tests.e2e.test_browser import browser, page_of, serving, shots, signed_in  # noqa: F401 - shared fixtures
from tests.web.conftest import PASSWORD, STAFF
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.ports import NewCase
from wengang.domain.process import ApplicationStatus
from wengang.services import people

pytestmark = pytest.mark.slow
AT = dt.datetime(2021, 10, 8, 1, 0)
NAMES = ("西宁城东科技有限公司", "海口椰风贸易有限公司", "格尔木盐湖化工有限公司")


@pytest.fixture(scope="module")
def queue_server(tmp_path_factory):
    """uvicorn on a store with one cycle of 150 cases, 60 of them in review with an application each."""
    folder = tmp_path_factory.mktemp("queue-browser")
    settings = Settings(data_dir=folder / "var", database_url=f"sqlite:///{folder / 'q.sqlite'}",
                        audit_anchor_dir=folder / "anchors")
    store = bootstrap.store(settings)
    with store.transaction() as uow:
        cycle_id = uow.cycles.add(program="ui-return", pack="beijing-2021", as_of=AT.date(), snapshot_id="s",
                                  run_id="r", rounds_required=1, opened_by="clerk", opened_at=AT).id
        rows = [NewCase("ui-return", cycle_id, uscc(n, "91630102" if n % 2 else "91630104"), f"{NAMES[n % 3]}{n}",
                        "review" if n % 5 < 2 else "eligible", Decimal(1000 + n), 6000,
                        "size_class_unknown" if n % 5 < 2 else "", "r", False, True, False, False, False,
                        "review" if n % 5 < 2 else "identified", "转申请与人工审核 / routed to review", None, 1)
                for n in range(1, 151)]
        ids = uow.cases.insert_many(rows)
        for case_id, row in zip(ids, rows, strict=True):
            if row.state == "review":
                uow.applications.add(case_id=case_id, commitment="本单位承诺所报信息真实", commitment_accepted=True,
                                     late=False, filed_by=row.uscc, filed_at=AT, status=ApplicationStatus.PENDING)
        uow.commit()
    people.create_staff(STAFF["reviewer"], "reviewer", store=store, by="setup", password=PASSWORD,
                        display_name="reviewer")
    with serving(settings) as url:
        yield {"url": url, "cycle": cycle_id}
    bootstrap.close_stores()


def test_a_reviewer_filters_pages_searches_and_accepts_in_bulk(browser, queue_server, shots):  # noqa: F811
    page = page_of(browser, queue_server)
    signed_in(page, STAFF["reviewer"])
    page.goto(f"/staff/review?cycle={queue_server['cycle']}")
    expect(page.locator("#queue-total")).to_contain_text("共 60 件")
    page.select_option("select[name=per_page]", "25")
    page.fill("input[name=district]", "630102")
    page.click("#queue-filter")
    expect(page.locator("#queue-total")).to_contain_text("共 30 件")          # odd numbers only, in place
    assert "district=630102" in page.url                                      # the URL follows the filter
    page.locator(".pager").first.locator("a.page-next").click()
    expect(page.locator("#queue-total")).to_contain_text("第 2 / 2 页")
    assert page.locator("#review-queue tbody tr").count() == 5
    page.fill("#queue-q", "盐湖化工")
    page.click("#queue-filter")
    expect(page.locator("#queue-total")).to_contain_text("共 10 件")
    assert not re.search(r"[?&]page=", page.url)                             # a new filter starts at page 1
    boxes = page.locator("#review-queue input[name=pick]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.fill("#bulk-reason", "材料核实无误")
    page.click("#bulk-review-accept")
    expect(page.locator("#queue-outcome")).to_contain_text("已处理 2 件")
    expect(page.locator("#queue-outcome")).to_contain_text("已识别")
    expect(page.locator("#queue-total")).to_contain_text("共 8 件")          # the two left the queue, in place
    assert re.search(r"/staff/review\?", page.url)                          # no page that only says "done"
    page.screenshot(path=shots / "staff-review-queue.png", full_page=True)
