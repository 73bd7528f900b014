"""Objections during publicity: anyone may object, staff investigate and decide, a sustained one removes the case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wengang.domain.cases import State
from wengang.domain.errors import ConcurrentChange, NotFound, Refused
from wengang.domain.identifiers import mask_phone
from wengang.domain.ports import Store
from wengang.services.casework import find_batch, load, load_case, move, note

PUBLIC = "public"


def mask_name(name: str | None) -> str:
    """An objector's name shows only its first character."""
    return "" if not name else name[0] + "*" * (len(name) - 1)


def add(batch_ref: str, uscc: str, *, store: Store, contact: str, text: str, raised_on: dt.date,
        objector: str | None = None, by: str = PUBLIC) -> dict[str, Any]:
    """Record an objection against an entry during its period; the contact is stored but only ever shown masked."""
    contact, text = contact.strip(), text.strip()
    if not contact or not text:
        raise Refused("异议需要联系方式和内容 / an objection needs a contact and a text")
    with store.transaction() as uow:
        batch = find_batch(uow, batch_ref)
        if batch["closed_on"] is not None or not batch["starts_on"] <= raised_on <= batch["ends_on"]:
            raise Refused(f"批次 {batch['number']} 公示期为 {batch['starts_on']} 至 {batch['ends_on']} / objections to "
                          f"{batch['number']} are taken from {batch['starts_on']} to {batch['ends_on']} inclusive")
        case = uow.cases.find(batch["cycle_id"], uscc.strip().upper())
        if case is None or case.batch_id != batch["id"] or case.state not in (State.PUBLICITY, State.OBJECTION):
            raise NotFound(f"公示批次 {batch['number']} 中没有 {uscc} / {uscc} is not on list {batch['number']}")
        objection_id = uow.records.add("objection", {
            "batch_id": batch["id"], "case_id": case.id, "objector": objector, "contact": contact, "text": text,
            "raised_on": raised_on, "raised_at": uow.now(), "status": "open"})
        data = {"objection": objection_id, "contact": mask_phone(contact), "batch": batch["number"]}
        reason = f"收到异议 #{objection_id} / objection #{objection_id} raised"
        if case.state is State.PUBLICITY:
            move(uow, case, State.OBJECTION, reason, by=by, event="objection_raised", data=data)
        else:
            note(uow, case, reason, by=by, event="objection_raised", data=data)
        uow.commit()
    return {"id": objection_id, "case_id": case.id, "batch": batch["number"], "contact": mask_phone(contact)}


def decide(objection_id: int, *, store: Store, sustain: bool, reason: str, by: str) -> dict[str, Any]:
    """Sustained → the case is rejected (its other objections become moot); dismissed → back on the list."""
    if not reason.strip():
        raise Refused("处理异议需要写明理由 / a decision on an objection needs a reason")
    status = "sustained" if sustain else "dismissed"
    with store.transaction() as uow:
        objection = load(uow, "objection", objection_id, "异议", lock=True)
        if objection["status"] != "open":
            raise Refused(f"异议 #{objection_id} 已处理 ({objection['status']}) / objection already decided")
        if not uow.records.update("objection", objection_id, {"status": status, "decided_by": by,
                                                              "decided_at": uow.now(), "decision_reason": reason},
                                  status="open"):
            raise ConcurrentChange(f"异议 / objection #{objection_id}")
        case = load_case(uow, objection["case_id"])
        others = [o for o in uow.records.find("objection", case_id=case.id, status="open") if o["id"] != objection_id]
        data = {"objection": objection_id, "decision": status, "contact": mask_phone(objection["contact"])}
        if sustain and case.state in (State.OBJECTION, State.PUBLICITY):
            for other in others:
                uow.records.update("objection", other["id"], {"status": "moot", "decided_by": by,
                                                              "decided_at": uow.now(),
                                                              "decision_reason": f"#{objection_id} sustained"})
            case = move(uow, case, State.REJECTED, f"异议 #{objection_id} 成立 / objection sustained: {reason}",
                        by=by, event="objection_sustained", data=data)
        elif not sustain and case.state is State.OBJECTION and not others:
            case = move(uow, case, State.PUBLICITY, f"异议 #{objection_id} 不成立 / objection dismissed: {reason}",
                        by=by, event="objection_dismissed", data=data)
        else:
            note(uow, case, f"异议 #{objection_id}: {status}: {reason}", by=by, event=f"objection_{status}", data=data)
        uow.commit()
    return {"id": objection_id, "status": status, "case_id": case.id, "case_state": case.state.value}


def listing(batch_ref: str, *, store: Store) -> list[dict[str, Any]]:
    """Objections of a batch for staff: contacts and names masked."""
    with store.reading() as uow:
        batch = find_batch(uow, batch_ref)
        out = []
        for o in uow.records.find("objection", batch_id=batch["id"]):
            case = uow.cases.get(o["case_id"])
            out.append({**o, "contact": mask_phone(o["contact"]), "objector": mask_name(o["objector"]),
                        "uscc": case.uscc, "name": case.name, "case_state": case.state.value})
        return out
