"""Re-activating an account that is already in use takes two people: one member of staff asks, another (the
security officer) approves; the new code goes only to the contact on record, and a new contact phone is set only by
such an approval. Both steps are audited, and the approval ends every session of the account."""

from __future__ import annotations

from typing import Any

from wengang.domain.audit import Draft
from wengang.domain.errors import Refused
from wengang.domain.identifiers import mask_phone
from wengang.domain.ports import Sealer, Store, UnitOfWork
from wengang.services.activation import send_code
from wengang.services.casework import load
from wengang.services.passwords import phone_problem
from wengang.services.sessions import end_sessions

REASON_MAX = 200


def file_request(uow: UnitOfWork, user: dict[str, Any], *, by: str, phone: str | None,
                 reason: str) -> dict[str, Any]:
    """Record the request (in the caller's transaction): a new phone makes it a contact change."""
    reason = reason.strip() or "重新发送激活码 / send a new activation code"
    if len(reason) > REASON_MAX:
        raise Refused(f"理由最多{REASON_MAX}字 / a reason has at most {REASON_MAX} characters")
    if user["username"] == by:
        raise Refused("不能为自己的账户申请重新激活 / you cannot ask to re-activate your own account")
    if phone and phone_problem(phone):
        raise Refused(phone_problem(phone))
    kind = "contact" if phone and phone != user["phone"] else "reactivate"
    if kind == "reactivate" and not user["phone"]:
        raise Refused("该账户没有登记的联系电话: 请在申请中填写新的联系电话 (须另一人批准) / the account has no contact "
                      "phone on record: give the new phone in the request (another person approves it)")
    if uow.records.find("account_request", user_id=user["id"], status="pending"):
        raise Refused(f"{user['username']} 已有待批准的申请 / a request for {user['username']} already waits for "
                      "approval")
    request_id = uow.records.add("account_request", {
        "user_id": user["id"], "kind": kind, "phone": phone if kind == "contact" else None, "reason": reason,
        "status": "pending", "requested_by": by, "requested_at": uow.now()})
    shown = mask_phone(phone if kind == "contact" else user["phone"])
    uow.audit.append([Draft(by, "reactivation_requested", f"user:{user['id']}", reason=reason,
                            data={"request": request_id, "kind": kind, "phone": shown})])
    return {"status": "requested", "request_id": request_id, "username": user["username"], "kind": kind,
            "phone": shown}


def request_reactivation(user_id: int, *, store: Store, by: str, phone: str | None = None,
                         reason: str = "") -> dict[str, Any]:
    """Ask for a new code for an activated account (a new phone makes it a contact change); another person decides."""
    phone = (phone or "").strip() or None
    with store.transaction() as uow:
        user = load(uow, "user", user_id, "用户")
        if user["password_hash"] is None:
            raise Refused("该账户尚未激活, 直接发送激活码即可 / the account is not activated yet: just send it a code")
        made = file_request(uow, user, by=by, phone=phone, reason=reason)
        uow.commit()
    return made


def decide_request(request_id: int, approve: bool, *, store: Store, by: str, sealer: Sealer) -> dict[str, Any]:
    """Approve (the code goes to the contact on record, a contact change first sets it) or refuse a request;
    never by whoever asked, nor by the account's own holder."""
    with store.transaction() as uow:
        asked = load(uow, "account_request", request_id, "申请", lock=True)
        if asked["status"] != "pending":
            raise Refused(f"申请 {request_id} 已处理 / request {request_id} was already decided ({asked['status']})")
        if asked["requested_by"] == by:
            raise Refused("申请人不能批准自己的申请, 须由另一名工作人员决定 / whoever asked cannot decide: another member "
                          "of staff must")
        user = load(uow, "user", asked["user_id"], "用户")
        if user["username"] == by:
            raise Refused("不能决定自己账户的申请 / you cannot decide a request about your own account")
        status = "approved" if approve else "refused"
        uow.records.update("account_request", request_id, {"status": status, "decided_by": by,
                                                           "decided_at": uow.now()}, status="pending")
        data: dict[str, Any] = {"request": request_id, "requested_by": asked["requested_by"], "kind": asked["kind"]}
        if approve:
            if asked["kind"] == "contact":
                uow.records.update("user", user["id"], {"phone": asked["phone"]})
                user = {**user, "phone": asked["phone"]}
            end_sessions(uow, user, by=by, why="批准重新激活 / re-activation approved")
            data["expires_at"] = send_code(uow, user, by=by, sealer=sealer, phone=user["phone"]).isoformat()
            data["phone"] = mask_phone(user["phone"])
        uow.audit.append([Draft(by, f"reactivation_{status}", f"user:{user['id']}",
                                reason="批准重新激活 / re-activation approved" if approve else
                                "拒绝重新激活 / re-activation refused", data=data)])
        uow.commit()
    return {"request_id": request_id, "username": user["username"], "status": status,
            "phone": mask_phone(user["phone"]) if approve else None}


def list_requests(*, store: Store, status: str = "pending") -> list[dict[str, Any]]:
    """Requests for the security officer's page: phones masked."""
    with store.reading() as uow:
        rows = uow.records.find("account_request", status=status)
        names = {u["id"]: u["username"] for u in uow.records.find("user")} if rows else {}
    return [{"id": r["id"], "username": names.get(r["user_id"], "?"), "kind": r["kind"], "reason": r["reason"],
             "phone": mask_phone(r["phone"]) if r["phone"] else "", "requested_by": r["requested_by"],
             "requested_at": r["requested_at"]} for r in rows]
