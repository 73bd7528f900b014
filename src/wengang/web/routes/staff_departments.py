"""Back office, Hongkou's joint review (issue 17.3): a department's member sees the units of its industries waiting
for its word in a cycle, and confirms or declines each (a decline with the reason the unit will read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from wengang.domain.departments import REASON_MAX
from wengang.rules.criteria import INDUSTRY_WORDS
from wengang.services import departments
from wengang.services.sessions import Principal
from wengang.web.deps import AnalyticsDep, StoreDep, render
from wengang.web.permissions import staff

router = APIRouter(prefix="/staff/departments", include_in_schema=False)
CycleId = Annotated[int, Path(ge=1, le=2**31)]
Uscc = Annotated[str, Path(pattern=r"^[0-9A-Z]{18}$")]
StaffView = Annotated[Principal, staff("staff.view")]
Confirming = Annotated[Principal, staff("department.confirm")]


@router.get("", response_class=HTMLResponse)
def department_desk(request: Request, store: StoreDep, analytics: AnalyticsDep, me: StaffView,
                    cycle: Annotated[int | None, Query(ge=1, le=2**31)] = None):
    """The signed-in member's department: its units waiting in the chosen joint-review cycle, and those decided."""
    joint = [c for c, pack in departments.joint_cycles(store=store)
             if me.department in {d.id for d in pack.departments}]
    chosen = next((c for c in joint if c.id == cycle), joint[-1] if joint else None)
    found = None if chosen is None or me.department is None else departments.queue(
        chosen.id, me.department, store=store, analytics=analytics)
    return render(request, "staff/departments.html", {
        "queue": found, "cycles": joint, "chosen": chosen, "member": me.department is not None,
        "industry": lambda code: INDUSTRY_WORDS.get(code, ("其他行业", "other industry")), "reason_max": REASON_MAX})


@router.post("/{cycle}/{uscc}")
def department_decide(store: StoreDep, analytics: AnalyticsDep, me: Confirming, cycle: CycleId, uscc: Uscc,
                      decision: Annotated[str, Form(pattern="^(confirm|decline)$")],
                      department: Annotated[str, Form(max_length=40)],
                      reason: Annotated[str, Form(max_length=REASON_MAX)] = "",
                      version: Annotated[int | None, Form(ge=1)] = None):
    """Confirm or decline one unit as the signed-in member of the department named (the service checks both)."""
    if decision == "confirm":
        departments.confirm(cycle, uscc, department_id=department, store=store, analytics=analytics,
                            by=me.username, expected_version=version)
    else:
        departments.decline(cycle, uscc, department_id=department, reason=reason, store=store, analytics=analytics,
                            by=me.username, expected_version=version)
    return RedirectResponse(f"/staff/departments?cycle={cycle}", status_code=303)
