"""A clerk runs a cycle's first stages in a real browser (issue 14): opens it from the form, watches the job finish,
runs the second comparison round and starts publicity, without a terminal; the two cycle pages are screenshotted."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.conftest import PACK
from tests.e2e.test_browser import browser, page_of, serving, shots, signed_in  # noqa: F401 - shared fixtures
from tests.web.conftest import PASSWORD, STAFF
from wengang import bootstrap
from wengang.config import Settings
from wengang.services import jobs, people

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cycle_server(case_city, tmp_path_factory):
    """uvicorn on an empty store (a clerk and the city's snapshots only), with a job worker in a thread."""
    folder = tmp_path_factory.mktemp("cycle-browser")
    settings = Settings(data_dir=case_city["data_dir"], database_url=f"sqlite:///{folder / 'c.sqlite'}",
                        audit_anchor_dir=folder / "anchors")
    store = bootstrap.store(settings)
    people.create_staff(STAFF["clerk"], "clerk", store=store, by="setup", password=PASSWORD, display_name="王经办")
    with job_worker(store, settings), serving(settings) as url:
        yield {"url": url}
    bootstrap.close_stores()


@contextlib.contextmanager
def job_worker(store, settings: Settings) -> Iterator[None]:
    """The worker that runs the jobs staff start in the browser, in a thread, stopped after."""
    stop = threading.Event()
    worker = threading.Thread(target=jobs.work, daemon=True, kwargs={
        "store": store, "handlers": bootstrap.job_handlers(settings), "worker": "e2e", "stop": stop, "poll": 0.2})
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join(30)


def finished(page) -> None:
    """On a job's page: wait until htmx shows it done (it polls every second)."""
    expect(page.locator("#job-state")).to_contain_text("已完成", timeout=60_000)


def test_a_clerk_opens_a_cycle_compares_and_starts_publicity(browser, cycle_server, case_city, shots):  # noqa: F811
    page = page_of(browser, cycle_server)
    signed_in(page, STAFF["clerk"])
    page.click("nav >> text=周期")
    page.wait_for_url("**/staff/cycles")
    expect(page.locator("#cycles")).to_contain_text("还没有周期")
    page.select_option("#open-snapshot", case_city["snapshots"][1])
    page.select_option("#open-pack", PACK)
    page.fill("#open-as-of", "2021-09-01")
    page.click("#open-cycle")
    page.wait_for_url(re.compile(r".*/staff/jobs/\d+$"))
    expect(page.locator("h1")).to_contain_text("开启周期")
    finished(page)
    page.click("#job-result a[href^='/staff/cycles/']")
    page.wait_for_url(re.compile(r".*/staff/cycles/\d+$"))
    cycle_url = page.url
    expect(page.locator("#cycle-phase")).to_have_text("数据比对中")
    expect(page.locator("#stage-compare")).to_contain_text("第2 轮")
    expect(page.locator("#stage-publicity-start")).to_have_count(0)
    page.click("#stage-compare")
    page.wait_for_url(re.compile(r".*/staff/jobs/\d+$"))
    finished(page)
    page.goto(cycle_url)
    expect(page.locator("#cycle-phase")).to_have_text("比对完成, 待公示")
    expect(page.locator("#stage-publicity-plan")).to_be_visible()
    page.click("#stage-publicity-start")
    page.wait_for_url(re.compile(r".*/staff/jobs/\d+$"))
    finished(page)
    expect(page.locator("#job-result")).to_contain_text("公示批次")
    page.goto(cycle_url)
    expect(page.locator("#cycle-phase")).to_have_text("公示中")
    expect(page.locator("#lists")).to_contain_text("-P1")
    expect(page.locator("#stages")).to_contain_text("次日起可结束公示")
    expect(page.locator("#rounds tbody tr")).to_have_count(2)
    text = page.inner_text("main")
    assert not re.search(r"\b(identified|publicity|rejected|review|ui-return|beijing-2021)\b", text), text
    page.screenshot(path=shots / "staff-cycle.png", full_page=True)
    page.goto("/staff/cycles")
    expect(page.locator("#cycles")).to_contain_text("公示中")
    page.set_input_files("#upload-files", [case_city["folders"][1] / "employers.csv"])
    expect(page.locator("#upload-names")).to_have_text("employers.csv")        # the chosen file, in the page's words
    page.screenshot(path=shots / "staff-cycles.png", full_page=True)


def test_a_clerk_uploads_a_file_saved_as_utf16_and_reads_why_it_is_refused(browser, cycle_server, case_city, shots,  # noqa: F811
                                                                          tmp_path):
    folder = tmp_path / "upload"
    folder.mkdir()
    for path in sorted(case_city["folders"][1].glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        (folder / path.name).write_bytes(text.encode("utf-16") if path.stem == "employers" else text.encode())
    page = page_of(browser, cycle_server)
    signed_in(page, STAFF["clerk"])
    page.goto("/staff/cycles")
    page.set_input_files("#upload-files", sorted(folder.glob("*.csv")))
    page.click("#upload-snapshot")
    page.wait_for_url(re.compile(r".*/staff/jobs/\d+$"))
    expect(page.locator("#job-state")).to_contain_text("失败", timeout=60_000)
    expect(page.locator("#job-error")).to_contain_text("employers.csv:1: 文件是 UTF-16 文本")
    expect(page.locator("#download-report")).to_be_visible()
    expect(page.locator("#cancel-job")).to_have_count(0)               # a job a worker took is not cancelled
    with page.expect_download() as download:
        page.click("#download-report")
    assert download.value.suggested_filename.startswith("faults-")
    page.screenshot(path=shots / "staff-import-refused.png", full_page=True)
