"""People of the web app: staff accounts with one role each, employers activated by a one-time code, and the three
powers kept apart (the admin creates accounts, the security officer grants roles, the auditor audits).

Sign-in and sessions live in services/sessions.py, codes in activation.py, two-person re-activation in
account_requests.py; their entry points are re-exported here, the one module callers use."""

from __future__ import annotations

import re
from typing import Any

from wengang.domain.audit import Draft
from wengang.domain.errors import NotFound, Refused
from wengang.domain.identifiers import mask_phone, uscc_problem
from wengang.domain.ports import Sealer, Store, UnitOfWork
from wengang.services.account_requests import (
    decide_request,
    file_request,
    list_requests,
    request_reactivation,
)
from wengang.services.activation import CODE_HOURS, CODE_TRIES, activate, activate_staff, send_code
from wengang.services.casework import load
from wengang.services.passwords import check_password, hasher, password_problem, phone_problem, token_hash
from wengang.services.permissions import EMPLOYER, STAFF_ROLES
from wengang.services.sessions import (
    MAX_FAILURES,
    SESSION_HOURS,
    PasswordExpired,
    Principal,
    change_password,
    clear_failures,
    end_sessions,
    principal_for_cli,
    resolve,
    sign_in,
    sign_out,
    touch,
)

__all__ = ["CODE_HOURS", "CODE_TRIES", "EMPLOYER", "MAX_FAILURES", "SESSION_HOURS", "STAFF_ROLES", "PasswordExpired",
           "Principal", "activate", "activate_staff", "change_password", "create_staff", "decide_request",
           "grant_role", "invite_staff", "issue_activation", "list_requests", "list_users", "password_problem",
           "phone_problem", "principal_for_cli", "request_reactivation", "resolve", "revoke_role", "set_active",
           "sign_in", "sign_out", "token_hash", "touch", "unlock"]
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,39}$")


def _staff_row(uow: UnitOfWork, username: str, role: str, display_name: str | None, by: str) -> dict[str, Any]:
    """The checked columns of a new staff account (no password, role not yet in force)."""
    if not USERNAME.match(username):
        raise Refused("用户名须为3-40位小写字母、数字或 . _ - , 以字母开头 / a user name is 3-40 lower-case letters, "
                      "digits or . _ -, starting with a letter")
    if role not in STAFF_ROLES:
        raise Refused(f"未知角色 / unknown role {role!r}; use one of {', '.join(STAFF_ROLES)}")
    if uow.records.find("user", username=username):
        raise Refused(f"用户名已存在 / user {username} already exists")
    return {"username": username, "role": role, "uscc": None, "display_name": (display_name or username).strip(),
            "password_hash": None, "password_set_at": None, "failed_logins": 0, "active": True, "created_by": by,
            "created_at": uow.now(), "role_granted_by": None, "role_granted_at": None}


def create_staff(username: str, role: str, *, store: Store, by: str, password: str,
                 display_name: str | None = None, phone: str | None = None) -> dict[str, Any]:
    """The operator's way, on the server (`wengang people add-staff`): the account with its password and its role in
    force at once. This is how the first admin and security officer come to be; the web never calls it."""
    username = username.strip().lower()
    check_password(password, staff=True)
    if phone and phone_problem(phone):
        raise Refused(phone_problem(phone))
    with store.transaction() as uow:
        row = _staff_row(uow, username, role, display_name, by)
        row.update(password_hash=hasher.hash(password), password_set_at=uow.now(), phone=phone or None,
                   role_granted_by=by, role_granted_at=uow.now())
        user_id = uow.records.add("user", row)
        uow.audit.append([Draft(by, "user_created", f"user:{user_id}", reason=f"服务器上新建用户 / new {role} user "
                                "added by the operator on the server", data={"username": username, "role": role})])
        uow.commit()
    return {"id": user_id, "username": username, "role": role}


def invite_staff(username: str, role: str, *, store: Store, by: str, phone: str, sealer: Sealer,
                 display_name: str | None = None) -> dict[str, Any]:
    """The admin's way: the account without a password (its holder sets one with the code sent, sealed, to their
    own phone) and with its role waiting for the security officer, another person, to grant it."""
    username, phone = username.strip().lower(), (phone or "").strip()
    if phone_problem(phone):
        raise Refused(phone_problem(phone))
    with store.transaction() as uow:
        row = _staff_row(uow, username, role, display_name, by)
        user_id = uow.records.add("user", {**row, "phone": phone})
        expires = send_code(uow, {**row, "id": user_id, "phone": phone}, by=by, sealer=sealer, phone=phone)
        uow.audit.append([Draft(by, "user_created", f"user:{user_id}", reason=f"新建用户, 角色待安全管理员确认 / new "
                                f"{role} user; the role waits for the security officer",
                                data={"username": username, "role": role, "phone": mask_phone(phone)})])
        uow.commit()
    return {"id": user_id, "username": username, "role": role, "phone": mask_phone(phone), "expires_at": expires}


def _unit_name(uow: UnitOfWork, uscc: str) -> str | None:
    """The unit's name from its newest case in any cycle; None when no cycle knows the unit."""
    for cycle in reversed(uow.cycles.all()):
        case = uow.cases.find(cycle.id, uscc)
        if case is not None:
            return case.name
    return None


def issue_activation(uscc: str, *, store: Store, by: str, sealer: Sealer, phone: str | None = None,
                     reason: str = "") -> dict[str, Any]:
    """A one-time code for a unit not yet activated, sent sealed through the outbox (only its hash is kept); for an
    activated unit this files a re-activation request instead, which another person approves."""
    uscc = uscc.strip().upper()
    problem = uscc_problem(uscc)
    if problem:
        raise Refused(problem)
    phone = (phone or "").strip() or None
    if phone and phone_problem(phone):
        raise Refused(phone_problem(phone))
    with store.transaction() as uow:
        name = _unit_name(uow, uscc)
        if name is None:
            raise NotFound(f"没有 {uscc} 的案件, 无需开通 / no cycle has a case of {uscc}: nothing to follow yet")
        found = uow.records.find("user", username=uscc)
        if found and found[0]["password_hash"] is not None:
            made = file_request(uow, found[0], by=by, phone=phone, reason=reason)
            uow.commit()
            return {**made, "uscc": uscc, "user_id": found[0]["id"]}
        if found:
            user = {**found[0], "phone": phone or found[0]["phone"]}
            uow.records.update("user", user["id"], {"phone": user["phone"]})
        else:
            user = {"username": uscc, "role": EMPLOYER, "uscc": uscc, "display_name": name, "phone": phone,
                    "failed_logins": 0, "active": True, "created_by": by, "created_at": uow.now(),
                    "role_granted_by": by, "role_granted_at": uow.now()}
            user["id"] = uow.records.add("user", user)
        expires = send_code(uow, user, by=by, sealer=sealer, phone=user["phone"])
        shown = mask_phone(user["phone"]) if user["phone"] else None
        uow.audit.append([Draft(by, "activation_issued", f"user:{user['id']}", reason="发放激活码 / activation code "
                                "sent", data={"uscc": uscc, "phone": shown})])
        uow.commit()
    return {"status": "sent", "user_id": user["id"], "uscc": uscc, "expires_at": expires, "phone": shown}


def list_users(*, store: Store) -> list[dict[str, Any]]:
    """Users for the admin's and security officer's page: no hashes, phones masked."""
    with store.reading() as uow:
        rows, now = uow.records.find("user"), uow.now()
        locked = {p["user_id"] for p in uow.records.find("login_failure") if (p["locked_until"] or now) > now}
    return [{"id": u["id"], "username": u["username"], "role": u["role"], "display_name": u["display_name"],
             "phone": mask_phone(u["phone"]) if u["phone"] else "", "activated": u["password_hash"] is not None,
             "locked": (u["locked_until"] or now) > now or u["id"] in locked, "active": u["active"],
             "staff": u["role"] != EMPLOYER,
             "role_in_force": u["role_granted_at"] is not None, "created_by": u["created_by"]} for u in rows]


def set_active(user_id: int, active: bool, *, store: Store, by: str) -> dict[str, Any]:
    """Disable (or re-enable) a user: disabling ends every session, so re-enabling brings no old token back."""
    with store.transaction() as uow:
        user = load(uow, "user", user_id, "用户")
        uow.records.update("user", user_id, {"active": active})
        if not active:
            end_sessions(uow, user, by=by, why="账户停用 / the account was disabled")
        uow.audit.append([Draft(by, "user_enabled" if active else "user_disabled", f"user:{user_id}",
                                reason="启用 / enabled" if active else "停用 / disabled",
                                data={"username": user["username"]})])
        uow.commit()
    return {"id": user_id, "username": user["username"], "active": active}


def _staff_account(uow: UnitOfWork, user_id: int, by: str) -> dict[str, Any]:
    """A staff account someone else may act on: never one's own, never one's own creation."""
    user = load(uow, "user", user_id, "用户")
    if user["role"] == EMPLOYER:
        raise Refused("单位账户没有可授予的角色 / an employer's account has no role to grant")
    if by in (user["username"], user["created_by"]):
        raise Refused("须由另一人授予或撤销角色: 不能是账户本人, 也不能是创建账户的人 / another person must grant or "
                      "revoke a role: neither the account's holder nor whoever created it")
    return user


def grant_role(user_id: int, role: str, *, store: Store, by: str) -> dict[str, Any]:
    """The security officer puts a role in force (confirms the one asked for, or gives another); one role per
    person, so an admin given a business role is no longer an admin. The account's sessions end."""
    if role not in STAFF_ROLES:
        raise Refused(f"未知角色 / unknown role {role!r}; use one of {', '.join(STAFF_ROLES)}")
    with store.transaction() as uow:
        user = _staff_account(uow, user_id, by)
        uow.records.update("user", user_id, {"role": role, "role_granted_by": by, "role_granted_at": uow.now()})
        end_sessions(uow, user, by=by, why="角色变更 / the role changed")
        uow.audit.append([Draft(by, "role_granted", f"user:{user_id}", reason=f"授予角色 / role {role} granted",
                                data={"username": user["username"], "from": user["role"], "to": role})])
        uow.commit()
    return {"id": user_id, "username": user["username"], "role": role}


def revoke_role(user_id: int, *, store: Store, by: str) -> dict[str, Any]:
    """The security officer takes a role out of force: the account signs in to nothing until one is granted."""
    with store.transaction() as uow:
        user = _staff_account(uow, user_id, by)
        uow.records.update("user", user_id, {"role_granted_by": None, "role_granted_at": None})
        end_sessions(uow, user, by=by, why="角色撤销 / the role was revoked")
        uow.audit.append([Draft(by, "role_revoked", f"user:{user_id}", reason=f"撤销角色 / role {user['role']} "
                                "revoked", data={"username": user["username"], "role": user["role"]})])
        uow.commit()
    return {"id": user_id, "username": user["username"], "role": user["role"]}


def unlock(user_id: int, *, store: Store, by: str) -> dict[str, Any]:
    """The security officer lifts every sign-in lock of an account (from every address)."""
    with store.transaction() as uow:
        user = load(uow, "user", user_id, "用户")
        if user["username"] == by:
            raise Refused("不能为自己的账户解锁 / you cannot unlock your own account")
        clear_failures(uow, user_id)
        uow.audit.append([Draft(by, "user_unlocked", f"user:{user_id}", reason="解除登录锁定 / sign-in locks lifted",
                                data={"username": user["username"]})])
        uow.commit()
    return {"id": user_id, "username": user["username"]}
