"""Back office, "one network, one line, one specialist" (issue 16.4): the call list (units to ring and why, who calls
each, each call's outcome), "my calls", and each specialist's portfolio of key and large employers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wengang.domain.calls import CALL_REASONS, OUTCOMES
from wengang.domain.days import BEIJING
from wengang.domain.errors import Refused
from wengang.services import calllist, cycles, pushlist, queues, specialists
from wengang.services.sessions import Principal
from wengang.web.deps import AnalyticsDep, SettingsDep, StoreDep, render
from wengang.web.permissions import staff
from wengang.web.routes.public import XLSX
from wengang.web.routes.staff import chosen
from wengang.web.words import SIZE_WORDS, case_words, next_step, words

router = APIRouter(prefix="/staff", include_in_schema=False)
CycleQ = Annotated[int | None, Query(ge=1, le=2**31)]
CycleF = Annotated[int, Form(ge=1, le=2**31)]
Uscc = Annotated[str, Path(pattern=r"^[0-9A-Z]{18}$")]
UserName = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]
StaffView = Annotated[Principal, staff("staff.view")]
CallsMake = Annotated[Principal, staff("calls.make")]
SpecialistsAssign = Annotated[Principal, staff("specialists.assign")]
REASON_PATTERN = "^(" + "|".join(CALL_REASONS) + ")?$"


@router.get("/calls", response_class=HTMLResponse)
def call_list(request: Request, store: StoreDep, analytics: AnalyticsDep, settings: SettingsDep, me: StaffView,
              cycle: CycleQ = None, reason: Annotated[str, Query(pattern=REASON_PATTERN)] = "",
              mine: bool = False, unassigned: bool = False,
              district: Annotated[str, Query(pattern=r"^([0-9]{6})?$")] = "",
              page: Annotated[int, Query(ge=1, le=10_000)] = 1):
    """The units to call in a cycle and why, most urgent first, a page at a time; mine, unassigned, a reason or a
    district."""
    cycle = chosen(store, cycle)
    found = None if cycle is None else calllist.call_page(
        cycle, store=store, analytics=analytics, page=page, apply_days=settings.apply_days, reason=reason or None,
        assigned_to=me.username if mine else None, unassigned=unassigned, district=district or None)
    return render(request, "staff/calls.html", {
        "rows": found.rows if found else [], "found": found, "cycle": cycle, "cycles": cycles.list_cycles(store=store), "reason": reason, "mine": mine,
        "unassigned": unassigned, "district": district, "reasons": CALL_REASONS, "outcomes": OUTCOMES,
        "callers": specialists.callers(store=store), "masked": queues.masked_text})


def _back(cycle: int, back: str) -> str:
    return back if back.startswith("/staff/") else f"/staff/calls?cycle={cycle}"


@router.post("/calls/assign")
def call_assign(store: StoreDep, me: CallsMake, cycle: CycleF, uscc: Annotated[list[str], Form(max_length=2000)],
                to: Annotated[str, Form(max_length=40)] = "", back: Annotated[str, Form(max_length=300)] = ""):
    """Give the chosen units to oneself (no one named) or to another who may call."""
    calllist.assign(cycle, uscc, to=to.strip() or me.username, by=me.username, store=store)
    return RedirectResponse(_back(cycle, back), status_code=303)


@router.post("/calls/{uscc}/outcome")
def call_outcome(store: StoreDep, me: CallsMake, uscc: Uscc, cycle: CycleF,
                 outcome: Annotated[str, Form(pattern="^(" + "|".join(OUTCOMES) + ")$")],
                 note: Annotated[str, Form(max_length=500)] = "",
                 call_back_at: Annotated[str, Form(max_length=16)] = "",
                 back: Annotated[str, Form(max_length=300)] = ""):
    """Record one call and what it came to; a call back's time is Beijing time, as the form shows it."""
    when = None
    if outcome == "call_back":
        try:
            local = dt.datetime.fromisoformat(call_back_at)
        except ValueError:
            raise Refused("约定回电需要填写回电时间 / a call back needs a time") from None
        when = local.replace(tzinfo=BEIJING).astimezone(dt.UTC).replace(tzinfo=None)
    calllist.record(cycle, uscc, outcome=outcome, note=note, call_back_at=when, by=me.username, store=store)
    return RedirectResponse(_back(cycle, back), status_code=303)


@router.post("/calls/{uscc}/reveal", response_class=HTMLResponse)
def call_numbers(request: Request, store: StoreDep, analytics: AnalyticsDep, me: CallsMake, uscc: Uscc,
                 cycle: CycleF):
    """The unit's full numbers for the one about to call; the look is audited."""
    found = calllist.reveal(cycle, uscc, by=me.username, store=store, analytics=analytics)
    listed = "; ".join(f"{name} {phone}" for name, phone in found) or "—"
    return render(request, "message.html", {"title": ("联系电话", "Numbers to call"), "status": 200,
                                            "message": f"{uscc}: {listed}",
                                            "links": [(f"/staff/calls?cycle={cycle}", "返回电话清单",
                                                       "Back to the call list")]})


@router.get("/specialists", response_class=HTMLResponse)
def specialist_desk(request: Request, store: StoreDep, me: StaffView, cycle: CycleQ = None):
    """Every specialist and their number of units; the cycle's large employers still without one."""
    cycle = chosen(store, cycle)
    return render(request, "staff/specialists.html", {
        "everyone": specialists.everyone(store=store), "cycle": cycle, "callers": specialists.callers(store=store),
        "unassigned": [] if cycle is None else specialists.unassigned_large(cycle, store=store)})


@router.post("/specialists")
def specialist_name(store: StoreDep, me: SpecialistsAssign, uscc: Annotated[str, Form(max_length=18)],
                    to: Annotated[str, Form(max_length=40)], key: Annotated[bool, Form()] = False,
                    cycle: Annotated[int | None, Form(ge=1, le=2**31)] = None):
    """Name a unit's specialist (key: flagged by staff, whatever its size)."""
    specialists.assign(uscc, to=to.strip(), key=key, by=me.username, store=store)
    return RedirectResponse(f"/staff/specialists/{to.strip()}" + (f"?cycle={cycle}" if cycle else ""),
                            status_code=303)


@router.get("/specialists/{user}", response_class=HTMLResponse)
def specialist_portfolio(request: Request, store: StoreDep, me: StaffView, user: UserName, cycle: CycleQ = None):
    """A specialist's units: each case's state, the unit's next step, its last message and last call."""
    cycle = chosen(store, cycle)
    return render(request, "staff/portfolio.html", {
        "user": user, "cycle": cycle, "held": specialists.portfolio(user, cycle, store=store),
        "cycles": cycles.list_cycles(store=store), "next_step": next_step, "size_words": SIZE_WORDS})


@router.get("/push", response_class=HTMLResponse)
def push_list(request: Request, store: StoreDep, me: StaffView, cycle: CycleQ = None,
              page: Annotated[int, Query(ge=1, le=100_000)] = 1, q: Annotated[str, Query(max_length=100)] = ""):
    """一网: every qualifying unit of a cycle and what it was told, how far the copies got."""
    cycle = chosen(store, cycle)
    found = None if cycle is None else pushlist.push_list(cycle, store=store, page=page, search=q.strip())
    return render(request, "staff/push.html", {"found": found, "cycle": cycle, "q": q,
                                               "cycles": cycles.list_cycles(store=store)})


@router.get("/push.xlsx")
def push_export(request: Request, store: StoreDep, me: StaffView, cycle: Annotated[int, Query(ge=1, le=2**31)]):
    """The push list as a spreadsheet (at most 100,000 units); the export is audited."""
    data, _ = pushlist.export(cycle, store=store, by=me.username, state_words=lambda s: " / ".join(case_words(s)),
                              event_words=lambda k: " / ".join(words(f"message.{k}")))
    return Response(data, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="push-cycle{cycle}.xlsx"'})
