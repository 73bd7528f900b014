"""What the employer portal shows a unit about itself: each case's timeline, money, account, and why, in plain words."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from wengang.config import Settings
from wengang.domain.accounts import AccountStatus, PaymentAccount
from wengang.domain.cases import Case, State
from wengang.domain.cycles import Cycle
from wengang.domain.errors import NotFound, Refused
from wengang.domain.identifiers import mask_account
from wengang.domain.ports import Store, UnitOfWork
from wengang.domain.process import PublicityBatch
from wengang.services import objections, review
from wengang.services.cycles import newest_snapshot
from wengang.services.explanations import explain_unit

BEIJING = dt.timezone(dt.timedelta(hours=8))
STEPS = (("identified", "识别符合条件", "identified as eligible"), ("publicity", "公示", "on the public list"),
         ("re-verified", "复核通过", "re-verified"), ("approved-for-payment", "批准支付", "approved for payment"),
         ("paid", "已到账", "paid"))
REACHED = {State.IDENTIFIED: 0, State.PUBLICITY: 1, State.OBJECTION: 1, State.REVERIFIED: 2, State.APPROVED: 3,
           State.FAILED: 3, State.REISSUED: 3, State.PAID: 4, State.CLOSED: 4, State.RECOVERED: 4}
WAITING = {State.REVIEW: ("待申请与人工审核", "waits for your application and a manual review"),
           State.DISPATCH: ("待用工单位确认", "waits for the actual employer's confirmation"),
           State.ACCOUNT_HELD: ("待确认收款账户", "waits for a usable bank account"),
           State.OBJECTION: ("公示期有异议, 核查中", "an objection is being investigated"),
           State.FAILED: ("支付失败, 待更正账户后重新支付", "payment failed: it is re-issued once the account is fixed"),
           State.REJECTED: ("不予返还", "not paid"), State.RECOVERED: ("已追回", "recovered")}
WHO = {"system": ("系统", "system"), "public": ("公众", "the public")}


def local_time(at: str | dt.datetime | None) -> str:
    """An audit time (UTC) as Beijing wall-clock time, to the minute."""
    if at is None:
        return ""
    when = dt.datetime.fromisoformat(at.rstrip("Z")) if isinstance(at, str) else at
    return when.replace(tzinfo=dt.UTC).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def today() -> dt.date:
    """Today in Beijing: the day a form's objection is raised on."""
    return dt.datetime.now(BEIJING).date()


def change_mark(*, store: Store) -> int:
    """The audit chain's length: every state change appends to it in its own transaction, so while it stands still
    nothing a page shows has changed (the web keeps answers until it moves)."""
    return store.change_mark()


def _own_cases(uow: UnitOfWork, uscc: str) -> list[tuple[Cycle, Case]]:
    """The unit's case in every cycle, newest cycle first: looked up by the signed-in unit, never by an id."""
    found = []
    for cycle in reversed(uow.cycles.all()):
        case = uow.cases.find(cycle.id, uscc)
        if case is not None:
            found.append((cycle, case))
    return found


def no_case(cycle_id: int) -> NotFound:
    """The one answer to any look at a cycle where the unit has no case."""
    return NotFound(f"本单位在周期 {cycle_id} 中没有案件 / your unit has no case in cycle {cycle_id}")


def own_case(uscc: str, cycle_id: int, *, store: Store) -> Case:
    """The unit's own case in one cycle, or NotFound (the same answer whether the cycle exists or not)."""
    with store.reading() as uow:
        case = uow.cases.find(cycle_id, uscc)
    if case is None:
        raise no_case(cycle_id)
    return case


def _timeline(case: Case, reached_at: dict[str, str], batch: PublicityBatch | None) -> list[dict[str, Any]]:
    """The five steps of the way to money, each done (with its date), current, or still ahead."""
    reached = REACHED.get(case.state, -1)
    steps = []
    for i, (state, zh, en) in enumerate(STEPS):
        when = reached_at.get(state, "")
        if state == "identified" and not when and reached >= 0:
            when = reached_at.get("opened", "")
        if state == "publicity" and batch:
            when = f"{batch.starts_on} – {batch.ends_on}"
        status = "done" if i <= reached else "ahead"
        if i == reached and case.state in (State.OBJECTION, State.FAILED, State.REISSUED):
            status = "current"
        steps.append({"state": state, "zh": zh, "en": en, "status": status, "when": when if i <= reached else ""})
    return steps


def progress(uscc: str, *, store: Store) -> list[dict[str, Any]]:
    """Every case of the unit with its timeline, amount, masked account, applications, objections and payments."""
    out = []
    with store.reading() as uow:
        for cycle, case in _own_cases(uow, uscc):
            entries = uow.audit.for_case(case.id)
            reached_at = {"opened": local_time(entries[0].at)} if entries else {}
            for e in entries:
                if e.to_state and e.to_state != e.from_state:
                    reached_at.setdefault(e.to_state, local_time(e.at))
            batch = uow.publicity_batches.get(case.batch_id) if case.batch_id else None
            attempts = uow.payments.attempts(case_ids=[case.id]) if hasattr(uow, "payments") else []
            accounts = uow.accounts.of_unit(cycle.id, uscc)
            active = [a for a in accounts if a.status == AccountStatus.ACTIVE]
            pending = [a for a in accounts if a.status == AccountStatus.PENDING]
            out.append({
                "cycle_id": cycle.id, "pack": cycle.pack, "program": cycle.program, "case_id": case.id,
                "name": case.name, "state": case.state.value, "decision": case.decision, "amount": case.amount,
                "reason": case.reason, "waiting": WAITING.get(case.state), "steps": _timeline(case, reached_at, batch),
                "batch": batch.number if batch else None,
                "account": _account(case, attempts, active), "account_pending": bool(pending),
                "can_apply": case.state is State.REVIEW,
                "payments": [{"attempt": a.attempt_no, "amount": a.amount, "status": a.status,
                              "account": f"{a.bank_code[:3]} {mask_account(a.account_no)}",
                              "settled_at": local_time(a.settled_at), "reason": a.reason or ""} for a in attempts],
                "applications": [{"id": a.id, "status": a.status.value, "late": a.late,
                                  "filed_at": local_time(a.filed_at), "decision_reason": a.decision_reason}
                                 for a in uow.applications.of_case(case.id)],
                "objections": [{"id": o.id, "status": o.status.value, "raised_on": o.raised_on,
                                "objector": o.objector, "contact": o.contact, "text": o.text,
                                "decision_reason": o.decision_reason}
                               for o in map(objections.masked, uow.objections.of_case(case.id))],
            })
    return out


def case_progress(uscc: str, cycle_id: int, *, store: Store) -> dict[str, Any]:
    """The unit's own case in one cycle with its timeline, or NotFound (the same whether the cycle exists or not)."""
    found = [c for c in progress(uscc, store=store) if c["cycle_id"] == cycle_id]
    if not found:
        raise no_case(cycle_id)
    return found[0]


def _account(case: Case, attempts: list, active: list[PaymentAccount]) -> dict[str, str]:
    """Where the money goes, masked: the last payment's account, else a verified change, else the registered one."""
    if attempts:
        last = max(attempts, key=lambda a: a.attempt_no)
        return {"where": f"{last.bank_code} {mask_account(last.account_no)}", "source": "payment"}
    if active:
        return {"where": f"{active[-1].bank_code} {mask_account(active[-1].account_no)}", "source": "verified"}
    if case.has_account or case.account_confirmed:
        return {"where": "社保登记账户 / the account registered with social insurance", "source": "snapshot"}
    return {"where": "无可用账户 / no usable account on file", "source": "none"}


def explanation(uscc: str, cycle_id: int, *, store: Store, settings: Settings) -> dict[str, Any]:
    """Why the unit got its decision, criterion by criterion, and everything that happened to its case."""
    case = own_case(uscc, cycle_id, store=store)
    with store.reading() as uow:
        entries = uow.audit.for_case(case.id)
    try:
        found = explain_unit(uscc, settings=settings, run_id=case.run_id)
    except duckdb.Error:                            # the analytical store is busy (an evaluation is writing it)
        found = None
    headline, lines = found if found else ("说明暂不可用, 请稍后再试 / the explanation is not available now", [])
    history = [{"at": local_time(e.at), "event": e.event, "from_state": e.from_state or "", "to_state": e.to_state or "",
                "reason": e.reason, "who": _who(e.actor, uscc)} for e in entries]
    return {"case_id": case.id, "cycle_id": cycle_id, "name": case.name, "state": case.state.value,
            "decision": case.decision, "amount": case.amount, "reason": case.reason, "headline": headline,
            "criteria": [{"label": ln.label, "outcome": ln.outcome, "read": ln.read, "compared_with": ln.compared_with}
                         for ln in lines], "history": history}


def _who(actor: str, uscc: str) -> tuple[str, str]:
    """Who acted, as a unit may see it: never a staff member's name."""
    if actor == uscc:
        return ("本单位", "your unit")
    return WHO.get(actor, ("工作人员", "staff"))


def object_to_own(uscc: str, cycle_id: int, *, store: Store, contact: str, text: str,
                  name: str | None) -> objections.Raised:
    """The unit disputes its own entry (e.g. the amount) during publicity, as anyone may."""
    listed = case_progress(uscc, cycle_id, store=store)
    if not listed["batch"]:
        raise Refused("本单位的案件不在公示名单上 / your case is not on a public list")
    return objections.add(listed["batch"], uscc, store=store, contact=contact, text=text, objector=name,
                          raised_on=today(), by=uscc)


def apply(uscc: str, cycle_id: int, *, store: Store, settings: Settings, commitment: str,
          accepted: bool) -> review.Filed:
    """The unit files its application with the commitment letter; without a case in the cycle it files late."""
    with store.reading() as uow:
        has_case = uow.cases.find(cycle_id, uscc) is not None
    late = None if has_case else newest_snapshot(settings)
    return review.apply(cycle_id, uscc, store=store, settings=settings, commitment=commitment, accepted=accepted,
                        by=uscc, late_snapshot=late)
