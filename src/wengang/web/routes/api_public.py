"""/api/v1, open to anyone: policy guide, publicity lists, objections, callbacks, sign-in and activation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import HTTPBearer

from wengang.services import callbacks, objections, people, public
from wengang.services.portal import today
from wengang.web import schemas as s
from wengang.web.deps import SettingsDep, Signed, StoreDep, client_key, limited
from wengang.web.permissions import NotSignedIn

bearer = HTTPBearer(auto_error=False, description="the token POST /api/v1/session returned")
ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": s.Problem}, 404: {"model": s.Problem},
                                          429: {"model": s.Problem}}
router = APIRouter(prefix="/api/v1", tags=["public 公众"], responses=ERRORS)


@router.get("/policy/packs", response_model=list[s.Pack])
def packs():
    """政策包 / every policy pack."""
    return public.packs()


@router.get("/policy/packs/{pack_id}", response_model=s.Guide)
def guide(pack_id: str):
    """办事指南 / a pack's parameters with their dated values and sources."""
    return public.guide(pack_id)


@router.get("/publicity/batches", response_model=list[s.Batch])
def batches(store: StoreDep):
    """公示批次 / every publicity list, newest first."""
    return public.batches(store=store)


@router.get("/publicity/batches/{number}/entries", response_model=s.ListPage)
def entries(store: StoreDep, number: str, q: Annotated[str, Query(max_length=100)] = "",
            page: Annotated[int, Query(ge=1, le=100_000)] = 1):
    """公示名单 / one page of a list; `q` is part of a name or a credit code."""
    return public.list_page(number, store=store, query=q, page=page)


@router.post("/publicity/batches/{number}/objections", response_model=s.ObjectionMade, status_code=201,
             dependencies=[limited("forms")])
def object_to(store: StoreDep, number: str, body: s.ObjectionIn):
    """提出异议 / anyone objects to an entry during its period; the contact stays private."""
    return objections.add(number, body.uscc, store=store, contact=body.contact, text=body.text, objector=body.name,
                          raised_on=today(store))


@router.post("/callbacks", response_model=s.CallbackMade, status_code=201, dependencies=[limited("forms")])
def callback(store: StoreDep, settings: SettingsDep, principal: Signed, body: s.CallbackIn):
    """呼我必回 / leave a number and a question; a signed-in unit's request is filed under it."""
    unit = principal.uscc if principal and principal.uscc else None
    return callbacks.request(body.phone, body.question, store=store, uscc=unit, name=body.name,
                             source="portal" if unit else "api", url=settings.public_url)


@router.post("/session", response_model=s.SessionMade, status_code=201, dependencies=[limited("login")])
def sign_in(request: Request, store: StoreDep, body: s.SignIn):
    """登录 / sign in; the token is sent back as a bearer token on every later call."""
    token, who = people.sign_in(body.username, body.password, store=store, employer=body.kind is s.Kind.employer,
                                client=client_key(request))
    return {"token": token, "role": who.role, "uscc": who.uscc, "expires_in": people.SESSION_HOURS * 3600}


@router.delete("/session", status_code=204, responses={401: {"model": s.Problem}})
def sign_out(store: StoreDep, principal: Signed, _=Depends(bearer)):
    """退出 / end this session; its token opens nothing afterwards."""
    if principal is None:
        raise NotSignedIn("api")
    people.sign_out(principal, store=store)
    return Response(status_code=204)


@router.post("/activation", status_code=201, dependencies=[limited("login")])
def activate(store: StoreDep, body: s.ActivationIn) -> dict[str, str]:
    """激活 / set the unit's password with its one-time code."""
    people.activate(body.uscc, body.code, body.password, store=store)
    return {"uscc": body.uscc, "status": "activated"}
