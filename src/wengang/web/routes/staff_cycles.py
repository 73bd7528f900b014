"""Back office, cycles: the list with the forms to open a cycle and to upload a snapshot, and a cycle's page with one
button per stage legal now; long stages (cancelling a cycle and writing its bank files among them) go to the worker
(staff_jobs.submit_job), short ones run here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse

from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.days import beijing_date
from wengang.domain.errors import AnalyticsBusy
from wengang.domain.jobs import JobKind
from wengang.services import cycle_files, cyclepage, jobs, publicity, reconcile
from wengang.services.public import packs
from wengang.services.sessions import Principal
from wengang.web.deps import AnalyticsDep, SettingsDep, StoreDep, render
from wengang.web.permissions import Forbidden, may, staff
from wengang.web.routes.staff_jobs import submit_job

router = APIRouter(prefix="/staff/cycles", include_in_schema=False)
CycleId = Annotated[int, Path(ge=1, le=2**31)]
JobId = Annotated[int, Path(ge=1, le=2**62)]
StaffView = Annotated[Principal, staff("staff.view")]
CycleRun = Annotated[Principal, staff("cycle.run")]
Reason = Annotated[str, Form(min_length=1, max_length=2000)]
JobStage = Annotated[str, Path(pattern="^(" + "|".join(s.replace(".", r"\.") for s in cyclepage.JOB_OF) + ")$")]
Files = Annotated[list[UploadFile], File()]
FILES = "batch.files"                  # who may write a cycle's bank files may download them


def _allowed(me: Principal, stage: cyclepage.Stage) -> cyclepage.Stage:
    if not may(me, stage.permission):
        raise Forbidden(stage.permission)
    return stage


def _done(request: Request, cycle_id: int, message: str):
    return render(request, "message.html", {"title": ("已完成", "Done"), "status": 200, "message": message,
                                            "links": [(f"/staff/cycles/{cycle_id}", "返回周期页", "Back to the cycle")]})


@router.get("", response_class=HTMLResponse)
def cycle_list(request: Request, store: StoreDep, analytics: AnalyticsDep, me: StaffView):
    """Every cycle with its phase, and the forms to open one and to upload a snapshot."""
    try:
        snapshots, busy = list(reversed(analytics.snapshots())), False
    except AnalyticsBusy:
        snapshots, busy = [], True
    listed = packs()
    return render(request, "staff/cycles.html", {"rows": cyclepage.rows(store=store), "snapshots": snapshots,
                                                 "busy": busy, "packs": listed, "titles": {k.id: k for k in listed},
                                                 "today": beijing_date(store.clock.now())})


@router.post("/open", response_class=HTMLResponse)
def cycle_open(store: StoreDep, analytics: AnalyticsDep, me: CycleRun,
               snapshot: Annotated[str, Form(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
               pack: Annotated[str, Form(min_length=1, max_length=60, pattern=r"^[a-z0-9-]+$")],
               as_of: Annotated[dt.date, Form()]):
    """Checked here (base year covered, no live cycle), then opened by the worker; the browser follows the job."""
    cyclepage.check_open(snapshot, pack, as_of, analytics=analytics, store=store)
    return submit_job(store, me, JobKind.OPEN_CYCLE, params={"pack": pack, "as_of": as_of.isoformat(),
                                                              "snapshot": snapshot})


@router.post("/snapshots", response_class=HTMLResponse)
def snapshot_upload(store: StoreDep, settings: SettingsDep, me: CycleRun, files: Files):
    """The files of a snapshot folder (DATA.md), saved under the data folder, imported by the worker."""
    folder = cyclepage.save_upload([(f.filename or "", f.file) for f in files],
                                   settings.data_dir / "uploads" / "snapshots", allowed="snapshot")
    return submit_job(store, me, JobKind.IMPORT_SNAPSHOT, params={"folder": str(folder)})


@router.get("/{cycle_id}", response_class=HTMLResponse)
def cycle_view(request: Request, store: StoreDep, me: StaffView, cycle_id: CycleId):
    """The cycle's phase, cases and money per state, rounds, lists, batches, jobs and the stages legal now."""
    found = cyclepage.page(cycle_id, store=store)
    title = next((k for k in packs() if k.id == found.status.cycle.pack), None)
    return render(request, "staff/cycle.html", {"p": found, "title": title})


@router.post("/{cycle_id}/jobs/{stage}", response_class=HTMLResponse)
def cycle_job(store: StoreDep, me: StaffView, cycle_id: CycleId, stage: JobStage):
    """A long stage (comparison round, publicity, re-verification, payment batches) handed to the worker."""
    _allowed(me, cyclepage.page(cycle_id, store=store).stage(stage))
    return submit_job(store, me, cyclepage.JOB_OF[stage], cycle_id=cycle_id)


@router.post("/{cycle_id}/publicity/{number}/close", response_class=HTMLResponse)
def publicity_close(request: Request, store: StoreDep, me: StaffView, cycle_id: CycleId,
                    number: Annotated[str, Path(pattern=r"^C[0-9]+-P[0-9]+$")]):
    """End a list's period once its last day has passed (Beijing); open objections stay open."""
    _allowed(me, cyclepage.page(cycle_id, store=store).stage("publicity.close", number))
    done = publicity.close(number, store=store, by=me.username)
    return _done(request, cycle_id, f"公示批次 {done.number} 已于 {done.closed_on} 结束, 未决异议 {done.open_objections} 件 "
                                    f"/ list {done.number} closed on {done.closed_on}; open objections: "
                                    f"{done.open_objections}")


@router.post("/{cycle_id}/files", response_class=HTMLResponse)
def bank_files(store: StoreDep, me: StaffView, cycle_id: CycleId):
    """The bank files of every approved batch written, validated and recorded as sent by the worker; the job's page
    and the cycle's offer them for download once it is done."""
    _allowed(me, cyclepage.page(cycle_id, store=store).stage("batch.files"))
    return submit_job(store, me, JobKind.WRITE_BANK_FILES, cycle_id=cycle_id)


@router.get("/{cycle_id}/files/{job_id}")
def bank_files_download(store: StoreDep, settings: SettingsDep, me: StaffView, cycle_id: CycleId, job_id: JobId):
    """The files a finished job wrote, as they lie (one file, or its zip): nothing is written or recorded here."""
    if not may(me, FILES):
        raise Forbidden(FILES)
    found = cycle_files.download(jobs.get(job_id, store=store), cycle_id, settings=settings)
    return FileResponse(found.path, filename=found.name, media_type=found.media_type)


@router.post("/{cycle_id}/returns", response_class=HTMLResponse)
def returns_preview(request: Request, store: StoreDep, settings: SettingsDep, me: StaffView, cycle_id: CycleId,
                    files: Files):
    """Bank return files saved and read, and what they would change shown, before anything is applied."""
    _allowed(me, cyclepage.page(cycle_id, store=store).stage("bank.returns"))
    folder = cyclepage.save_upload([(f.filename or "", f.file) for f in files], _returns_root(settings),
                                   allowed="returns")
    found = reconcile.preview(sorted(folder.iterdir()), store=store, banks=bootstrap.banks(), settings=settings)
    return render(request, "staff/cycle_returns.html", {"cycle_id": cycle_id, "token": folder.name, "files": found})


@router.post("/{cycle_id}/returns/{token}", response_class=HTMLResponse)
def returns_apply(store: StoreDep, settings: SettingsDep, me: StaffView, cycle_id: CycleId,
                  token: Annotated[str, Path(max_length=40)]):
    """The previewed files applied by the worker (each file once; a file read before changes nothing)."""
    _allowed(me, cyclepage.page(cycle_id, store=store).stage("bank.returns"))
    folder = cyclepage.upload_folder(_returns_root(settings), token)
    return submit_job(store, me, JobKind.RECONCILE, params={"files": "\n".join(str(p) for p in
                                                                               sorted(folder.iterdir()))})


@router.post("/{cycle_id}/recover", response_class=HTMLResponse)
def recover(request: Request, store: StoreDep, me: StaffView, cycle_id: CycleId,
            deadline: Annotated[dt.date, Form()]):
    """After the payment deadline, failed cases without a corrected account are recovered to the fund."""
    _allowed(me, cyclepage.page(cycle_id, store=store).stage("recover"))
    n = cyclepage.recover(cycle_id, deadline, store=store, by=me.username)
    return _done(request, cycle_id, f"已收回 {n} 个案件 (期限 {deadline}) / {n} cases recovered (deadline {deadline})")


@router.post("/{cycle_id}/cancel", response_class=HTMLResponse)
def cancel(store: StoreDep, me: CycleRun, cycle_id: CycleId, reason: Reason):
    """Call the cycle off before any money moved: refused here in words once it has (or while a batch waits), else
    the worker closes its cases and the browser follows the job."""
    return submit_job(store, me, JobKind.CANCEL_CYCLE, cycle_id=cycle_id, params={"reason": reason})


def _returns_root(settings: Settings) -> FsPath:
    return settings.data_dir / "uploads" / "bank-returns"
