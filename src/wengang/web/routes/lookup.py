"""查询进度 without an account: a credit code, a code texted to the unit's registered contacts, then the unit's
progress read-only for 30 minutes (an HttpOnly cookie holding a token only the store's hash of can open)."""

from __future__ import annotations

import logging
import re
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wengang.domain.errors import Refused
from wengang.domain.ports import Channel, Store
from wengang.services import lookup, notify, portal
from wengang.web.deps import AnalyticsDep, CodesDep, SealerDep, SettingsDep, StoreDep, limited, render

router = APIRouter(include_in_schema=False)
log = logging.getLogger("wengang.web.lookup")
COOKIE = "wg_lookup"
MASKED = re.compile(r"1\d{2}\*{4}\d{4}")
Code = Annotated[str, Form(max_length=40)]


def _cookie(value: str, *, secure: bool, max_age: int) -> str:
    """The view's cookie: HttpOnly, SameSite=Strict, only for /lookup, gone after its 30 minutes."""
    parts = [f"{COOKIE}={value}", "Path=/lookup", "SameSite=Strict", "HttpOnly", f"Max-Age={max_age}"]
    return "; ".join(parts + (["Secure"] if secure else []))


def _private(response: Response) -> Response:
    """A unit's progress is nobody's cache."""
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/lookup", response_class=HTMLResponse)
def lookup_form(request: Request, store: StoreDep):
    """Step 1: the credit code (a visitor whose view is still open goes straight to it)."""
    if lookup.viewer(request.cookies.get(COOKIE, ""), store=store):
        return RedirectResponse("/lookup/progress", status_code=303)
    return render(request, "public/lookup.html", {"minutes": lookup.CODE_MINUTES})


@router.post("/lookup", response_class=HTMLResponse, dependencies=[limited("lookups")])
def lookup_send(request: Request, store: StoreDep, analytics: AnalyticsDep, sealer: SealerDep, codes: CodesDep,
                background: BackgroundTasks, uscc: Code):
    """Send the code to the unit's registered mobiles (handed to the gateway right after the page is answered; the
    worker retries what it could not take), or say in words where to go instead."""
    try:
        sent = lookup.send_code(uscc, store=store, analytics=analytics, sealer=sealer)
    except Refused as err:
        return render(request, "public/lookup.html", {"error": str(err), "uscc": uscc[:40],
                                                      "minutes": lookup.CODE_MINUTES}, 422)
    if isinstance(sent, lookup.Unreachable):
        return render(request, "public/lookup_unreachable.html", {"uscc": sent.uscc})
    background.add_task(_send_now, store, codes)
    return render(request, "public/lookup_code.html", {"uscc": sent.uscc, "phones": sent.phones,
                                                       "minutes": lookup.CODE_MINUTES, "tries": lookup.CODE_TRIES})


def _send_now(store: Store, codes: Channel) -> None:
    try:
        notify.send_codes(store=store, channel=codes)
    except Exception:  # noqa: BLE001 - the gateway away: the worker sends the sealed code on its next round
        log.warning("查询验证码未能立即发送, 由后台重试 / look-up code not sent at once; the worker retries",
                    exc_info=True)


@router.post("/lookup/code", response_class=HTMLResponse, dependencies=[limited("login")])
def lookup_code(request: Request, store: StoreDep, uscc: Code, code: Code, phones: Code = ""):
    """Step 2: the code from the text message opens the unit's progress for 30 minutes."""
    try:
        opened = lookup.open_view(uscc, code, store=store)
    except Refused as err:
        shown = [p for p in phones.split(",") if MASKED.fullmatch(p)][:5]     # echoed back: masked ones only
        return render(request, "public/lookup_code.html", {"uscc": uscc[:18], "phones": shown, "error": str(err),
                                                           "minutes": lookup.CODE_MINUTES,
                                                           "tries": lookup.CODE_TRIES}, 422)
    response = RedirectResponse("/lookup/progress", status_code=303)
    secure = request.app.state.web.cookie_secure
    response.headers.append("set-cookie", _cookie(opened.token, secure=secure, max_age=lookup.VIEW_MINUTES * 60))
    return response


@router.get("/lookup/progress", response_class=HTMLResponse)
def lookup_progress(request: Request, store: StoreDep, settings: SettingsDep):
    """The unit's cases as its portal shows them, read-only: no forms, accounts masked, times in Beijing."""
    uscc = lookup.viewer(request.cookies.get(COOKIE, ""), store=store)
    if uscc is None:
        return RedirectResponse("/lookup", status_code=303)
    cases = portal.progress(uscc, store=store, recovery_days=settings.recovery_days)
    return _private(render(request, "public/lookup_progress.html", {"uscc": uscc, "cases": cases,
                                                                    "readonly": True,
                                                                    "minutes": lookup.VIEW_MINUTES}))


@router.post("/lookup/done")
def lookup_done(request: Request, store: StoreDep):
    """End the view now (on a shared phone) and forget the cookie."""
    lookup.close_view(request.cookies.get(COOKIE, ""), store=store)
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", _cookie("", secure=request.app.state.web.cookie_secure, max_age=0))
    return response
