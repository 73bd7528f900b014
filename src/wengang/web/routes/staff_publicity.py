"""Back office, a cycle's publicity plan (Xining: "分批次排出公示计划"): choose and preview a split, save it, then start
each planned batch on its day (as a job for the worker) and close each list once its period has passed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from wengang.domain.errors import Refused
from wengang.domain.jobs import JobKind
from wengang.domain.publicity_plan import KINDS
from wengang.services import publicity, publicity_plan
from wengang.services.sessions import Principal
from wengang.web.deps import StoreDep, render
from wengang.web.permissions import staff
from wengang.web.routes.staff_jobs import submit_job
from wengang.web.words import SIZE_WORDS

router = APIRouter(prefix="/staff", include_in_schema=False)
CycleId = Annotated[int, Path(ge=1, le=2**31)]
PlannedId = Annotated[int, Path(ge=1, le=2**62)]
BatchRef = Annotated[str, Path(min_length=1, max_length=35, pattern=r"^[A-Za-z0-9-]+$")]
Kind = Annotated[str, Query(pattern="^(" + "|".join(KINDS) + ")?$")]
Per = Annotated[str, Query(max_length=7, pattern=r"^[0-9]*$")]
Gap = Annotated[int, Query(ge=0, le=365)]
StaffView = Annotated[Principal, staff("staff.view")]
PublicityRun = Annotated[Principal, staff("publicity.run")]
DEFAULT_GAP = 7


def _per(text: str) -> int | None:
    return int(text) if text.strip() else None


def _page(cycle_id: int) -> RedirectResponse:
    return RedirectResponse(f"/staff/cycles/{cycle_id}/publicity", status_code=303)


@router.get("/cycles/{cycle_id}/publicity", response_class=HTMLResponse)
def plan_page(request: Request, store: StoreDep, me: StaffView, cycle_id: CycleId, by: Kind = "", per: Per = "",
              first_day: dt.date | None = None, every_days: Gap = DEFAULT_GAP):
    """The plan and its batches; with a split chosen, the batches it would make (nothing saved yet)."""
    plan = publicity_plan.show(cycle_id, store=store)
    preview, refused = None, ""
    if by:
        try:
            preview = publicity_plan.preview(cycle_id, store=store, by=by, per=_per(per), first_day=first_day,
                                             every_days=every_days)
        except Refused as err:
            refused = str(err)
    asked = {"by": by or "district", "per": per, "first_day": (first_day or plan.today).isoformat(),
             "every_days": every_days}
    return render(request, "staff/publicity_plan.html", {"plan": plan, "preview": preview, "refused": refused,
                                                         "asked": asked, "kinds": KINDS, "sizes": SIZE_WORDS})


@router.post("/cycles/{cycle_id}/publicity/plan", response_class=HTMLResponse)
def plan_save(store: StoreDep, me: PublicityRun, cycle_id: CycleId,
              by: Annotated[str, Form(pattern="^(" + "|".join(KINDS) + ")$")],
              first_day: Annotated[dt.date, Form()], every_days: Annotated[int, Form(ge=0, le=365)],
              per: Annotated[str, Form(max_length=7, pattern=r"^[0-9]*$")] = ""):
    """Save the previewed plan (again, while none of its batches has started)."""
    publicity_plan.plan(cycle_id, store=store, by=by, per=_per(per), first_day=first_day, every_days=every_days,
                        by_user=me.username)
    return _page(cycle_id)


@router.post("/cycles/{cycle_id}/publicity/{planned_id}/start", response_class=HTMLResponse)
def plan_start(store: StoreDep, me: PublicityRun, cycle_id: CycleId, planned_id: PlannedId):
    """A due planned batch goes to the worker (a job: its progress page follows); one not yet due is refused now."""
    planned = publicity_plan.startable(planned_id, store=store)
    if planned.cycle_id != cycle_id:
        raise Refused(f"计划批次不属于周期 {cycle_id} / the planned batch is not of cycle {cycle_id}")
    return submit_job(store, me, JobKind.PUBLICITY_START, cycle_id=cycle_id, params={"planned": str(planned_id)})


@router.post("/cycles/{cycle_id}/publicity/add", response_class=HTMLResponse)
def plan_add(store: StoreDep, me: PublicityRun, cycle_id: CycleId):
    """A further planned batch for cases identified after every planned batch started."""
    publicity_plan.add_batch(cycle_id, store=store, by_user=me.username)
    return _page(cycle_id)


@router.post("/cycles/{cycle_id}/publicity/close/{ref}", response_class=HTMLResponse)
def batch_close(store: StoreDep, me: PublicityRun, cycle_id: CycleId, ref: BatchRef):
    """Close a list once its last day has passed (Beijing)."""
    publicity.close(ref, store=store, by=me.username)
    return _page(cycle_id)
