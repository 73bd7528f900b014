"""Issue 14's whole journey in a real browser, with no terminal: a clerk uploads a snapshot and opens a cycle from it;
a reviewer completes a review case by supplying the missing facts; the clerk runs the rounds, publicity and
re-verification; two approvers sign the payment batch; the worker writes the bank file and the clerk downloads it, uploads the bank's answer
after a preview, and recovers the payment the bank refused once the deadline has passed. Only the bank is simulated."""

from __future__ import annotations

import datetime as dt
import re
import threading
import zipfile
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.builders import bands, uscc
from tests.clocks import beijing
from tests.conftest import ACCOUNT
from tests.e2e.test_browser import browser, page_of, serving, shots, signed_in  # noqa: F401 - shared fixtures
from tests.policy.cases import build_snapshot
from tests.web.conftest import PASSWORD
from wengang import bootstrap
from wengang.adapters.banks.simulator import BankSimulator, Outcome
from wengang.adapters.clock import RunningClock
from wengang.config import Settings
from wengang.domain.cases import State
from wengang.services import jobs, people

pytestmark = pytest.mark.slow

PACK = "beijing-2021"
SIZE_UNKNOWN, REFUSED_BY_BANK = uscc(1), uscc(3)
CITY = {"pack": PACK, "as_of": "2021-06-30", "defaults": {"months": {"from": "2019-12", "to": "2020-12",
                                                                    "insured": 100}},
        "cases": [{"name": "规模未知", "unit": {"industry": "software_it", "employees": "", **ACCOUNT}},
                  *({"name": f"符合{n}", "unit": ACCOUNT} for n in range(2, 6))]}
PEOPLE = {"clerk-wang": "clerk", "reviewer-li": "reviewer", "approver-zhao": "approver", "approver-qian": "approver"}


def on(store, day: dt.date, hour: int = 9) -> None:
    """The server's (and its worker's) clock set to a working hour of `day`, Beijing, running on from there."""
    store.clock = RunningClock(beijing(day, hour))


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    """An empty service (no snapshot, no cycle) with its four people, its worker in a thread, and every payment
    batch needing two approvers; the snapshot a clerk will upload lies in a folder of the clerk's computer."""
    folder = tmp_path_factory.mktemp("journey")
    snapshot, _ = build_snapshot(CITY, folder / "desk")
    settings = bands(Settings(data_dir=folder / "var", database_url=f"sqlite:///{folder / 'j.sqlite'}",
                              audit_anchor_dir=folder / "anchors"), "0.00")
    store = bootstrap.store(settings)
    for name, role in PEOPLE.items():
        people.create_staff(name, role, store=store, by="setup", password=PASSWORD)
    on(store, dt.date(2021, 6, 30), 15)
    stop = threading.Event()
    worker = threading.Thread(target=jobs.work, daemon=True, kwargs={
        "store": store, "handlers": bootstrap.job_handlers(settings), "worker": "journey", "stop": stop,
        "poll": 0.2})
    worker.start()
    with serving(settings) as url:
        yield {"url": url, "store": store, "snapshot": snapshot, "folder": folder}
    stop.set()
    worker.join(30)
    bootstrap.close_stores()


def person(browser, journey, name: str):  # noqa: F811
    """A browser of its own for one of the journey's people, signed in."""
    return signed_in(page_of(browser, journey), name)


def job_done(page) -> None:
    """On a job's page, after a stage's button: wait until the worker has finished it (htmx polls each second)."""
    page.wait_for_url(re.compile(r".*/staff/jobs/\d+$"))
    expect(page.locator("#job-state")).to_contain_text("已完成", timeout=60_000)


def stage(page, cycle_url: str, button: str) -> None:
    """Back on the cycle page, press one of the stages legal now."""
    page.goto(cycle_url)
    page.click(button)


def test_a_clerk_a_reviewer_and_two_approvers_run_a_cycle_from_upload_to_recovery(browser, journey, shots,  # noqa: F811
                                                                                 tmp_path):
    store = journey["store"]
    clerk = person(browser, journey, "clerk-wang")
    clerk.goto("/staff/cycles")
    clerk.set_input_files("#upload-files", sorted(journey["snapshot"].iterdir()))
    clerk.click("#upload-snapshot")
    job_done(clerk)

    clerk.goto("/staff/cycles")
    clerk.select_option("#open-pack", PACK)
    clerk.fill("#open-as-of", "2021-06-30")
    clerk.click("#open-cycle")
    job_done(clerk)
    clerk.click("#job-result a[href^='/staff/cycles/']")
    clerk.wait_for_url(re.compile(r".*/staff/cycles/\d+$"))
    cycle_url, cycle = clerk.url, int(clerk.url.rsplit("/", 1)[1])
    expect(clerk.locator("#states")).to_contain_text("待审核")

    reviewer = person(browser, journey, "reviewer-li")
    reviewer.goto(f"/staff/review?cycle={cycle}")
    reviewer.click(f"#review-queue tr:has-text('{SIZE_UNKNOWN}') a[href^='/staff/cases/']")
    reviewer.fill("#supply-form input[name=employees]", "300")
    reviewer.fill("#supply-form input[name=revenue]", "99999999.99")
    reviewer.fill("#supply-form input[name=evidence]", "2020年度财务报表 (税务局提供)")
    reviewer.click("#supply-form button")
    assert "1,440.00" in reviewer.inner_text("#preview-amount")            # seen before it is accepted
    reviewer.click("#supply-confirm button")
    expect(reviewer.locator("#case-state")).to_have_attribute("data-state", "identified")
    reviewed = int(reviewer.url.rsplit("/", 1)[1])

    on(store, dt.date(2021, 6, 30), 17)
    stage(clerk, cycle_url, "#stage-compare")                   # the pack's second round keeps the supplied facts
    job_done(clerk)
    on(store, dt.date(2021, 7, 1))
    stage(clerk, cycle_url, "#stage-publicity-start")
    job_done(clerk)
    on(store, dt.date(2021, 7, 9))
    clerk.goto(cycle_url)
    clerk.click("[id^=stage-close-]")
    stage(reviewer, cycle_url, "#stage-reverify")
    job_done(reviewer)
    stage(clerk, cycle_url, "#stage-batch-prepare")
    job_done(clerk)

    clerk.goto(cycle_url)
    batch = clerk.inner_text("#payment-batches tbody tr td a")
    for name in ("approver-zhao", "approver-qian"):
        approver = person(browser, journey, name)
        approver.goto(f"/staff/batches/{batch}")
        expect(approver.locator("#payees")).to_contain_text("1,440.00")    # the reviewed unit, its supplied amount
        approver.click("#approve")
        approver.context.close()

    stage(clerk, cycle_url, "#stage-batch-files")              # written and recorded as sent by the worker
    job_done(clerk)
    with clerk.expect_download() as got:
        clerk.click("#download-bank-files")
    sent = tmp_path / got.value.suggested_filename
    got.value.save_as(sent)
    files = [sent] if sent.suffix != ".zip" else _unzipped(sent, tmp_path / "files")
    with store.reading() as uow:
        refused = [a.end_to_end_id for a in uow.payments.attempts(case_ids=[uow.cases.find(cycle, REFUSED_BY_BANK).id])]
    bank = BankSimulator(reject_share=0, return_share=0, force={e: Outcome(e, "rejected", "AC04") for e in refused})
    answers = [bank.answer(f, tmp_path / "bank").pain002.path for f in files]

    on(store, dt.date(2021, 7, 12))
    clerk.goto(cycle_url)
    clerk.set_input_files("#returns-files", answers)
    clerk.click("#stage-bank-returns")
    expect(clerk.locator("#preview")).to_contain_text("银行拒绝")
    with store.reading() as uow:
        assert uow.cases.count_by_state(cycle)["approved-for-payment"][0] == 5    # the preview changed nothing
    clerk.screenshot(path=shots / "staff-bank-returns-preview.png", full_page=True)
    clerk.click("#apply-returns")
    job_done(clerk)

    on(store, dt.date(2021, 8, 20))
    clerk.goto(cycle_url)
    clerk.fill("#recover-deadline", "2021-08-15")
    clerk.click("#stage-recover")
    clerk.goto(cycle_url)
    counts = clerk.inner_text("#states")
    assert "已支付" in counts and "已追回" in counts
    clerk.screenshot(path=shots / "staff-cycle-done.png", full_page=True)

    with store.reading() as uow:
        by_state = {s: n for s, (n, _) in uow.cases.count_by_state(cycle).items()}
        case = uow.cases.get(reviewed)
    assert by_state == {State.PAID.value: 4, State.RECOVERED.value: 1}
    assert (case.state, case.amount) == (State.PAID, Decimal("1440.00"))


def _unzipped(archive, folder):
    with zipfile.ZipFile(archive) as z:
        z.extractall(folder)
    return sorted(folder.iterdir())
