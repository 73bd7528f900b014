"""The employer portal: every route reads the signed-in unit's credit code, never a unit or case id from the URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse

from wengang.services import accounts, callbacks, notify, portal
from wengang.web import plain
from wengang.web.deps import AnalyticsDep, SettingsDep, StoreDep, kept, limited, render
from wengang.web.permissions import Employer

router = APIRouter(prefix="/portal", include_in_schema=False)
CycleId = Annotated[int, Path(ge=1, le=2**31)]


def shown_messages(uscc: str, store, limit: int = 100) -> list[notify.Outgoing]:
    """The unit's messages without its activation codes (spent, and nothing a page needs to repeat)."""
    return [m for m in notify.for_unit(uscc, store=store, limit=limit) if m.kind != "activation_code"]


def done(request: Request, zh: str, en: str, message: str, back: str = "/portal"):
    """After an action: what happened, and the way back."""
    return render(request, "message.html", {"title": (zh, en), "status": 200, "message": message,
                                            "links": [(back, "返回", "Back")]})


@router.get("", response_class=HTMLResponse)
async def home(request: Request, store: StoreDep, settings: SettingsDep, me: Employer):
    """The unit's cases with their timelines: what happened, when, how much, where the money goes."""
    def page() -> bytes:
        return bytes(render(request, "portal/home.html", {"cases": portal.progress(
            me.uscc, store=store, recovery_days=settings.recovery_days),
                                                           "messages": shown_messages(me.uscc, store)[:5]}).body)

    # The busiest page: kept whole per session and language (its form tokens are the session's own).
    return HTMLResponse(await kept(request, ("home", me.session_id, request.state.lang), page))


@router.get("/cycles/{cycle_id}", response_class=HTMLResponse)
def case(request: Request, store: StoreDep, analytics: AnalyticsDep, settings: SettingsDep, me: Employer,
         cycle_id: CycleId):
    """Why: three lines (qualified or not, the amount or the main reason, the next step), then each criterion in
    words with the document behind it, folded, and the case's history."""
    found = portal.explanation(me.uscc, cycle_id, store=store, analytics=analytics)
    shown = portal.case_progress(me.uscc, cycle_id, store=store, recovery_days=settings.recovery_days)
    return render(request, "portal/case.html", {"x": found, "c": shown, "why": plain.answer(found, shown),
                                                "lines": plain.lines(found.reading)})


@router.get("/cycles/{cycle_id}/apply", response_class=HTMLResponse)
def apply_form(request: Request, me: Employer, cycle_id: CycleId):
    """The application form with the commitment letter."""
    return render(request, "portal/apply.html", {"cycle_id": cycle_id})


@router.post("/cycles/{cycle_id}/apply", response_class=HTMLResponse)
def apply(request: Request, store: StoreDep, analytics: AnalyticsDep, settings: SettingsDep, me: Employer,
          cycle_id: CycleId,
          commitment: Annotated[str, Form(max_length=4000)], accept: Annotated[bool, Form()] = False):
    """The application with its commitment letter (routed to review, or filed late)."""
    filed = portal.apply(me.uscc, cycle_id, store=store, analytics=analytics, settings=settings,
                         commitment=commitment,
                         accepted=accept)
    return done(request, "申请已提交", "Application filed",
                f"申请 #{filed.application} 已提交, 等待人工审核 / application #{filed.application} is filed "
                "and waits for a reviewer")


@router.get("/cycles/{cycle_id}/account", response_class=HTMLResponse)
def account_form(request: Request, store: StoreDep, settings: SettingsDep, me: Employer, cycle_id: CycleId):
    """Where the money goes now (masked) and the form to correct it."""
    return render(request, "portal/account.html", {"cycle_id": cycle_id,
                                                   "c": portal.case_progress(
        me.uscc, cycle_id, store=store, recovery_days=settings.recovery_days)})


@router.post("/cycles/{cycle_id}/account", response_class=HTMLResponse)
def account(request: Request, store: StoreDep, me: Employer, cycle_id: CycleId,
            bank_code: Annotated[str, Form(max_length=12)], account_no: Annotated[str, Form(max_length=34)],
            account_name: Annotated[str, Form(max_length=140)]):
    """A corrected account: stored as pending and used only after a member of staff verifies it."""
    accounts.propose(cycle_id, me.uscc, bank_code=bank_code, account_no=account_no, account_name=account_name,
                     store=store, by=me.uscc)
    return done(request, "已提交", "Submitted",
                "新账户已提交, 工作人员核验后才会使用 / the new account is in; it is used only once staff verify it")


@router.post("/cycles/{cycle_id}/objection", response_class=HTMLResponse, dependencies=[limited("forms")])
def object_own(request: Request, store: StoreDep, me: Employer, cycle_id: CycleId,
               contact: Annotated[str, Form(max_length=40)], text: Annotated[str, Form(max_length=2000)]):
    """The unit disputes its own entry during publicity (e.g. the amount), like anyone may."""
    made = portal.object_to_own(me.uscc, cycle_id, store=store, contact=contact, text=text, name=me.display_name)
    return done(request, "异议已登记", "Objection recorded", f"异议 #{made.id} 已登记 / objection #{made.id} "
                "is recorded", f"/portal/cycles/{cycle_id}")


@router.get("/callbacks", response_class=HTMLResponse)
def my_callbacks(request: Request, store: StoreDep, me: Employer):
    """The unit's callback requests and their answers."""
    return render(request, "portal/callbacks.html", {"callbacks": callbacks.for_unit(me.uscc, store=store)})


@router.post("/callbacks", response_class=HTMLResponse, dependencies=[limited("forms")])
def ask(request: Request, store: StoreDep, me: Employer, phone: Annotated[str, Form(max_length=20)],
        question: Annotated[str, Form(max_length=1000)]):
    """The unit asks for a callback; staff see it in their queue at once."""
    made = callbacks.request(phone, question, store=store, uscc=me.uscc, name=me.display_name, source="portal")
    return done(request, "已收到", "Received", f"回电请求 #{made.id} 已提交, 工作人员将回电 {made.phone} / "
                f"callback request #{made.id} is in; staff will call {made.phone} back", "/portal/callbacks")


@router.get("/messages", response_class=HTMLResponse)
def messages(request: Request, store: StoreDep, me: Employer):
    """Everything the system told the unit."""
    return render(request, "portal/messages.html", {"messages": shown_messages(me.uscc, store)})
