"""Objections during publicity: anyone may object, staff investigate and decide, a sustained one removes the case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from typing import Any

from wengang.domain.cases import State
from wengang.domain.errors import ConcurrentChange, NotFound, Refused
from wengang.domain.identifiers import mask_phone
from wengang.domain.ports import Store, UnitOfWork
from wengang.domain.process import Objection, ObjectionStatus
from wengang.services.casework import load_case, move, note
from wengang.services.passwords import phone_problem

PUBLIC = "public"
# The states of an entry on a list that the public may object to: on the list, already objected to, or in review
# while on the list (Haikou, "边公示边审核": the unit is on a public list, so the public may object to it).
OBJECTABLE = frozenset({State.PUBLICITY, State.OBJECTION, State.REVIEW_LISTED})
BAD_PHONE = ("联系电话不对: 请填写11位手机号 (以1开头, 第二位是3到9), 或带区号的固定电话 (如 010-12345678); 异议未提交 / "
             "the phone is not a number we can call: an 11-digit mobile (1, then 3 to 9, then 9 digits) or a landline "
             "with its area code (e.g. 010-12345678); the objection was not submitted")


def mask_name(name: str | None) -> str:
    """An objector's name shows only its first character."""
    return "" if not name else name[0] + "*" * (len(name) - 1)


def masked(objection: Objection) -> Objection:
    """The objection as staff and the unit see it: the contact and the objector's name masked."""
    return replace(objection, contact=mask_phone(objection.contact), objector=mask_name(objection.objector))


@dataclass(frozen=True, slots=True)
class Raised:
    """An objection just recorded: its number, the case and list it is on, the contact it was given (masked)."""

    id: int
    case_id: int
    batch: str
    contact: str


@dataclass(frozen=True, slots=True)
class Decided:
    """An objection just decided: its new status, and where its case stands now."""

    id: int
    status: ObjectionStatus
    case_id: int
    case_state: str


@dataclass(frozen=True, slots=True)
class OnList(Objection):
    """An objection as the staff queue shows it (masked), with the unit it is about and its case's state."""

    uscc: str
    name: str
    case_state: str


def add(batch_ref: str, uscc: str, *, store: Store, contact: str, text: str, raised_on: dt.date,
        objector: str | None = None, by: str = PUBLIC) -> Raised:
    """Record an objection against an entry during its period; the contact is stored but only ever shown masked.
    An entry in review while on the list (Haikou) takes objections too: it stays in review, the objection open."""
    contact, text = contact.strip().replace(" ", ""), text.strip()
    if not contact or not text:
        raise Refused("异议需要联系方式和内容 / an objection needs a contact and a text")
    if phone_problem(contact):
        raise Refused(BAD_PHONE)
    with store.transaction() as uow:
        batch = uow.publicity_batches.by_ref(batch_ref)
        batch.takes_objection(raised_on)
        case = uow.cases.find(batch.cycle_id, uscc.strip().upper())
        if case is None or case.batch_id != batch.id or case.state not in OBJECTABLE:
            raise NotFound(f"公示批次 {batch.number} 中没有 {uscc} / {uscc} is not on list {batch.number}")
        objection = uow.objections.add(batch_id=batch.id, case_id=case.id, objector=objector, contact=contact,
                                       text=text, raised_on=raised_on, raised_at=uow.now(),
                                       status=ObjectionStatus.OPEN)
        data = {"objection": objection.id, "contact": mask_phone(contact), "batch": batch.number}
        reason = f"收到异议 #{objection.id} / objection #{objection.id} raised"
        if case.state is State.PUBLICITY:
            move(uow, case, State.OBJECTION, reason, by=by, event="objection_raised", data=data)
        else:
            if case.state is State.REVIEW_LISTED:
                reason = (f"收到异议 #{objection.id}, 案件仍在审核中 / objection #{objection.id} raised; the case "
                          "stays in review")
            note(uow, case, reason, by=by, event="objection_raised", data=data)
        uow.commit()
    return Raised(objection.id, case.id, batch.number, mask_phone(contact))


def decide(objection_id: int, *, store: Store, sustain: bool, reason: str, by: str) -> Decided:
    """Sustained → the case is rejected (its other objections become moot; a case still in review has its pending
    applications rejected with it); dismissed → back on the list once none is left open, or, for a case still in
    review, it stays in review."""
    with store.transaction() as uow:
        objection = uow.objections.get(objection_id, lock=True).decide(sustain=sustain, by=by, at=uow.now(),
                                                                       reason=reason)
        _save(uow, objection)
        case = load_case(uow, objection.case_id)
        others = [o for o in uow.objections.open_of_case(case.id) if o.id != objection_id]
        status = objection.status.value
        data: dict[str, Any] = {"objection": objection_id, "decision": status,
                                "contact": mask_phone(objection.contact)}
        if sustain and case.state in OBJECTABLE:
            for other in others:
                _save(uow, other.moot(sustained=objection_id, by=by, at=uow.now()))
            why = f"异议 #{objection_id} 成立 / objection sustained: {reason}"
            if case.state is State.REVIEW_LISTED:
                data["applications"] = _reject_pending(uow, case.id, by, why)
            case = move(uow, case, State.REJECTED, why, by=by, event="objection_sustained", data=data)
        elif not sustain and case.state is State.OBJECTION and not others:
            case = move(uow, case, State.PUBLICITY, f"异议 #{objection_id} 不成立 / objection dismissed: {reason}",
                        by=by, event="objection_dismissed", data=data)
        elif not sustain and case.state is State.REVIEW_LISTED:
            note(uow, case, f"异议 #{objection_id} 不成立, 案件仍在审核中 / objection dismissed; the case stays in "
                 f"review: {reason}", by=by, event="objection_dismissed", data=data)
        else:
            note(uow, case, f"异议 #{objection_id}: {status}: {reason}", by=by, event=f"objection_{status}", data=data)
        uow.commit()
    return Decided(objection_id, objection.status, case.id, case.state.value)


def _reject_pending(uow: UnitOfWork, case_id: int, by: str, why: str) -> list[int]:
    """A sustained objection ends a case still in review: its pending applications are rejected with the same
    reason, so none is left waiting for a reviewer on a case that is out."""
    pending = [a for a in uow.applications.of_case(case_id) if a.is_pending]
    for a in pending:
        if not uow.applications.save_decision(a.decide(accept=False, by=by, at=uow.now(), reason=why)):
            raise ConcurrentChange(f"申请 / application #{a.id}")
    return [a.id for a in pending]


def _save(uow: UnitOfWork, decided: Objection) -> None:
    """Store a decision; someone who decided the same objection first wins, and this one is not applied."""
    if not uow.objections.save_decision(decided):
        raise ConcurrentChange(f"异议 / objection #{decided.id}")


def listing(batch_ref: str, *, store: Store) -> list[OnList]:
    """Objections of a batch for staff: contacts and names masked."""
    with store.reading() as uow:
        batch = uow.publicity_batches.by_ref(batch_ref)
        out = []
        for o in uow.objections.of_batch(batch.id):
            case = load_case(uow, o.case_id)
            shown = masked(o)
            seen: dict[str, Any] = {f.name: getattr(shown, f.name) for f in fields(Objection)}
            out.append(OnList(**seen, uscc=case.uscc, name=case.name, case_state=case.state.value))
        return out
