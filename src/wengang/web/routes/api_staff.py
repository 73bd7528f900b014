"""/api/v1/staff: the back office for another system; every route checks the caller's role."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field, StringConstraints

from wengang.domain.cases import State
from wengang.domain.errors import Refused
from wengang.services import (
    accounts,
    audit,
    callbacks,
    cycles,
    dashboard,
    figures,
    objections,
    payments,
    people,
    reconcile,
    review,
)
from wengang.services.sessions import Principal
from wengang.web import schemas as s
from wengang.web.deps import AnalyticsDep, SealerDep, SettingsDep, StoreDep
from wengang.web.permissions import staff
from wengang.web.routes.api_public import bearer

ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": s.Problem}, 401: {"model": s.Problem},
                                          403: {"model": s.Problem}, 404: {"model": s.Problem},
                                          409: {"model": s.Problem}}
router = APIRouter(prefix="/api/v1/staff", tags=["staff 工作人员"], responses=ERRORS, dependencies=[Depends(bearer)])
Id = Annotated[int, Path(ge=1, le=2**62)]
CycleQ = Annotated[int, Query(ge=1, le=2**31)]
Ref = Annotated[str, Path(min_length=1, max_length=35, pattern=r"^[A-Za-z0-9-]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Json = dict[str, Any]
View = Annotated[Principal, staff("staff.view")]
Review = Annotated[Principal, staff("review.decide")]
Decide = Annotated[Principal, staff("objection.decide")]
Dispatch = Annotated[Principal, staff("dispatch.confirm")]
Release = Annotated[Principal, staff("account.release")]
Verify = Annotated[Principal, staff("account.verify")]
Answer = Annotated[Principal, staff("callback.answer")]
Prepare = Annotated[Principal, staff("batch.prepare")]
Approve = Annotated[Principal, staff("batch.approve")]
Board = Annotated[Principal, staff("dashboard.view")]
Trail = Annotated[Principal, staff("audit.read")]
Cancel = Annotated[Principal, staff("batch.cancel")]
Resolve = Annotated[Principal, staff("exception.resolve")]
Check = Annotated[Principal, staff("audit.verify")]
Manage = Annotated[Principal, staff("users.manage")]
Issue = Annotated[Principal, staff("activation.issue")]


class ReviewIn(BaseModel):
    accept: bool
    reason: Text
    version: int | None = None


class ObjectionDecision(BaseModel):
    sustain: bool
    reason: Text


class DispatchIn(BaseModel):
    employer: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    version: int | None = None


class HoldIn(BaseModel):
    note: Text
    version: int | None = None


class VerifyIn(BaseModel):
    accept: bool
    note: Text


class AnswerIn(BaseModel):
    answer: Text


class ResolveIn(BaseModel):
    resolution: Text


class UserIn(BaseModel):
    username: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    role: Annotated[str, StringConstraints(min_length=1, max_length=12)]
    phone: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    display_name: Annotated[str, StringConstraints(max_length=100)] | None = None


class ActivationIn(BaseModel):
    uscc: s.Uscc
    phone: Annotated[str, StringConstraints(max_length=20)] | None = None


class PrepareIn(BaseModel):
    cycle_id: Annotated[int, Field(ge=1, le=2**31)]


def case_out(case) -> Json:
    """A case as the staff API returns it after an action."""
    return {"id": case.id, "uscc": case.uscc, "state": case.state.value, "version": case.version}


@router.get("/desk", response_model=Json)
def desk(store: StoreDep, me: View, cycle: CycleQ):
    """工作台 / every queue's length for a cycle."""
    return s.plain(dashboard.desk(cycle, store=store))


@router.get("/queues/{name}", response_model=list[Json])
def queue(store: StoreDep, me: View, name: Annotated[str, Path(pattern="^(review|dispatch|held)$")], cycle: CycleQ):
    """待办队列 / cases waiting in review, for dispatch confirmation, or held for an account."""
    if name == "review":
        return s.plain([{**case_out(r.case), "name": r.case.name, "amount": r.case.amount,
                         "reason": r.case.reason, "pending_applications": [a.id for a in r.pending],
                         "open_objections": [o.id for o in r.objections]}
                        for r in dashboard.review_queue(cycle, store=store)])
    state = State.DISPATCH if name == "dispatch" else State.ACCOUNT_HELD
    return s.plain([{**case_out(c), "name": c.name, "amount": c.amount}
                    for c in cycles.cases(cycle, store=store, state=state.value, limit=100)])


@router.post("/cases/{case_id}/review", response_model=Json)
def decide_review(store: StoreDep, me: Review, case_id: Id, body: ReviewIn):
    """审核 / accept (with an application) or reject a case in review, with a reason."""
    return case_out(review.decide(case_id, store=store, accept=body.accept, reason=body.reason, by=me.username,
                                  expected_version=body.version))


@router.post("/cases/{case_id}/dispatch", response_model=Json)
def confirm_dispatch(store: StoreDep, me: Dispatch, case_id: Id, body: DispatchIn):
    """用工单位确认 / the actual employer confirmed the dispatched staff."""
    return case_out(review.confirm_dispatch(case_id, store=store, employer=body.employer, by=me.username,
                                            expected_version=body.version))


@router.post("/cases/{case_id}/account-hold", response_model=Json)
def release_hold(store: StoreDep, me: Release, case_id: Id, body: HoldIn):
    """账户确认 / a usable account was confirmed: the hold is released."""
    return case_out(review.confirm_account(case_id, store=store, note_text=body.note, by=me.username,
                                           expected_version=body.version))


@router.get("/objections", response_model=list[Json])
def open_objections(store: StoreDep, me: View, cycle: CycleQ):
    """待处理异议 / open objections on the cycle's lists, contacts masked."""
    return s.plain(dashboard.open_objections(cycle, store=store))


@router.post("/objections/{objection_id}", response_model=Json)
def decide_objection(store: StoreDep, me: Decide, objection_id: Id, body: ObjectionDecision):
    """处理异议 / sustain (the case is rejected) or dismiss, with a reason."""
    return s.plain(objections.decide(objection_id, store=store, sustain=body.sustain, reason=body.reason,
                                     by=me.username))


@router.get("/accounts/pending", response_model=list[Json])
def accounts_pending(store: StoreDep, me: View):
    """待核验账户 / account changes waiting for a second person, masked."""
    return s.plain(accounts.pending(store=store))


@router.post("/accounts/{account_id}/verification", response_model=Json)
def verify_account(store: StoreDep, me: Verify, account_id: Id, body: VerifyIn):
    """核验账户 / a second person accepts or refuses a changed account."""
    return s.plain(accounts.verify(account_id, store=store, by=me.username, accept=body.accept, note=body.note))


@router.get("/callbacks", response_model=list[Json])
def callback_queue(store: StoreDep, me: View,
                   status: Annotated[str | None, Query(pattern="^(open|answered)$")] = None):
    """呼我必回 / callback requests with their minutes to answer, phones masked."""
    return s.plain(callbacks.listing(store=store, status=status))


@router.post("/callbacks/{callback_id}/answer", response_model=Json)
def answer(store: StoreDep, me: Answer, callback_id: Id, body: AnswerIn):
    """答复 / close a callback with its answer (sent to the caller by SMS)."""
    return s.plain(callbacks.answer(callback_id, store=store, text=body.answer, by=me.username))


@router.get("/batches", response_model=list[Json])
def batches(store: StoreDep, me: View, cycle: Annotated[int | None, Query(ge=1, le=2**31)] = None):
    """支付批次 / payment batches, of one cycle or all."""
    return s.plain(payments.list_batches(store=store, cycle_id=cycle))


@router.post("/batches", response_model=Json, status_code=201)
def prepare(store: StoreDep, analytics: AnalyticsDep, settings: SettingsDep, me: Prepare, body: PrepareIn):
    """准备支付批次 / one batch per bank; the preparer may not approve it."""
    made = payments.prepare_batches(body.cycle_id, store=store, analytics=analytics, settings=settings,
                                    by=me.username)
    return s.plain({"batches": made.batches, "skipped": [{"uscc": u, "why": w} for u, w in made.skipped]})


@router.get("/batches/{ref}", response_model=Json)
def batch(store: StoreDep, me: View, ref: Ref):
    """支付批次详情 / one batch with its attempts by status."""
    detail = payments.batch_detail(ref, store=store)
    return {**s.plain(detail.batch), "attempts": s.plain(detail.attempts)}


@router.post("/batches/{ref}/approval", response_model=Json)
def approve(store: StoreDep, settings: SettingsDep, me: Approve, ref: Ref):
    """审批 / four eyes: the preparer is refused."""
    return s.plain(payments.approve_batch(ref, store=store, settings=settings, by=me.username))


class CancelIn(BaseModel):
    reason: Text


@router.post("/batches/{ref}/cancellation", response_model=Json)
def cancel(store: StoreDep, me: Cancel, ref: Ref, body: CancelIn):
    """作废 / a batch whose file never left: approved money goes back to the fund, its cases wait again."""
    made = payments.cancel_batch(ref, store=store, by=me.username, reason=body.reason)
    return {**s.plain(made.batch), "cancelled": made.cancelled}


@router.get("/exceptions", response_model=list[Json])
def exceptions(store: StoreDep, me: View):
    """支付异常 / bank records that could not be applied."""
    return [{**s.plain(e), "words": e.words} for e in reconcile.open_exceptions(store=store)]


@router.post("/exceptions/{exception_id}/resolution", response_model=Json)
def resolve_exception(store: StoreDep, me: Resolve, exception_id: Id, body: ResolveIn):
    """处理支付异常 / close an exception with what was done."""
    return s.plain(reconcile.resolve_exception(exception_id, store=store, by=me.username, resolution=body.resolution))


@router.post("/audit/verification", response_model=Json)
def verify_chain(store: StoreDep, me: Check):
    """核验审计链 / walk the whole hash chain; every edited, missing or reordered entry is named."""
    result = audit.verify_log(store=store)
    return {"ok": result.ok, "entries": result.entries, "problems": [str(p) for p in result.problems],
            "total_problems": result.total_problems}


@router.get("/users", response_model=list[Json])
def users(store: StoreDep, me: Manage):
    """用户 / every user, no hashes, phones masked."""
    return s.plain(people.list_users(store=store))


@router.post("/users", response_model=Json, status_code=201)
def add_user(store: StoreDep, sealer: SealerDep, me: Manage, body: UserIn):
    """新建工作人员 / add a member of staff: the code goes to their own phone, the role waits for the security
    officer."""
    return s.plain(people.invite_staff(body.username, body.role, store=store, by=me.username, phone=body.phone,
                                       sealer=sealer, display_name=body.display_name))


@router.post("/activation", response_model=Json, status_code=201)
def send_activation(store: StoreDep, sealer: SealerDep, me: Issue, body: ActivationIn):
    """发送激活码 / the code goes to the unit through the outbox, sealed; it is never in this answer. An activated
    unit gets a re-activation request instead (status `requested`), which another person approves."""
    return s.plain(people.issue_activation(body.uscc, store=store, by=me.username, sealer=sealer, phone=body.phone))


@router.get("/cycles/{cycle_id}/dashboard", response_model=Json)
def cycle_dashboard(store: StoreDep, analytics: AnalyticsDep, me: Board, cycle_id: Id):
    """周期统计 / counts, money, SME coverage, processing days (money as exact text)."""
    return s.plain(dashboard.cycle_dashboard(cycle_id, store=store, analytics=analytics))


@router.get("/figures", response_model=Json)
def figures_board(store: StoreDep, me: Board, cycle: Annotated[int | None, Query(ge=1, le=2**31)] = None,
                  year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                  by: Annotated[str, Query(pattern="^(district|size|industry|unit_type|program)$")] = "district"):
    """统计看板 / the dashboard of a cycle or a year (issue 19.2): units, money, employees covered, SME coverage,
    days to money, failed payments, broken down `by` one breakdown; counted by the database (money as exact text)."""
    if cycle is None and year is None:
        raise Refused("请给出周期或年度 / give a cycle or a year")
    return s.plain(figures.board(store=store, cycle_id=None if year else cycle, year=year, by=by))


@router.get("/cases/{case_id}/audit", response_model=Json)
def case_audit(store: StoreDep, me: Trail, case_id: Id):
    """审计轨迹 / every hash-chained entry about the case."""
    h = audit.history(case_id, store=store)
    return s.plain({"case": h.case, "entries": [e._asdict() for e in h.entries], "applications": h.applications,
                    "objections": h.objections, "reverifications": h.reverifications})
