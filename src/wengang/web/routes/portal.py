"""The employer portal: every route reads the signed-in unit's credit code, never a unit or case id from the URL."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from wengang.domain.errors import NotFound, Refused
from wengang.services import accounts, callbacks, notify, portal, supplied
from wengang.web import plain
from wengang.web.deps import (
    AnalyticsDep,
    AttachmentsDep,
    SettingsDep,
    StoreDep,
    is_htmx,
    kept,
    limited,
    render,
)
from wengang.web.permissions import Employer
from wengang.web.words import day_words, pack_words, words

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
            me.uscc, store=store, recovery_days=settings.recovery_days, review_days=settings.review_days,
            apply_days=settings.apply_days),
                                                           "messages": shown_messages(me.uscc, store)[:5]}).body)

    # The busiest page: kept whole per session and language (its form tokens are the session's own).
    return HTMLResponse(await kept(request, ("home", me.session_id, request.state.lang), page))


@router.get("/cycles/{cycle_id}", response_class=HTMLResponse)
def case(request: Request, store: StoreDep, analytics: AnalyticsDep, settings: SettingsDep, me: Employer,
         cycle_id: CycleId):
    """Why: three lines (qualified or not, the amount or the main reason, the next step), then each criterion in
    words with the document behind it, folded, and the case's history."""
    found = portal.explanation(me.uscc, cycle_id, store=store, analytics=analytics)
    shown = portal.case_progress(me.uscc, cycle_id, store=store, recovery_days=settings.recovery_days,
                                 review_days=settings.review_days, apply_days=settings.apply_days)
    return render(request, "portal/case.html", {"x": found, "c": shown, "why": plain.answer(found, shown),
                                                "lines": plain.lines(found.reading, shown)})


def commitment_text(f: portal.ApplyForm) -> str:
    """The commitment letter with the unit's data, Chinese then English: what the unit signs."""
    (zh_program, en_program), (zh_pack, en_pack) = words(f.program), pack_words(f.pack)
    return (f"本单位 {f.name} (统一社会信用代码 {f.uscc}) 申请{zh_program} ({zh_pack}, 周期 {f.cycle_id}), 郑重承诺: "
            "本申请所填数据及所附材料真实、准确、完整, 依法履行稳定就业承诺, 配合人社部门核查; 如有虚假, 自愿退回返还资金并"
            "承担相应法律责任。\n"
            f"Our unit, {f.name} (credit code {f.uscc}), applies for {en_program} ({en_pack}, cycle {f.cycle_id}) and "
            "declares the facts and documents of this application true, accurate and complete; it keeps its commitment "
            "to stable employment and accepts verification; if anything is false it returns the money and bears the "
            "legal consequences.")


def _form_page(request: Request, store, me, cycle_id: int, *, typed: dict[str, str] | None = None,
               preview=None, error: str | None = None, status: int = 200):
    form = portal.apply_form(me.uscc, cycle_id, store=store, name=me.display_name or me.uscc)
    settings = request.app.state.settings
    return render(request, "portal/apply.html", {
        "cycle_id": cycle_id, "f": form, "facts": supplied.FACTS, "sizes": supplied.SIZE_WORDS,
        "typed": typed or {}, "preview": preview, "error": error, "letter": commitment_text(form),
        "max_mb": f"{settings.attachment_max_bytes / 1024 / 1024:g}", "max_count": settings.attachment_max_count},
        status)


def _typed(form) -> dict[str, str]:
    return {k: str(form.get(k) or "")[:40] for k in supplied.FACTS}


@router.get("/cycles/{cycle_id}/apply", response_class=HTMLResponse)
def apply_form(request: Request, store: StoreDep, me: Employer, cycle_id: CycleId):
    """The application form: the facts the case misses first, attachments, the amount they would give, the letter."""
    return _form_page(request, store, me, cycle_id)


@router.post("/cycles/{cycle_id}/apply/preview", response_class=HTMLResponse)
async def apply_preview(request: Request, store: StoreDep, analytics: AnalyticsDep, me: Employer,
                        cycle_id: CycleId):
    """The amount the typed facts would give (qualified or not, the amount, the main reason): nothing changes. An
    htmx request gets the preview alone (the files chosen stay chosen), a plain form the whole page."""
    typed = _typed(await request.form())

    def answer():
        try:
            made, error = portal.preview(me.uscc, cycle_id, typed, store=store, analytics=analytics), None
        except Refused as err:
            made, error = None, str(err)
        if is_htmx(request):
            return render(request, "portal/_apply_preview.html", {"preview": made, "error": error})
        return _form_page(request, store, me, cycle_id, typed=typed, preview=made, error=error,
                          status=400 if error else 200)
    return await run_in_threadpool(answer)


@router.post("/cycles/{cycle_id}/apply", response_class=HTMLResponse)
async def apply(request: Request, store: StoreDep, analytics: AnalyticsDep, settings: SettingsDep,
                files: AttachmentsDep, me: Employer, cycle_id: CycleId,
                commitment: Annotated[str, Form(max_length=4000)], accept: Annotated[bool, Form()] = False):
    """The application with the facts claimed, its attachments (each checked by its content) and the signed
    commitment letter (routed to review, or filed late). A refusal shows the form again with what was wrong."""
    form = await request.form()
    typed = _typed(form)
    chosen = [f for f in form.getlist("attachments") if isinstance(f, UploadFile) and (f.filename or f.size)]
    # One byte over the limit is enough to tell the file is too large; the rest is never read.
    files_in = [(f.filename, await f.read(settings.attachment_max_bytes + 1)) for f in chosen]

    def answer():
        try:
            filed = portal.apply(me.uscc, cycle_id, store=store, analytics=analytics, settings=settings,
                                 commitment=commitment, accepted=accept, typed=typed, files_in=files_in, files=files)
        except Refused as err:
            return _form_page(request, store, me, cycle_id, typed=typed, error=str(err), status=400)
        by = portal.today(store) + dt.timedelta(days=settings.review_days)
        day_zh, day_en = day_words(by)
        return render(request, "message.html", {
            "title": ("申请已提交", "Application filed"), "status": 200,
            "message": f"申请 #{filed.application} 已提交, 等待人工审核, 审核预计于 {day_zh} 前完成 / application "
                       f"#{filed.application} is filed and waits for a reviewer; the review is due by {day_en}",
            "links": [(f"/portal/cycles/{cycle_id}/letter.pdf",
                       "下载承诺书 (PDF)", "Download the commitment letter (PDF)"),
                      ("/portal", "返回进度", "Back to progress")]})
    return await run_in_threadpool(answer)


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
def my_callbacks(request: Request, store: StoreDep, settings: SettingsDep, me: Employer,
                 cycle: Annotated[int | None, Query(ge=1, le=2**31)] = None):
    """The unit's callback requests and their answers; from a case's "有异议?" the question starts with that case and
    its result in words (the unit's own case only: another cycle starts blank)."""
    question = None
    if cycle is not None:
        try:
            shown = portal.case_progress(me.uscc, cycle, store=store, recovery_days=settings.recovery_days)
        except NotFound:
            shown = None
        if shown is not None:
            question = plain.dispute_question(shown)
    return render(request, "portal/callbacks.html", {"callbacks": callbacks.for_unit(me.uscc, store=store),
                                                      "question": question})


@router.post("/callbacks", response_class=HTMLResponse, dependencies=[limited("forms")])
def ask(request: Request, store: StoreDep, settings: SettingsDep, me: Employer, phone: Annotated[str, Form(max_length=20)],
        question: Annotated[str, Form(max_length=1000)]):
    """The unit asks for a callback; staff see it in their queue at once."""
    made = callbacks.request(phone, question, store=store, uscc=me.uscc, name=me.display_name, source="portal",
                             url=settings.public_url)
    return done(request, "已收到", "Received", f"回电请求 #{made.id} 已提交, 工作人员将回电 {made.phone} / "
                f"callback request #{made.id} is in; staff will call {made.phone} back", "/portal/callbacks")


@router.get("/messages", response_class=HTMLResponse)
def messages(request: Request, store: StoreDep, me: Employer):
    """Everything the system told the unit."""
    return render(request, "portal/messages.html", {"messages": shown_messages(me.uscc, store)})
