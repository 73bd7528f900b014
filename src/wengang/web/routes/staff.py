"""The staff back office: the desk and its queues (review, objections, dispatch, held accounts, callbacks)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wengang.domain.errors import DomainError, Refused
from wengang.domain.queues import MAX_BULK, PER_PAGE, BulkOutcome, CaseQuery, case_query
from wengang.services import (
    accounts,
    callbacks,
    casepage,
    cycles,
    dashboard,
    duty,
    objections,
    portal,
    queues,
    renames,
    review,
    supplied,
)
from wengang.services.sessions import Principal
from wengang.web.deps import AnalyticsDep, StoreDep, render
from wengang.web.errors import domain_status
from wengang.web.permissions import Forbidden, may, staff
from wengang.web.words import CASE_STATES, SIZE_WORDS, case_state, case_words, rule_reasons, words

router = APIRouter(prefix="/staff", include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**62)]
CycleQ = Annotated[int | None, Query(ge=1, le=2**31)]
Reason = Annotated[str, Form(max_length=2000)]
Version = Annotated[int | None, Form(ge=1)]
AccountRelease = Annotated[Principal, staff("account.release")]
AccountVerify = Annotated[Principal, staff("account.verify")]
CallbackAnswer = Annotated[Principal, staff("callback.answer")]
CaseRename = Annotated[Principal, staff("case.rename")]
DispatchConfirm = Annotated[Principal, staff("dispatch.confirm")]
ObjectionDecide = Annotated[Principal, staff("objection.decide")]
ReviewDecide = Annotated[Principal, staff("review.decide")]
StaffView = Annotated[Principal, staff("staff.view")]
AuditRead = Annotated[Principal, staff("audit.read")]
CaseClose = Annotated[Principal, staff("payments.recover")]
Fact = Annotated[str, Form(max_length=40)]
Evidence = Annotated[str, Form(max_length=500)]


def chosen(store, cycle: int | None) -> int | None:
    """The cycle a queue shows: the one asked for, else the newest."""
    return cycle or dashboard.latest_cycle_id(store=store)


def done(request: Request, message: str, back: str):
    """After an action: what was done, and the way back to the queue."""
    return render(request, "message.html", {"title": ("已完成", "Done"), "status": 200, "message": message,
                                            "links": [(back, "返回队列", "Back to the queue")]})


@router.get("", response_class=HTMLResponse)
def desk(request: Request, store: StoreDep, me: StaffView, cycle: CycleQ = None):
    """Every queue's length at a glance."""
    cycle = chosen(store, cycle)
    return render(request, "staff/desk.html", {"d": dashboard.desk(cycle, store=store),
                                               "cycles": cycles.list_cycles(store=store)})


@dataclass(frozen=True)
class Queue:
    """A staff list of cases: the states it holds (none fixed: the clerk picks), its bulk actions (action, the
    permission it needs, its words) and the page it lives on."""

    name: str
    title: tuple[str, str]
    path: str
    states: tuple[str, ...] = ()
    actions: tuple[tuple[str, str, str, str], ...] = ()
    reason_words: tuple[str, str] = ("理由", "reason")


QUEUES = {q.name: q for q in (
    Queue("cases", ("周期案件", "Cases of a cycle"), "/staff/queue"),
    Queue("review", ("待审核 (申请与人工审核)", "Review: applications and manual review"), "/staff/review", ("review", "review-listed"),
          (("review.accept", "review.decide", "通过", "Accept"), ("review.reject", "review.decide", "不通过", "Reject"))),
    Queue("dispatch", ("劳务派遣: 待用工单位确认", "Labour dispatch: waiting for the actual employer"), "/staff/dispatch",
          ("dispatch-confirmation",), (("dispatch.confirm", "dispatch.confirm", "已确认", "Confirmed"),),
          ("用工单位", "actual employer")),
    Queue("held", ("暂缓: 无可用账户", "Held: no usable account"), "/staff/accounts", ("account-held",),
          (("account.release", "account.release", "账户已确认", "Account confirmed"),),
          ("账户来源", "where the account comes from")),
)}
Text = Annotated[str | None, Query(max_length=100)]
Page = Annotated[int | None, Query(ge=1, le=1_000_000)]
PerPage = Annotated[int | None, Query(ge=1, le=1_000)]


@dataclass(frozen=True)
class Asked:
    """The query part of a queue's URL, as the filter bar sends it."""

    cycle: int | None = None
    state: str | None = None
    district: str | None = None
    reason: str | None = None
    q: str | None = None
    sort: str | None = None
    page: int | None = None
    per_page: int | None = None
    size: str | None = None
    changed_from: str | None = None
    changed_to: str | None = None
    program: str | None = None
    industry: str | None = None
    unit_type: str | None = None
    kept: str | None = None            # "1": only cases whose money stayed (a paid figure's drill-down)

    def query(self, queue: Queue, cycle: int) -> CaseQuery:
        """The list's query; `state` may name several states, comma-separated (a dashboard figure's drill-down)."""
        states = queue.states or (tuple(self.state.split(",")) if self.state else ())
        return case_query(cycle, states=states, district=self.district, reason=self.reason, q=self.q,
                          size=self.size, changed_from=self.changed_from, changed_to=self.changed_to,
                          program=self.program, industry=self.industry, unit_type=self.unit_type,
                          sort=self.sort, page=self.page, per_page=self.per_page, kept=self.kept == "1")

    def link(self, **changes) -> str:
        """This URL's query string with some parts changed (the pager's links)."""
        from urllib.parse import urlencode

        values = {**self.__dict__, **changes}
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def asked(cycle: CycleQ = None, state: Text = None, district: Text = None, reason: Text = None, q: Text = None,
          sort: Text = None, page: Page = None, per_page: PerPage = None, size: Text = None,
          changed_from: Text = None, changed_to: Text = None, program: Text = None, industry: Text = None,
          unit_type: Text = None, kept: Text = None) -> Asked:
    return Asked(cycle, state, district, reason, q, sort, page, per_page, size, changed_from, changed_to, program,
                 industry, unit_type, kept)


AskedDep = Annotated[Asked, Depends(asked)]


def queue_page(request: Request, store, queue: Queue, a: Asked, *, extra: dict | None = None,
               outcome=None, problem: str | None = None, status: int = 200):
    """A queue as a page, or (htmx) as the fragment its table sits in; a bad filter is said, never a traceback."""
    cycle = chosen(store, a.cycle)
    a = replace(a, cycle=cycle)
    page = None
    if cycle:
        try:
            page = queues.page(a.query(queue, cycle), store=store, applications=queue.name == "review")
        except Refused as exc:                  # a bad filter: said above an empty table
            problem, status = str(exc), 422
    context = {"queue": queue, "a": a, "p": page, "cycle": cycle, "outcome": outcome, "problem": problem,
               "cycles": cycles.list_cycles(store=store), "states": CASE_STATES, "per_pages": PER_PAGE,
               "sizes": SIZE_WORDS, "max_bulk": MAX_BULK, **(extra or {})}
    if request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "queue":
        return render(request, "staff/_queue.html", context, 200)       # htmx swaps only a 2xx answer
    return render(request, "staff/queue.html", context, status)


def in_place(request: Request, store, name: str, a: Asked, action: str, case_id: int, version: int | None,
             reason: str, me: Principal, *, extra: dict | None = None):
    """A row's own action: the queue comes back with what happened to the case in words (htmx swaps the table; without
    script the whole page); a stale row or a refused move is said above the table and changes nothing."""
    queue = QUEUES[name]
    try:
        moved = queues.ACTIONS[action](case_id, version, store=store, reason=reason, by=me.username)
    except DomainError as exc:
        return queue_page(request, store, queue, a, extra=extra, problem=str(exc), status=domain_status(exc))
    return queue_page(request, store, queue, a, extra=extra, outcome=BulkOutcome([(moved.id, moved.state.value)], []))


@router.get("/queue", response_class=HTMLResponse)
def case_list(request: Request, store: StoreDep, me: StaffView, a: AskedDep):
    """Every case of a cycle: total, pages, filters, search by name or credit code, sort, xlsx."""
    return queue_page(request, store, QUEUES["cases"], a)


@router.get("/review", response_class=HTMLResponse)
def review_queue(request: Request, store: StoreDep, me: StaffView, a: AskedDep):
    """Cases in review with their pending applications."""
    return queue_page(request, store, QUEUES["review"], a)


@router.get("/queues/{name}.xlsx")
def queue_export(store: StoreDep, me: StaffView, name: Annotated[str, Path(pattern="^(cases|review|dispatch|held)$")],
                 a: AskedDep):
    """The queue's filtered rows (every page) as xlsx, personal data masked; the export is audited."""
    queue = QUEUES[name]
    cycle = chosen(store, a.cycle)
    if cycle is None:
        raise Refused("还没有周期 / no cycle yet")
    data, _ = queues.export(a.query(queue, cycle), store=store, by=me.username,
                            state_words=lambda v: " / ".join(case_state(v)), reason_words=rule_reasons)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}-cycle{cycle}.xlsx"'})


@router.post("/queues/{name}/bulk", response_class=HTMLResponse)
def queue_bulk(request: Request, store: StoreDep, me: StaffView,
               name: Annotated[str, Path(pattern="^(review|dispatch|held)$")],
               action: Annotated[str, Form(max_length=40)], reason: Reason, a: AskedDep,
               pick: Annotated[list[str] | None, Form(max_length=MAX_BULK)] = None,
               every: Annotated[bool, Form()] = False):
    """One action, one reason, on the chosen rows or on every row the filter matches (at most MAX_BULK): each case
    goes through the single action's service (its checks, its audit entry); the table comes back re-rendered."""
    queue = QUEUES[name]
    permission = next((perm for act, perm, *_ in queue.actions if act == action), None)
    if permission is None:
        raise Refused(f"此队列没有这个操作 / this queue has no action {action}")
    if not may(me, permission):
        raise Forbidden(permission)
    try:
        cycle = chosen(store, a.cycle)
        if every:
            if cycle is None:
                raise Refused("还没有周期 / no cycle yet")
            chosen_cases: list[tuple[int, int | None]] = [
                (i, None) for i in queues.matching_ids(a.query(queue, cycle), store=store, limit=MAX_BULK + 1)]
        else:
            chosen_cases = [_picked(p) for p in pick or []]
        outcome = queues.bulk(action, chosen_cases, reason=reason, by=me.username, store=store)
    except Refused as exc:
        return queue_page(request, store, queue, a, problem=str(exc), extra={"kept_reason": reason}, status=422)
    return queue_page(request, store, queue, a, outcome=outcome)


def _picked(value: str) -> tuple[int, int | None]:
    """"case:version" from a row's checkbox."""
    case_id, _, version = value.partition(":")
    if not case_id.isdigit() or not (version.isdigit() or version == ""):
        raise Refused(f"无法识别的选择 / not a chosen row: {value[:20]}")
    return int(case_id), int(version) if version else None


@router.post("/review/{case_id}", response_class=HTMLResponse)
def review_decide(request: Request, store: StoreDep, me: ReviewDecide, case_id: Id, reason: Reason, a: AskedDep,
                  decision: Annotated[str, Form(pattern="^(accept|reject)$")], version: Version = None):
    """Accept (the case goes on) or reject, always with a reason, in place; a stale row is refused, not applied."""
    return in_place(request, store, "review", a, f"review.{decision}", case_id, version, reason, me)


@router.get("/objections", response_class=HTMLResponse)
def objection_queue(request: Request, store: StoreDep, me: StaffView, cycle: CycleQ = None, q: Text = None,
                    page: Page = None):
    """Open objections on the cycle's lists: how many, searched by unit name or credit code, fifty a page."""
    cycle = chosen(store, cycle)
    found = dashboard.objection_page(cycle, store=store, search=q or "", page=page or 1) if cycle else None
    return render(request, "staff/objections.html", {"p": found, "rows": found.rows if found else [], "cycle": cycle})


@router.post("/objections/{objection_id}", response_class=HTMLResponse)
def objection_decide(request: Request, store: StoreDep, me: ObjectionDecide, objection_id: Id,
                     reason: Reason, decision: Annotated[str, Form(pattern="^(sustain|dismiss)$")]):
    """Sustained removes the case from payment; dismissed puts it back on the list."""
    made = objections.decide(objection_id, store=store, sustain=decision == "sustain", reason=reason, by=me.username)
    status, state = words(f"objection.{made.status}"), case_words(made.case_state)
    return done(request, f"异议 #{made.id}: {status[0]}; 案件 {made.case_id} → {state[0]} / "
                f"objection #{made.id} {status[1]}; case {made.case_id}: {state[1]}", "/staff/objections")


@router.get("/dispatch", response_class=HTMLResponse)
def dispatch_queue(request: Request, store: StoreDep, me: StaffView, a: AskedDep):
    """Labour-dispatch cases waiting for the actual employer's confirmation."""
    return queue_page(request, store, QUEUES["dispatch"], a)


@router.post("/dispatch/{case_id}", response_class=HTMLResponse)
def dispatch_confirm(request: Request, store: StoreDep, me: DispatchConfirm, case_id: Id, a: AskedDep,
                     employer: Annotated[str, Form(max_length=200)], version: Version = None):
    """The actual employer confirmed: the case goes on to its next gate, in place."""
    return in_place(request, store, "dispatch", a, "dispatch.confirm", case_id, version, employer, me)


@router.get("/accounts", response_class=HTMLResponse)
def account_queue(request: Request, store: StoreDep, me: StaffView, a: AskedDep):
    """Held cases (no usable account) and account changes waiting for a second person."""
    return queue_page(request, store, QUEUES["held"], a, extra={"pending": accounts.pending(store=store)})


@router.post("/accounts/held/{case_id}", response_class=HTMLResponse)
def release_hold(request: Request, store: StoreDep, me: AccountRelease, case_id: Id, note: Reason, a: AskedDep,
                 version: Version = None):
    """A usable account was confirmed for a held case: it goes on, in place."""
    return in_place(request, store, "held", a, "account.release", case_id, version, note, me,
                    extra={"pending": accounts.pending(store=store)})


@router.post("/accounts/{account_id}", response_class=HTMLResponse)
def verify_account(request: Request, store: StoreDep, me: AccountVerify, account_id: Id, note: Reason,
                   decision: Annotated[str, Form(pattern="^(accept|refuse)$")]):
    """A second person checks a changed account before any payment uses it."""
    made = accounts.verify(account_id, store=store, by=me.username, accept=decision == "accept", note=note)
    status = words(f"account.{made.status}")
    return done(request, f"账户 #{account_id}: {status[0]} / account #{account_id}: {status[1]}", "/staff/accounts")


@router.get("/callbacks", response_class=HTMLResponse)
def callback_queue(request: Request, store: StoreDep, me: StaffView,
                   office: Annotated[str | None, Query(max_length=12, pattern=r"^(city|\d{6})?$")] = None):
    """Open requests, oldest first, with their office, due time (Beijing) and whether they are overdue or were
    escalated, of one office if chosen; htmx refreshes the table."""
    office = office or None
    context = {"open": callbacks.listing(store=store, status="open", office=office),
               "answered": callbacks.listing(store=store, status="answered", limit=50, office=office),
               "stats": callbacks.stats(store=store), "offices": duty.offices(store=store), "office": office}
    name = "staff/_callbacks.html" if request.headers.get("hx-request") == "true" else "staff/callbacks.html"
    return render(request, name, context)


@router.post("/callbacks/{callback_id}", response_class=HTMLResponse)
def callback_answer(request: Request, store: StoreDep, me: CallbackAnswer, callback_id: Id,
                    answer: Reason):
    """Close a callback with its answer; the caller gets it by SMS, the minutes are kept."""
    made = callbacks.answer(callback_id, store=store, text=answer, by=me.username)
    return done(request, f"回电请求 #{made.id} 已答复, 用时 {made.minutes_to_answer} 分钟 / callback "
                f"#{made.id} answered after {made.minutes_to_answer} minutes", "/staff/callbacks")


@router.post("/callbacks/{callback_id}/reveal", response_class=HTMLResponse)
def callback_number(request: Request, store: StoreDep, me: CallbackAnswer, callback_id: Id):
    """Numbers are masked in the queue; the one calling back sees the whole number once more, audited."""
    phone = callbacks.reveal(callback_id, store=store, by=me.username)
    return render(request, "staff/callback_number.html", {
        "id": callback_id, "phone": phone, "history": callbacks.history(callback_id, store=store)})


@router.post("/cases/{case_id}/rename", response_class=HTMLResponse)
def case_rename(request: Request, store: StoreDep, me: CaseRename, case_id: Id,
                name: Annotated[str, Form(max_length=1000)], reason: Reason, version: Version = None):
    """Correct a unit name no bank file takes (audited with both names and the reason), so the case can be paid."""
    case = renames.rename(case_id, store=store, name=name, reason=reason, by=me.username, expected_version=version)
    return done(request, f"案件 {case.id} 的名称已更正为 {case.name} / case {case.id} is now named {case.name}",
                f"/staff/cases/{case.id}")


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, store: StoreDep, analytics: AnalyticsDep, me: AuditRead, case_id: Id):
    """Everything about one case, and one form for each step its state allows that is taken on the case itself."""
    return _case(request, store, analytics, case_id)


def _case(request: Request, store, analytics, case_id: int, *, preview: review.Redecision | None = None,
          typed: dict[str, str] | None = None, error: str | None = None, status: int = 200):
    page = casepage.case_page(case_id, store=store, analytics=analytics)
    if typed is None:                   # the review-with-data form starts from what the unit claimed (the reviewer decides)
        claimed = casepage.claimed_form(page.history.applications, store=store)
        typed = claimed or None
    return render(request, "staff/case.html", {
        "p": page, "h": page.history, "local": portal.local_time, "stuck": page.stuck, "facts": supplied.FACTS,
        "sizes": supplied.SIZE_WORDS, "preview": preview, "typed": typed or {}, "error": error}, status)


def _facts(employees: str, revenue: str, assets: str, size_class: str, opening_insured: str) -> dict[str, str]:
    return {"employees": employees, "revenue": revenue, "assets": assets, "size_class": size_class,
            "opening_insured": opening_insured}


def _to_case(case_id: int) -> RedirectResponse:
    return RedirectResponse(f"/staff/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/supply/preview", response_class=HTMLResponse)
def case_supply_preview(request: Request, store: StoreDep, analytics: AnalyticsDep, me: ReviewDecide, case_id: Id,
                        evidence: Evidence = "", employees: Fact = "", revenue: Fact = "", assets: Fact = "",
                        size_class: Fact = "", opening_insured: Fact = ""):
    """The unit decided again with the facts typed in: the new decision and amount shown, nothing changed."""
    typed = {**_facts(employees, revenue, assets, size_class, opening_insured), "evidence": evidence}
    try:
        facts = supplied.supplied_facts(typed, evidence)
        made = review.preview(case_id, facts, store=store, analytics=analytics)
    except Refused as err:
        return _case(request, store, analytics, case_id, typed=typed, error=str(err), status=400)
    return _case(request, store, analytics, case_id, preview=made, typed=typed)


@router.post("/cases/{case_id}/supply", response_class=HTMLResponse)
def case_supply(request: Request, store: StoreDep, analytics: AnalyticsDep, me: ReviewDecide, case_id: Id,
                version: Annotated[int, Form(ge=1)], expected_amount: Annotated[Decimal, Form(ge=0, max_digits=17)],
                evidence: Evidence = "", employees: Fact = "", revenue: Fact = "", assets: Fact = "",
                size_class: Fact = "", opening_insured: Fact = ""):
    """Confirm a preview: the case takes the new decision and amount, the facts and evidence audited with it."""
    typed = {**_facts(employees, revenue, assets, size_class, opening_insured), "evidence": evidence}
    try:
        facts = supplied.supplied_facts(typed, evidence)
    except Refused as err:
        return _case(request, store, analytics, case_id, typed=typed, error=str(err), status=400)
    review.accept_with_data(case_id, facts, store=store, analytics=analytics, by=me.username,
                            expected_version=version, expected_amount=expected_amount)
    return _to_case(case_id)


@router.post("/cases/{case_id}/review", response_class=HTMLResponse)
def case_review(request: Request, store: StoreDep, me: ReviewDecide, case_id: Id, reason: Reason,
                decision: Annotated[str, Form(pattern="^(accept|reject)$")], version: Version = None):
    """The review decision taken on the case page; back to the case."""
    review.decide(case_id, store=store, accept=decision == "accept", reason=reason, by=me.username,
                  expected_version=version)
    return _to_case(case_id)


@router.post("/cases/{case_id}/dispatch", response_class=HTMLResponse)
def case_dispatch(request: Request, store: StoreDep, me: DispatchConfirm, case_id: Id,
                  employer: Annotated[str, Form(max_length=200)], version: Version = None):
    review.confirm_dispatch(case_id, store=store, employer=employer, by=me.username, expected_version=version)
    return _to_case(case_id)


@router.post("/cases/{case_id}/account", response_class=HTMLResponse)
def case_account(request: Request, store: StoreDep, me: AccountRelease, case_id: Id, note: Reason,
                 version: Version = None):
    review.confirm_account(case_id, store=store, note_text=note, by=me.username, expected_version=version)
    return _to_case(case_id)


@router.post("/cases/{case_id}/objections/{objection_id}", response_class=HTMLResponse)
def case_objection(request: Request, store: StoreDep, me: ObjectionDecide, case_id: Id, objection_id: Id,
                   reason: Reason, decision: Annotated[str, Form(pattern="^(sustain|dismiss)$")]):
    made = objections.decide(objection_id, store=store, sustain=decision == "sustain", reason=reason, by=me.username)
    return _to_case(made.case_id)


@router.post("/cases/{case_id}/close", response_class=HTMLResponse)
def case_close(request: Request, store: StoreDep, me: CaseClose, case_id: Id, reason: Reason,
               version: Version = None):
    review.close(case_id, store=store, reason=reason, by=me.username, expected_version=version)
    return _to_case(case_id)
