"""/api/v1/me: the signed-in unit's own data for a mini-program; looked up by its credit code, never by an id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import TypeAdapter

from wengang.services import accounts, callbacks, portal
from wengang.web import plain
from wengang.web import schemas as s
from wengang.web.deps import AnalyticsDep, SettingsDep, StoreDep, kept, limited
from wengang.web.permissions import Employer
from wengang.web.routes.api_public import bearer
from wengang.web.routes.portal import shown_messages
from wengang.web.words import case_words, event_words

ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": s.Problem}, 401: {"model": s.Problem},
                                          404: {"model": s.Problem}}
router = APIRouter(prefix="/api/v1/me", tags=["employer 单位"], responses=ERRORS, dependencies=[Depends(bearer)])
CycleId = Annotated[int, Path(ge=1, le=2**31)]
PROGRESS = TypeAdapter(list[s.Progress])


@router.get("", response_model=s.Me)
def me(who: Employer):
    """本单位 / who the token belongs to."""
    return {"username": who.username, "role": who.role, "uscc": who.uscc, "display_name": who.display_name}


@router.get("/progress", response_model=list[s.Progress])
async def progress(request: Request, store: StoreDep, who: Employer):
    """返还进度 / every case of the unit: timeline with dates, amount, masked account, what is pending."""
    # Kept as the JSON bytes FastAPI would send: a phone refreshing costs no validation or encoding.
    body = await kept(request, ("progress", who.uscc),
                      lambda: PROGRESS.dump_json(PROGRESS.validate_python(portal.progress(who.uscc, store=store),
                                                                          from_attributes=True)))
    return Response(body, media_type="application/json")


@router.get("/cycles/{cycle_id}/explanation", response_model=s.Explanation)
def explanation(store: StoreDep, analytics: AnalyticsDep, settings: SettingsDep, who: Employer, cycle_id: CycleId):
    """原因说明 / why, in the words of the why page: the three-line answer, each criterion (what was read, the
    standard, the outcome, the documents), then the case's history; no rule code or parameter key."""
    found = portal.explanation(who.uscc, cycle_id, store=store, analytics=analytics)
    shown = portal.case_progress(who.uscc, cycle_id, store=store, recovery_days=settings.recovery_days)
    why = plain.answer(found, shown)
    return {"case_id": found.case_id, "cycle_id": found.cycle_id, "name": found.name, "state": found.state,
            "decision": found.decision, "amount": found.amount, "state_words": _words(case_words(found.state)),
            "answer": {"verdict": _words(why.verdict), "detail": _words(why.detail),
                       "next": _words(why.next) if why.next else None},
            "criteria": [{"criterion": line.criterion, "outcome": line.outcome, "label": _words(line.label),
                          "read": _words(line.read), "standard": _words(line.standard),
                          "verdict": _words(line.verdict), "documents": line.documents}
                         for line in plain.lines(found.reading, shown)],
            "history": [{"at": h.at, "who": _words(h.who), "what": _words(event_words(h.event)),
                         "now": _words(case_words(h.to_state)) if h.to_state and h.to_state != h.from_state else None,
                         "reason": h.reason if h.event in plain.WRITTEN_REASONS and h.reason else None}
                        for h in found.history]}


def _words(pair: tuple[str, str]) -> dict[str, str]:
    return {"zh": pair[0], "en": pair[1]}


@router.post("/cycles/{cycle_id}/application", response_model=s.ApplicationMade, status_code=201)
def apply(store: StoreDep, analytics: AnalyticsDep, settings: SettingsDep, who: Employer, cycle_id: CycleId,
          body: s.ApplicationIn):
    """在线申请 / the application with its commitment letter (routed to review, or filed late)."""
    return portal.apply(who.uscc, cycle_id, store=store, analytics=analytics, settings=settings,
                        commitment=body.commitment,
                        accepted=body.accept)


@router.get("/cycles/{cycle_id}/account", response_model=s.AccountShown)
def account(store: StoreDep, who: Employer, cycle_id: CycleId):
    """收款账户 / where the money goes, masked."""
    return portal.case_progress(who.uscc, cycle_id, store=store).account


@router.post("/cycles/{cycle_id}/account", response_model=s.AccountMade, status_code=201)
def change_account(store: StoreDep, who: Employer, cycle_id: CycleId, body: s.AccountIn):
    """更正账户 / a new account, used only after staff verify it."""
    made = accounts.propose(cycle_id, who.uscc, bank_code=body.bank_code, account_no=body.account_no,
                            account_name=body.account_name, store=store, by=who.uscc)
    return {"id": made, "status": "pending"}


@router.post("/cycles/{cycle_id}/objection", response_model=s.ObjectionMade, status_code=201,
             dependencies=[limited("forms")])
def object_own(store: StoreDep, who: Employer, cycle_id: CycleId, body: s.OwnObjectionIn):
    """对本单位公示信息提出异议 / dispute the unit's own entry during publicity."""
    return portal.object_to_own(who.uscc, cycle_id, store=store, contact=body.contact, text=body.text,
                                name=who.display_name)


@router.get("/callbacks", response_model=list[s.CallbackSeen])
def my_callbacks(store: StoreDep, who: Employer):
    """我的回电请求 / the unit's callback requests and their answers."""
    return callbacks.for_unit(who.uscc, store=store)


@router.post("/callbacks", response_model=s.CallbackMade, status_code=201, dependencies=[limited("forms")])
def ask(store: StoreDep, settings: SettingsDep, who: Employer, body: s.CallbackIn):
    """呼我必回 / ask for a callback as this unit."""
    return callbacks.request(body.phone, body.question, store=store, uscc=who.uscc, name=body.name or who.display_name,
                             source="portal", url=settings.public_url)


@router.get("/messages", response_model=list[s.Message])
def messages(store: StoreDep, who: Employer):
    """消息 / what the system told the unit, newest first."""
    return shown_messages(who.uscc, store)
