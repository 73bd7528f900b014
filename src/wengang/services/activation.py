"""One-time codes: sent sealed to the person's phone (never shown to staff, never stored in clear), kept as a
hash, spent once to set a password; setting one ends every session of the account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wengang.domain.audit import Draft
from wengang.domain.errors import Refused
from wengang.domain.people import User
from wengang.domain.ports import Sealer, Store, UnitOfWork
from wengang.services.notify import notify_secret
from wengang.services.passwords import check_password, hasher, new_code, token_hash
from wengang.services.sessions import clear_failures, end_sessions, normal_name

CODE_HOURS, CODE_TRIES = 72, 5                  # a code lives three days and survives five wrong tries
WRONG_CODE = "激活码无效或已过期 / the activation code is wrong, used or expired; ask for a new one"


@dataclass(frozen=True, slots=True)
class Activated:
    """An account whose password was just set with its code."""

    uscc: str | None
    username: str
    user_id: int


def send_code(uow: UnitOfWork, user: User, *, by: str, sealer: Sealer, phone: str | None) -> dt.datetime:
    """A new code for the user (older live ones revoked), queued sealed for `phone` (or the unit's portal)."""
    code = new_code()
    for old in uow.activation_codes.unused_of(user.id):
        uow.activation_codes.expire(old.id, uow.now())
    expires = uow.now() + dt.timedelta(hours=CODE_HOURS)
    uow.activation_codes.add(user_id=user.id, code_hash=token_hash(f"{user.username}:{code}"), expires_at=expires,
                             tries=0, issued_by=by, issued_at=uow.now())
    account, account_en, page = ((user.display_name, user.uscc, "/portal/activate") if user.is_employer else
                                 (f"工作人员账户 {user.username}", f"staff account {user.username}", "/staff/activate"))
    notify_secret(uow, kind="activation_code", params={"code": code, "hours": CODE_HOURS, "account": account,
                                                       "account_en": account_en, "page": page},
                  sealer=sealer, uscc=user.uscc, recipient=phone, channel="sms" if phone else "portal")
    return expires


def activate(uscc: str, code: str, password: str, *, store: Store) -> Activated:
    """The unit sets its password with the code it received; a wrong code counts, five wrong ones spend it."""
    return _spend(uscc, code, password, store=store, employer=True)


def activate_staff(username: str, code: str, password: str, *, store: Store) -> Activated:
    """A member of staff sets their own password with the code sent to their phone (the admin never knows it)."""
    return _spend(username, code, password, store=store, employer=False)


def _spend(username: str, code: str, password: str, *, store: Store, employer: bool) -> Activated:
    """Check the code against the account's newest live one; on success set the password and end every session."""
    username, code = normal_name(username, employer=employer), code.strip().upper().replace(" ", "")
    check_password(password, staff=not employer)
    with store.transaction() as uow:
        user = uow.users.named(username)
        if user is None or user.is_employer != employer:
            raise Refused(WRONG_CODE)
        live = [a for a in uow.activation_codes.unused_of(user.id) if a.usable(uow.now(), CODE_TRIES)]
        if not live:
            raise Refused(WRONG_CODE)
        ticket = live[-1]
        if not ticket.matches(token_hash(f"{username}:{code}")):
            uow.activation_codes.tried(ticket.id, ticket.tries + 1)
            uow.commit()
            raise Refused(WRONG_CODE)
        uow.activation_codes.spend(ticket.id, uow.now())
        uow.users.set_password(user.id, hasher.hash(password), set_at=uow.now())
        clear_failures(uow, user)
        end_sessions(uow, user, by=username, why="用激活码设置了新密码 / a new password set with a one-time code")
        uow.audit.append([Draft(username, "account_activated", f"user:{user.id}",
                                reason="用激活码设置密码 / the password was set with a one-time code",
                                data={"username": username})])
        uow.commit()
    return Activated(user.uscc, username, user.id)
