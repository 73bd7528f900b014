"""Back office, long steps: a job's progress bar (polled with htmx until it ends), recent jobs, and the one helper a
route calls to hand a long step to the worker process instead of running it in the request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from wengang.domain.errors import NotFound
from wengang.domain.jobs import JobKind, Params
from wengang.domain.ports import Store
from wengang.services import job_steps, jobs, snapshots
from wengang.services.sessions import Principal
from wengang.web.deps import SettingsDep, StoreDep, render
from wengang.web.permissions import Forbidden, may, staff
from wengang.web.routes.staff import CycleQ

router = APIRouter(prefix="/staff", include_in_schema=False)
JobId = Annotated[int, Path(ge=1, le=2**62)]
StaffView = Annotated[Principal, staff("staff.view")]
POLL = "1s"                   # how often an unfinished job's page asks for its progress


def submit_job(store: Store, me: Principal, kind: JobKind, *, cycle_id: int | None = None,
               params: Params | None = None) -> RedirectResponse:
    """Queue `kind` for the worker as `me` (who must hold the kind's permission) and send the browser to its
    progress page: a route's whole body for a long step. A second job for a busy cycle is refused in words."""
    if not may(me, jobs.PERMISSION[kind]):
        raise Forbidden(jobs.PERMISSION[kind])
    job = jobs.submit(kind, store=store, by=me.username, cycle_id=cycle_id, params=params,
                      baseline=job_steps.baseline)
    return RedirectResponse(f"/staff/jobs/{job.id}", status_code=303)


@router.get("/jobs", response_class=HTMLResponse)
def job_list(request: Request, store: StoreDep, me: StaffView, cycle: CycleQ = None):
    """The newest jobs (of one cycle, if asked), with their state and how far they are."""
    return render(request, "staff/jobs.html", {"rows": jobs.recent(store=store, limit=50, cycle_id=cycle),
                                               "cycle": cycle})


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_view(request: Request, store: StoreDep, me: StaffView, job_id: JobId):
    """One job: its progress bar; htmx asks again every second for the fragment alone, until the job ends."""
    job = jobs.get(job_id, store=store)
    fragment = request.headers.get("HX-Request") == "true"
    return render(request, "staff/_job_progress.html" if fragment else "staff/job.html",
                  {"job": job, "poll": POLL, "perm": jobs.PERMISSION[job.kind]})


@router.get("/jobs/{job_id}/report")
def job_report(store: StoreDep, settings: SettingsDep, me: StaffView, job_id: JobId):
    """The fault report of a refused import, for whoever may run its kind: every fault, as the command line writes
    it (personal values masked); nothing is written or recorded here."""
    job = jobs.get(job_id, store=store)
    if not may(me, jobs.PERMISSION[job.kind]):
        raise Forbidden(jobs.PERMISSION[job.kind])
    path = snapshots.report_of((job.result or {}).get(snapshots.REPORT, ""), settings)
    if path is None:
        raise NotFound(f"任务 {job_id} 没有错误报告 / job {job_id} left no fault report")
    return FileResponse(path, filename=path.name, media_type="text/csv")


@router.post("/jobs/{job_id}/cancel", response_class=HTMLResponse)
def job_cancel(request: Request, store: StoreDep, me: StaffView, job_id: JobId):
    """A job still in the queue is cancelled by whoever may submit its kind; a running one finishes."""
    job = jobs.get(job_id, store=store)
    if not may(me, jobs.PERMISSION[job.kind]):
        raise Forbidden(jobs.PERMISSION[job.kind])
    jobs.cancel(job_id, store=store, by=me.username)
    return RedirectResponse(f"/staff/jobs/{job_id}", status_code=303)
