"""Re-activating an account that is already in use takes two people: one member of staff asks, another (the
security officer) approves; the new code goes only to the contact on record, and a new contact phone is set only by
such an approval. Both steps are audited, and the approval ends every session of the account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from wengang.domain.audit import Draft
from wengang.domain.errors import Refused
from wengang.domain.identifiers import mask_phone
from wengang.domain.people import APPROVED, CONTACT, PENDING, REACTIVATE, User
from wengang.domain.ports import Sealer, Store, UnitOfWork
from wengang.services.activation import send_code
from wengang.services.passwords import phone_problem
from wengang.services.sessions import end_sessions

REASON_MAX = 200
NO_PHONE = ("该账户没有登记的联系电话: 请在申请中填写新的联系电话 (须另一人批准) / the account has no contact phone on "
            "record: give the new phone in the request (another person approves it)")


@dataclass(frozen=True, slots=True)
class Filed:
    """A request just filed (status `requested`): which account, which kind, the phone it will go to, masked."""

    request_id: int
    username: str
    kind: str
    phone: str
    user_id: int
    uscc: str | None
    status: str = "requested"


@dataclass(frozen=True, slots=True)
class Decided:
    """A request just decided; the phone the code went to (masked) when approved."""

    request_id: int
    username: str
    status: str
    phone: str | None


@dataclass(frozen=True, slots=True)
class Waiting:
    """A request as the security officer's page shows it: the new phone masked."""

    id: int
    username: str
    kind: str
    reason: str
    phone: str
    requested_by: str
    requested_at: dt.datetime


def file_request(uow: UnitOfWork, user: User, *, by: str, phone: str | None, reason: str) -> Filed:
    """Record the request (in the caller's transaction): a new phone makes it a contact change."""
    reason = reason.strip() or "重新发送激活码 / send a new activation code"
    if len(reason) > REASON_MAX:
        raise Refused(f"理由最多{REASON_MAX}字 / a reason has at most {REASON_MAX} characters")
    if user.username == by:
        raise Refused("不能为自己的账户申请重新激活 / you cannot ask to re-activate your own account")
    if phone and phone_problem(phone):
        raise Refused(phone_problem(phone))
    if phone and phone != user.phone:
        kind, to = CONTACT, phone
    elif user.phone:
        kind, to = REACTIVATE, user.phone
    else:
        raise Refused(NO_PHONE)
    if uow.account_requests.pending_of(user.id):
        raise Refused(f"{user.username} 已有待批准的申请 / a request for {user.username} already waits for "
                      "approval")
    request_id = uow.account_requests.add(user_id=user.id, kind=kind, phone=phone if kind == CONTACT else None,
                                          reason=reason, status=PENDING, requested_by=by,
                                          requested_at=uow.now()).id
    shown = mask_phone(to)
    uow.audit.append([Draft(by, "reactivation_requested", f"user:{user.id}", reason=reason,
                            data={"request": request_id, "kind": kind, "phone": shown})])
    return Filed(request_id, user.username, kind, shown, user.id, user.uscc)


def request_reactivation(user_id: int, *, store: Store, by: str, phone: str | None = None,
                         reason: str = "") -> Filed:
    """Ask for a new code for an activated account (a new phone makes it a contact change); another person decides."""
    phone = (phone or "").strip() or None
    with store.transaction() as uow:
        user = uow.users.get(user_id)
        if not user.activated:
            raise Refused("该账户尚未激活, 直接发送激活码即可 / the account is not activated yet: just send it a code")
        made = file_request(uow, user, by=by, phone=phone, reason=reason)
        uow.commit()
    return made


def decide_request(request_id: int, approve: bool, *, store: Store, by: str, sealer: Sealer) -> Decided:
    """Approve (the code goes to the contact on record, a contact change first sets it) or refuse a request;
    never by whoever asked, nor by the account's own holder."""
    with store.transaction() as uow:
        asked = uow.account_requests.get(request_id, lock=True)
        decided = asked.decide(approve, by=by, at=uow.now())
        user = uow.users.get(asked.user_id)
        if user.username == by:
            raise Refused("不能决定自己账户的申请 / you cannot decide a request about your own account")
        if not uow.account_requests.decide(decided):
            raise Refused(f"申请 {request_id} 已处理 / request {request_id} was already decided")
        data: dict[str, object] = {"request": request_id, "requested_by": asked.requested_by, "kind": asked.kind}
        if decided.status == APPROVED:
            if asked.kind == CONTACT:
                uow.users.set_phone(user.id, asked.phone)
                user = replace(user, phone=asked.phone)
            if user.phone is None:             # a request is only filed with a phone to send the code to
                raise Refused(NO_PHONE)
            end_sessions(uow, user, by=by, why="批准重新激活 / re-activation approved")
            data["expires_at"] = send_code(uow, user, by=by, sealer=sealer, phone=user.phone).isoformat()
            data["phone"] = mask_phone(user.phone)
        uow.audit.append([Draft(by, f"reactivation_{decided.status}", f"user:{user.id}",
                                reason="批准重新激活 / re-activation approved" if approve else
                                "拒绝重新激活 / re-activation refused", data=data)])
        uow.commit()
    return Decided(request_id, user.username, decided.status, mask_phone(user.phone) if user.phone and approve
                   else None)


def list_requests(*, store: Store, status: str = PENDING) -> list[Waiting]:
    """Requests for the security officer's page: phones masked."""
    with store.reading() as uow:
        rows = uow.account_requests.with_status(status)
        names = {u.id: u.username for u in uow.users.all()} if rows else {}
    return [Waiting(r.id, names.get(r.user_id, "?"), r.kind, r.reason, mask_phone(r.phone) if r.phone else "",
                    r.requested_by, r.requested_at) for r in rows]
