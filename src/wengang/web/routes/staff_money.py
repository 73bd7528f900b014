"""Back office, money and oversight: payment batches with four eyes, payment exceptions, audit trails."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from wengang.domain.payment_batches import band_of
from wengang.services import audit, cycles, failed_payments, payments, portal, reconcile
from wengang.services.sessions import Principal
from wengang.web.deps import AnalyticsDep, SettingsDep, StoreDep, render
from wengang.web.permissions import staff
from wengang.web.routes.staff import CycleQ, chosen, done
from wengang.web.words import bank_reason, words

router = APIRouter(prefix="/staff", include_in_schema=False)
Ref = Annotated[str, Path(min_length=1, max_length=35, pattern=r"^[A-Za-z0-9-]+$")]
Search = Annotated[str, Query(max_length=60)]
Page = Annotated[int, Query(ge=1, le=1_000_000)]
Step = Annotated[str, Query(pattern="^(" + "|".join(failed_payments.STEPS) + ")?$")]
StaffView = Annotated[Principal, staff("staff.view")]
AuditRead = Annotated[Principal, staff("audit.read")]
AuditVerify = Annotated[Principal, staff("audit.verify")]
BatchPrepare = Annotated[Principal, staff("batch.prepare")]
BatchApprove = Annotated[Principal, staff("batch.approve")]
ExceptionResolve = Annotated[Principal, staff("exception.resolve")]
BatchCancel = Annotated[Principal, staff("batch.cancel")]


@router.get("/batches", response_class=HTMLResponse)
def batch_list(request: Request, store: StoreDep, me: StaffView, cycle: CycleQ = None):
    """The cycle's payment batches and how many cases are payable now."""
    cycle = chosen(store, cycle)
    rows = payments.list_batches(store=store, cycle_id=cycle) if cycle else []
    counts = cycles.status(cycle, store=store).counts if cycle else {}
    return render(request, "staff/batches.html", {"rows": list(reversed(rows)), "cycle": cycle,
                                                  "payable": counts.get("re-verified", (0, 0)),
                                                  "failed": counts.get("failed", (0, 0))})


@router.post("/batches/prepare", response_class=HTMLResponse)
def batch_prepare(request: Request, store: StoreDep, analytics: AnalyticsDep, settings: SettingsDep, me: BatchPrepare,
                  cycle: Annotated[int, Form(ge=1, le=2**31)]):
    """One batch per bank of every payable case; the preparer is recorded and may not approve."""
    made = payments.prepare_batches(cycle, store=store, analytics=analytics, settings=settings, by=me.username)
    numbers = ", ".join(b.number for b in made.batches) or "—"
    skipped = f"; {len(made.skipped)} 个案件未能入批 / cases left out" if made.skipped else ""
    return done(request, f"已准备 {len(made.batches)} 个批次 / prepared {len(made.batches)} batches: {numbers}{skipped}",
                f"/staff/batches?cycle={cycle}")


@router.get("/batches/{ref}", response_class=HTMLResponse)
def batch_view(request: Request, store: StoreDep, settings: SettingsDep, me: StaffView, ref: Ref,
               q: Search = "", page: Page = 1):
    """One batch: who prepared and approved it, its attempts by status, and its payees (paged, searched by unit name
    or credit code, with the totals of what matches; accounts masked)."""
    detail = payments.batch_detail(ref, store=store)
    payees = payments.batch_payees(ref, store=store, search=q, page=page)
    band = band_of(detail.batch.total, settings.approval_bands)
    return render(request, "staff/batch.html", {"b": detail.batch, "attempts": detail.attempts, "p": payees,
                                                "band": band})


@router.post("/batches/{ref}/send-back", response_class=HTMLResponse)
def batch_send_back(me: BatchApprove, store: StoreDep, ref: Ref,
                    reason: Annotated[str, Form(min_length=1, max_length=2000)]):
    """An approver sends a waiting batch back to its preparer with a reason (audited); the page then says so."""
    made = payments.send_back_batch(ref, store=store, by=me.username, reason=reason)
    return RedirectResponse(f"/staff/batches/{made.number}", status_code=303)


@router.post("/batches/{ref}/cancel", response_class=HTMLResponse)
def batch_cancel(request: Request, store: StoreDep, me: BatchCancel, ref: Ref,
                 reason: Annotated[str, Form(min_length=1, max_length=2000)]):
    """A batch whose file never left is cancelled; approved money goes back to the fund."""
    made = payments.cancel_batch(ref, store=store, by=me.username, reason=reason)
    number = made.batch.number
    return done(request, f"批次 {number} 已作废, {made.cancelled} 笔退回 / batch {number} "
                         f"cancelled: {made.cancelled} payments back", f"/staff/batches/{number}")


@router.post("/batches/{ref}/approve", response_class=HTMLResponse)
def batch_approve(request: Request, store: StoreDep, settings: SettingsDep, me: BatchApprove, ref: Ref):
    """Four eyes: refused (and nothing changes) when the approver prepared the batch."""
    made = payments.approve_batch(ref, store=store, settings=settings, by=me.username)
    status = words(made.status)
    return done(request, f"批次 {made.number}: {status[0]} / batch {made.number}: {status[1]}",
                f"/staff/batches/{made.number}")


@router.get("/exceptions", response_class=HTMLResponse)
def exception_queue(request: Request, store: StoreDep, settings: SettingsDep, me: StaffView, cycle: CycleQ = None,
                    q: Search = "", step: Step = "", page: Page = 1):
    """The failed payments of a cycle as a worklist (the bank's reason in words, whether the unit corrected its
    account, days left before recovery, where the re-issue stands), and bank records that could not be applied."""
    cycle = chosen(store, cycle)
    work = failed_payments.worklist(cycle, store=store, recovery_days=settings.recovery_days, step=step, search=q,
                                    page=page) if cycle else None
    return render(request, "staff/exceptions.html", {
        "work": work, "cycle": cycle, "steps": failed_payments.STEPS, "reference": settings.recovery_reference,
        "rows": reconcile.open_exceptions(store=store), "bank_reason": bank_reason})


@router.post("/exceptions/{exception_id}", response_class=HTMLResponse)
def exception_resolve(request: Request, store: StoreDep, me: ExceptionResolve,
                      exception_id: Annotated[int, Path(ge=1, le=2**62)],
                      resolution: Annotated[str, Form(max_length=2000)]):
    """Close an exception with what was done about it."""
    reconcile.resolve_exception(exception_id, store=store, by=me.username, resolution=resolution)
    return done(request, f"异常 #{exception_id} 已处理 / exception #{exception_id} resolved", "/staff/exceptions")


@router.get("/cases", response_class=HTMLResponse)
def case_search(request: Request, store: StoreDep, me: AuditRead,
                q: Annotated[str, Query(max_length=18)] = ""):
    """Find a case by its number or a unit's credit code."""
    q = q.strip().upper()
    found = [{"case_id": int(q)}] if q.isdigit() else portal.progress(q, store=store) if q else []
    return render(request, "staff/cases.html", {"q": q, "found": found})


@router.post("/audit/verify", response_class=HTMLResponse)
def audit_verify(request: Request, store: StoreDep, me: AuditVerify):
    """Walk the whole hash chain now; any edited, missing or reordered entry is named."""
    result = audit.verify_log(store=store)
    shown = "; ".join(str(p) for p in result.problems[:5])
    message = (f"审计链完整: {result.entries:,} 条 / the chain verifies: {result.entries:,} entries" if result.ok else
               f"发现 {result.total_problems} 处问题 / {result.total_problems} problems: {shown}")
    return render(request, "message.html", {"title": ("审计核验", "Audit check"), "message": message,
                                            "status": 200 if result.ok else 409})
