"""People of the web app: staff accounts with one role each, employers activated by a one-time code, and the three
powers kept apart (the admin creates accounts, the security officer grants roles, the auditor audits).

Sign-in and sessions live in services/sessions.py, codes in activation.py, two-person re-activation in
account_requests.py; their entry points are re-exported here, the one module callers use."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Any

from wengang.domain.audit import Draft
from wengang.domain.errors import NotFound, Refused
from wengang.domain.identifiers import mask_phone, uscc_problem
from wengang.domain.people import Role, User
from wengang.domain.ports import Sealer, Store, UnitOfWork
from wengang.rules.parameters import departments_named
from wengang.services.account_requests import (
    Filed,
    decide_request,
    file_request,
    list_requests,
    request_reactivation,
)
from wengang.services.activation import CODE_HOURS, CODE_TRIES, activate, activate_staff, send_code
from wengang.services.passwords import check_password, hasher, password_problem, phone_problem, token_hash
from wengang.services.permissions import BUSINESS_ROLES, EMPLOYER, STAFF_ROLES
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


@dataclass(frozen=True, slots=True)
class Account:
    """An account an action was taken on: its id, name and role (or standing) after it."""

    id: int
    username: str
    role: str


@dataclass(frozen=True, slots=True)
class Invited:
    """A member of staff just invited: the code went to `phone` (masked), valid until `expires_at`."""

    id: int
    username: str
    role: str
    phone: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CodeSent:
    """A unit's activation code just queued (status `sent`), for `phone` (masked) or its portal when None."""

    user_id: int
    uscc: str
    expires_at: dt.datetime
    phone: str | None
    status: str = "sent"


@dataclass(frozen=True, slots=True)
class Standing:
    """An account just enabled or disabled."""

    id: int
    username: str
    active: bool


@dataclass(frozen=True, slots=True)
class Unlocked:
    """An account whose sign-in locks were just lifted."""

    id: int
    username: str


@dataclass(frozen=True, slots=True)
class Listed:
    """A user as the admin's and security officer's page shows it: no hash, the phone masked."""

    id: int
    username: str
    role: Role
    display_name: str
    phone: str
    activated: bool
    locked: bool
    active: bool
    staff: bool
    role_in_force: bool
    created_by: str


def _staff_row(uow: UnitOfWork, username: str, role: str, display_name: str | None, by: str) -> dict[str, Any]:
    """The checked columns of a new staff account (no password, role not yet in force)."""
    if not USERNAME.match(username):
        raise Refused("用户名须为3-40位小写字母、数字或 . _ - , 以字母开头 / a user name is 3-40 lower-case letters, "
                      "digits or . _ -, starting with a letter")
    if role not in STAFF_ROLES:
        raise Refused(f"未知角色 / unknown role {role!r}; use one of {', '.join(STAFF_ROLES)}")
    if uow.users.named(username) is not None:
        raise Refused(f"用户名已存在 / user {username} already exists")
    return {"username": username, "role": role, "uscc": None, "display_name": (display_name or username).strip(),
            "phone": None, "password_hash": None, "password_set_at": None, "active": True, "created_by": by,
            "created_at": uow.now(), "role_granted_by": None, "role_granted_at": None}


def create_staff(username: str, role: str, *, store: Store, by: str, password: str,
                 display_name: str | None = None, phone: str | None = None, department: str | None = None) -> Account:
    """The operator's way, on the server (`wengang people add-staff`): the account with its password and its role in
    force at once. This is how the first admin and security officer come to be; the web never calls it."""
    username = username.strip().lower()
    check_password(password, staff=True)
    if phone and phone_problem(phone):
        raise Refused(phone_problem(phone))
    with store.transaction() as uow:
        row = _staff_row(uow, username, role, display_name, by)
        row.update(password_hash=hasher.hash(password), password_set_at=uow.now(), phone=phone or None,
                   role_granted_by=by, role_granted_at=uow.now(), department=_department(department, role))
        user_id = uow.users.add(**row).id
        uow.audit.append([Draft(by, "user_created", f"user:{user_id}", reason=f"服务器上新建用户 / new {role} user "
                                "added by the operator on the server",
                                data={"username": username, "role": role, "department": row["department"]})])
        uow.commit()
    return Account(user_id, username, role)


def _department(department: str | None, role: str) -> str | None:
    """A department of a joint review that some pack names, for a business role; None for none."""
    if not department:
        return None
    known = departments_named()
    if department not in known:
        raise Refused(f"没有这个行业主管部门 / no department {department!r}; 已知 known: "
                      f"{', '.join(sorted(known)) or '无 / none'}")
    if role not in BUSINESS_ROLES:
        raise Refused(f"行业主管部门的工作人员须为业务角色 / a department's member of staff holds a business role "
                      f"({', '.join(BUSINESS_ROLES)}), not {role}")
    return department


def invite_staff(username: str, role: str, *, store: Store, by: str, phone: str, sealer: Sealer,
                 display_name: str | None = None) -> Invited:
    """The admin's way: the account without a password (its holder sets one with the code sent, sealed, to their
    own phone) and with its role waiting for the security officer, another person, to grant it."""
    username, phone = username.strip().lower(), (phone or "").strip()
    if phone_problem(phone):
        raise Refused(phone_problem(phone))
    with store.transaction() as uow:
        row = _staff_row(uow, username, role, display_name, by)
        user = uow.users.add(**{**row, "phone": phone})
        expires = send_code(uow, user, by=by, sealer=sealer, phone=phone)
        uow.audit.append([Draft(by, "user_created", f"user:{user.id}", reason=f"新建用户, 角色待安全管理员确认 / new "
                                f"{role} user; the role waits for the security officer",
                                data={"username": username, "role": role, "phone": mask_phone(phone)})])
        uow.commit()
    return Invited(user.id, username, role, mask_phone(phone), expires)


def _unit_name(uow: UnitOfWork, uscc: str) -> str | None:
    """The unit's name from its newest case in any cycle; None when no cycle knows the unit."""
    for cycle in reversed(uow.cycles.all()):
        case = uow.cases.find(cycle.id, uscc)
        if case is not None:
            return case.name
    return None


def issue_activation(uscc: str, *, store: Store, by: str, sealer: Sealer, phone: str | None = None,
                     reason: str = "") -> CodeSent | Filed:
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
        user = uow.users.named(uscc)
        if user is not None and user.activated:
            made = file_request(uow, user, by=by, phone=phone, reason=reason)
            uow.commit()
            return made
        if user is not None:
            user = replace(user, phone=phone or user.phone)
            uow.users.set_phone(user.id, user.phone)
        else:
            user = uow.users.add(username=uscc, role=EMPLOYER, uscc=uscc, display_name=name, phone=phone,
                                 password_hash=None, password_set_at=None, active=True, created_by=by,
                                 created_at=uow.now(), role_granted_by=by, role_granted_at=uow.now())
        expires = send_code(uow, user, by=by, sealer=sealer, phone=user.phone)
        shown = mask_phone(user.phone) if user.phone else None
        uow.audit.append([Draft(by, "activation_issued", f"user:{user.id}", reason="发放激活码 / activation code "
                                "sent", data={"uscc": uscc, "phone": shown})])
        uow.commit()
    return CodeSent(user.id, uscc, expires, shown)


def list_users(*, store: Store) -> list[Listed]:
    """Users for the admin's and security officer's page: no hashes, phones masked."""
    with store.reading() as uow:
        rows, now = uow.users.all(), uow.now()
        locked = uow.login_failures.locked_users(now)
    return [Listed(u.id, u.username, u.role, u.display_name, mask_phone(u.phone) if u.phone else "", u.activated,
                   u.locked(now) or u.id in locked, u.active, u.is_staff, u.role_in_force, u.created_by)
            for u in rows]


def set_active(user_id: int, active: bool, *, store: Store, by: str) -> Standing:
    """Disable (or re-enable) a user: disabling ends every session, so re-enabling brings no old token back."""
    with store.transaction() as uow:
        user = uow.users.get(user_id)
        uow.users.set_active(user_id, active)
        if not active:
            end_sessions(uow, user, by=by, why="账户停用 / the account was disabled")
        uow.audit.append([Draft(by, "user_enabled" if active else "user_disabled", f"user:{user_id}",
                                reason="启用 / enabled" if active else "停用 / disabled",
                                data={"username": user.username})])
        uow.commit()
    return Standing(user_id, user.username, active)


def _staff_account(uow: UnitOfWork, user_id: int, by: str) -> User:
    """A staff account someone else may act on: never one's own, never one's own creation."""
    user = uow.users.get(user_id)
    user.check_role_change_by(by)
    return user


def grant_role(user_id: int, role: str, *, store: Store, by: str) -> Account:
    """The security officer puts a role in force (confirms the one asked for, or gives another); one role per
    person, so an admin given a business role is no longer an admin. The account's sessions end."""
    if role not in STAFF_ROLES:
        raise Refused(f"未知角色 / unknown role {role!r}; use one of {', '.join(STAFF_ROLES)}")
    with store.transaction() as uow:
        user = _staff_account(uow, user_id, by)
        uow.users.grant(user_id, role, by=by, at=uow.now())
        end_sessions(uow, user, by=by, why="角色变更 / the role changed")
        uow.audit.append([Draft(by, "role_granted", f"user:{user_id}", reason=f"授予角色 / role {role} granted",
                                data={"username": user.username, "from": user.role.value, "to": role})])
        uow.commit()
    return Account(user_id, user.username, role)


def revoke_role(user_id: int, *, store: Store, by: str) -> Account:
    """The security officer takes a role out of force: the account signs in to nothing until one is granted."""
    with store.transaction() as uow:
        user = _staff_account(uow, user_id, by)
        uow.users.revoke(user_id)
        end_sessions(uow, user, by=by, why="角色撤销 / the role was revoked")
        uow.audit.append([Draft(by, "role_revoked", f"user:{user_id}", reason=f"撤销角色 / role {user.role.value} "
                                "revoked", data={"username": user.username, "role": user.role.value})])
        uow.commit()
    return Account(user_id, user.username, user.role.value)


def unlock(user_id: int, *, store: Store, by: str) -> Unlocked:
    """The security officer lifts every sign-in lock of an account (from every address)."""
    with store.transaction() as uow:
        user = uow.users.get(user_id)
        if user.username == by:
            raise Refused("不能为自己的账户解锁 / you cannot unlock your own account")
        clear_failures(uow, user)
        uow.audit.append([Draft(by, "user_unlocked", f"user:{user_id}", reason="解除登录锁定 / sign-in locks lifted",
                                data={"username": user.username})])
        uow.commit()
    return Unlocked(user_id, user.username)
