"""A job's page: a progress bar htmx polls while the job is queued or running and stops polling once it ended, its
result in words; the recent jobs; a route hands a long step to the worker in one call, refused for a busy cycle."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

from tests.web.conftest import STAFF, sign_in
from wengang import bootstrap
from wengang.domain.jobs import JobKind
from wengang.services import job_steps, jobs
from wengang.services.sessions import Principal
from wengang.web.permissions import staff
from wengang.web.routes.staff_jobs import submit_job

STATIC = Path(__file__).resolve().parents[2] / "src" / "wengang" / "web" / "static"


def add_prepare_route(app) -> None:
    """What a cycle page's button does: one call, then the browser is on the job's progress page."""
    def prepare(me: Annotated[Principal, staff("staff.view")], cycle: int):
        return submit_job(bootstrap.store(app.state.settings), me, JobKind.PREPARE_BATCHES, cycle_id=cycle)
    app.add_api_route("/staff/test-prepare", prepare, methods=["POST"])


def test_a_job_page_polls_its_progress_until_done_and_then_shows_the_result(client, world_settings, facts):
    add_prepare_route(client.app)
    store = bootstrap.store(world_settings)
    csrf = sign_in(client, STAFF["reviewer"], employer=False)
    refused = client.post(f"/staff/test-prepare?cycle={facts['paid_cycle']}", data={"csrf": csrf},
                          follow_redirects=False)
    assert refused.status_code == 403                                   # a reviewer does not prepare batches
    client.cookies.clear()
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    sent = client.post(f"/staff/test-prepare?cycle={facts['paid_cycle']}", data={"csrf": csrf},
                       follow_redirects=False)
    assert sent.status_code == 303 and re.fullmatch(r"/staff/jobs/\d+", sent.headers["location"])
    job_id = int(sent.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/staff/jobs/{job_id}")
    assert page.status_code == 200 and "准备支付批次 / prepare payment batches" in page.text
    assert 'hx-trigger="every 1s"' in page.text and f'hx-get="/staff/jobs/{job_id}"' in page.text
    assert "排队中 / queued" in page.text and 'id="cancel-job"' in page.text
    busy = client.post(f"/staff/test-prepare?cycle={facts['paid_cycle']}", data={"csrf": csrf})
    assert busy.status_code in (409, 422, 400) and "该周期已有任务在排队或运行" in busy.text
    assert "Traceback" not in busy.text

    ran = jobs.run_next(store=store, handlers=bootstrap.job_handlers(world_settings), worker="w1", every=0.05)
    assert ran.id == job_id and ran.state == "done", ran.error
    fragment = client.get(f"/staff/jobs/{job_id}", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text                                                  # the fragment alone
    assert 'id="job-progress"' in fragment.text and "hx-trigger" not in fragment.text     # ended: polling stops
    assert 'value="100"' in fragment.text and "已完成 / done" in fragment.text
    assert "支付批次 / payment batches" in fragment.text and 'href="/staff/batches/C' in fragment.text
    shots = os.environ.get("WENGANG_JOB_SHOTS")
    if shots:                     # the pages as HTML files, for a screenshot (static files resolved locally)
        for name, html in (("job", client.get(f"/staff/jobs/{job_id}").text), ("jobs", client.get("/staff/jobs").text)):
            Path(shots, f"{name}.html").write_text(html.replace('"/static/', f'"{STATIC}/'), encoding="utf-8")
    listing = client.get("/staff/jobs")
    assert f'href="/staff/jobs/{job_id}"' in listing.text and "已完成 / done" in listing.text
    assert client.get(f"/staff/jobs?cycle={facts['open_cycle']}").text.count('href="/staff/jobs/') == 0


def test_a_failed_job_says_why_and_a_queued_one_is_cancelled(client, world_settings, facts):
    store = bootstrap.store(world_settings)
    job = jobs.submit(JobKind.REVERIFY, store=store, by=STAFF["clerk"], cycle_id=facts["open_cycle"],
                      baseline=job_steps.baseline)
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    jobs.run_next(store=store, handlers=bootstrap.job_handlers(world_settings), worker="w1", every=0.05)
    page = client.get(f"/staff/jobs/{job.id}")
    assert "失败 / failed" in page.text and 'id="job-error"' in page.text and "hx-trigger" not in page.text
    queued = jobs.submit(JobKind.REVERIFY, store=store, by=STAFF["clerk"], cycle_id=facts["open_cycle"])
    gone = client.post(f"/staff/jobs/{queued.id}/cancel", data={"csrf": csrf}, follow_redirects=True)
    assert gone.status_code == 200 and "已取消 / cancelled" in gone.text
