"""People of the web app: staff with roles, employers activated by a one-time code, sign-in with lock-out, sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from wengang.domain.audit import Draft
from wengang.domain.errors import NotFound, Refused
from wengang.domain.identifiers import mask_phone, uscc_problem
from wengang.domain.ports import Store, UnitOfWork
from wengang.services.casework import load
from wengang.services.notify import notify

STAFF_ROLES = ("clerk", "reviewer", "approver", "auditor", "admin")
EMPLOYER = "employer"
MAX_FAILURES, LOCK_MINUTES = 5, 15              # five wrong passwords in a row lock the account for 15 minutes
CODE_HOURS, CODE_TRIES = 72, 5                  # an activation code lives three days and survives five wrong tries
SESSION_HOURS = 8
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I: read over the phone without mistakes
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,39}$")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
WRONG = "用户名(信用代码)或密码错误 / wrong user name (credit code) or password"
_hasher = PasswordHasher()
_dummy: list[str] = []


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: the user, its role, its unit (employers only), and its session's CSRF token."""

    user_id: int
    username: str
    role: str
    uscc: str | None
    display_name: str
    session_id: int
    csrf: str
    expires_at: dt.datetime | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


def token_hash(token: str) -> str:
    """Sessions and codes are stored as sha256: a copy of the table opens nothing."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def password_problem(password: str) -> str | None:
    """At least 10 characters with a letter and a digit, or None when the password is acceptable."""
    if len(password) < 10 or len(password) > 128:
        return "密码应为10至128个字符 / a password has 10 to 128 characters"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "密码须同时含字母和数字 / a password needs both letters and digits"
    return None


def phone_problem(phone: str) -> str | None:
    """A mainland mobile number or a landline with area code, or None when it is one."""
    if not PHONE.match(phone):
        return "电话号码格式不对 / not a phone number (11-digit mobile, or area code and number)"
    return None


def _check_password(password: str) -> None:
    """Refuse a weak password with the reason."""
    problem = password_problem(password)
    if problem:
        raise Refused(problem)


def create_staff(username: str, role: str, *, store: Store, by: str, password: str,
                 display_name: str | None = None) -> dict[str, Any]:
    """A staff account with one role and a password the admin hands over in person."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise Refused("用户名须为3-40位小写字母、数字或 . _ - , 以字母开头 / a user name is 3-40 lower-case letters, "
                      "digits or . _ -, starting with a letter")
    if role not in STAFF_ROLES:
        raise Refused(f"未知角色 / unknown role {role!r}; use one of {', '.join(STAFF_ROLES)}")
    _check_password(password)
    with store.transaction() as uow:
        if uow.records.find("user", username=username):
            raise Refused(f"用户名已存在 / user {username} already exists")
        user_id = uow.records.add("user", {
            "username": username, "role": role, "uscc": None, "display_name": (display_name or username).strip(),
            "password_hash": _hasher.hash(password), "password_set_at": uow.now(), "failed_logins": 0,
            "active": True, "created_by": by, "created_at": uow.now()})
        uow.audit.append([Draft(by, "user_created", f"user:{user_id}", reason=f"新建用户 / new {role} user",
                                data={"username": username, "role": role})])
        uow.commit()
    return {"id": user_id, "username": username, "role": role}


def _unit_name(uow: UnitOfWork, uscc: str) -> str | None:
    """The unit's name from its newest case in any cycle; None when no cycle knows the unit."""
    for cycle in reversed(uow.records.find("cycle")):
        case = uow.cases.find(cycle["id"], uscc)
        if case is not None:
            return case.name
    return None


def issue_activation(uscc: str, *, store: Store, by: str, phone: str | None = None) -> dict[str, Any]:
    """A one-time code for a unit, sent through the notification outbox; only its hash is kept."""
    uscc = uscc.strip().upper()
    problem = uscc_problem(uscc)
    if problem:
        raise Refused(problem)
    phone = (phone or "").strip() or None
    if phone and phone_problem(phone):
        raise Refused(phone_problem(phone))
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    with store.transaction() as uow:
        name = _unit_name(uow, uscc)
        if name is None:
            raise NotFound(f"没有 {uscc} 的案件, 无需开通 / no cycle has a case of {uscc}: nothing to follow yet")
        found = uow.records.find("user", username=uscc)
        if found:
            user_id = found[0]["id"]
            uow.records.update("user", user_id, {"phone": phone or found[0]["phone"]})
        else:
            user_id = uow.records.add("user", {
                "username": uscc, "role": EMPLOYER, "uscc": uscc, "display_name": name, "phone": phone,
                "failed_logins": 0, "active": True, "created_by": by, "created_at": uow.now()})
        for old in uow.records.find("activation", user_id=user_id, used_at=None):
            uow.records.update("activation", old["id"], {"expires_at": uow.now()})      # a new code revokes the old
        expires = uow.now() + dt.timedelta(hours=CODE_HOURS)
        uow.records.add("activation", {"user_id": user_id, "code_hash": token_hash(f"{uscc}:{code}"),
                                       "expires_at": expires, "tries": 0, "issued_by": by, "issued_at": uow.now()})
        notify(uow, kind="activation_code", uscc=uscc, recipient=phone, channel="sms" if phone else "portal",
               text=f"【稳岗返还】{name} 的激活码 {code}, {CODE_HOURS}小时内有效, 请勿告诉他人 / activation code "
                    f"{code} for {uscc}, valid {CODE_HOURS} hours; never share it")
        uow.audit.append([Draft(by, "activation_issued", f"user:{user_id}", reason="发放激活码 / activation code sent",
                                data={"uscc": uscc, "phone": mask_phone(phone) if phone else None})])
        uow.commit()
    return {"user_id": user_id, "uscc": uscc, "expires_at": expires, "phone": mask_phone(phone) if phone else None}


def activate(uscc: str, code: str, password: str, *, store: Store) -> dict[str, Any]:
    """The unit sets its password with the code it received; a wrong code counts, five wrong ones spend it."""
    uscc, code = uscc.strip().upper(), code.strip().upper().replace(" ", "")
    _check_password(password)
    wrong = Refused("激活码无效或已过期 / the activation code is wrong, used or expired; ask for a new one")
    with store.transaction() as uow:
        found = uow.records.find("user", username=uscc, role=EMPLOYER)
        live = [a for a in uow.records.find("activation", user_id=found[0]["id"], used_at=None)
                if a["expires_at"] > uow.now() and a["tries"] < CODE_TRIES] if found else []
        if not live:
            raise wrong
        ticket = live[-1]
        if not hmac.compare_digest(ticket["code_hash"], token_hash(f"{uscc}:{code}")):
            uow.records.update("activation", ticket["id"], {"tries": ticket["tries"] + 1})
            uow.commit()
            raise wrong
        uow.records.update("activation", ticket["id"], {"used_at": uow.now()}, used_at=None)
        uow.records.update("user", found[0]["id"], {"password_hash": _hasher.hash(password),
                                                    "password_set_at": uow.now(), "failed_logins": 0,
                                                    "locked_until": None})
        uow.audit.append([Draft(uscc, "account_activated", f"user:{found[0]['id']}",
                                reason="单位设置密码 / the unit set its password", data={"uscc": uscc})])
        uow.commit()
    return {"uscc": uscc, "user_id": found[0]["id"]}


def _verify(stored: str | None, password: str) -> bool:
    """argon2 check; an unknown user costs the same time as a known one."""
    if stored is None:
        if not _dummy:
            _dummy.append(_hasher.hash(secrets.token_hex(16)))
        stored = _dummy[0]
        password = password + "\x00never"
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def sign_in(username: str, password: str, *, store: Store, employer: bool) -> tuple[str, Principal]:
    """Check the password; five failures lock the account; success opens a session (its token goes to the client)."""
    username = username.strip().upper() if employer else username.strip().lower()
    with store.transaction() as uow:
        found = [u for u in uow.records.find("user", username=username) if (u["role"] == EMPLOYER) == employer]
        user = found[0] if found and found[0]["active"] else None
        if user and user["locked_until"] and user["locked_until"] > uow.now():
            raise Refused(f"连续输错密码, 账户锁定至 {_local(user['locked_until'])} / too many wrong passwords: "
                          f"locked until {_local(user['locked_until'])} (Beijing time)")
        if user is not None and user["password_hash"] is None:
            raise Refused("账户尚未激活, 请先用激活码设置密码 / not activated yet: set a password with your code")
        if not _verify(user["password_hash"] if user else None, password):
            if user is not None:
                _failed(uow, user)
                uow.commit()
            raise Refused(WRONG)
        changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None} if user["failed_logins"] else {}
        if _hasher.check_needs_rehash(user["password_hash"]):
            changes["password_hash"] = _hasher.hash(password)
        if changes:
            uow.records.update("user", user["id"], changes)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        session_id = uow.records.add("session", {
            "token_hash": token_hash(token), "user_id": user["id"], "csrf": csrf, "created_at": uow.now(),
            "expires_at": uow.now() + dt.timedelta(hours=SESSION_HOURS)})
        uow.audit.append([Draft(username, "signed_in", f"user:{user['id']}", reason="登录 / signed in",
                                data={"session": session_id})])
        uow.commit()
    return token, Principal(user["id"], username, user["role"], user["uscc"], user["display_name"], session_id, csrf,
                            uow.now() + dt.timedelta(hours=SESSION_HOURS))


def _failed(uow: UnitOfWork, user: dict[str, Any]) -> None:
    """Count a wrong password; the fifth in a row locks the account (audited)."""
    failures = user["failed_logins"] + 1
    if failures < MAX_FAILURES:
        uow.records.update("user", user["id"], {"failed_logins": failures})
        return
    until = uow.now() + dt.timedelta(minutes=LOCK_MINUTES)
    uow.records.update("user", user["id"], {"failed_logins": 0, "locked_until": until})
    uow.audit.append([Draft("system", "login_locked", f"user:{user['id']}",
                            reason=f"连续{MAX_FAILURES}次密码错误, 锁定{LOCK_MINUTES}分钟 / locked after "
                                   f"{MAX_FAILURES} wrong passwords", data={"until": until.isoformat()})])


def _local(at: dt.datetime) -> str:
    """A stored UTC time as Beijing wall-clock time (China keeps one zone and no daylight saving)."""
    return (at + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def resolve(token: str, *, store: Store) -> Principal | None:
    """The principal of a live session token, or None (unknown, ended, expired, or the user disabled)."""
    if not token or len(token) > 200:
        return None
    with store.reading() as uow:
        found = uow.records.find("session", token_hash=token_hash(token))
        if not found or found[0]["ended_at"] is not None or found[0]["expires_at"] <= uow.now():
            return None
        s = found[0]
        user = uow.records.get("user", s["user_id"])
    if user is None or not user["active"]:
        return None
    return Principal(user["id"], user["username"], user["role"], user["uscc"], user["display_name"], s["id"], s["csrf"],
                     s["expires_at"])


def sign_out(principal: Principal, *, store: Store) -> None:
    """End the session now; its token opens nothing afterwards."""
    with store.transaction() as uow:
        uow.records.update("session", principal.session_id, {"ended_at": uow.now()}, ended_at=None)
        uow.audit.append([Draft(principal.username, "signed_out", f"user:{principal.user_id}",
                                reason="退出 / signed out", data={"session": principal.session_id})])
        uow.commit()


def list_users(*, store: Store) -> list[dict[str, Any]]:
    """Users for the admin page: no hashes, phones masked."""
    with store.reading() as uow:
        rows = uow.records.find("user")
    return [{"id": u["id"], "username": u["username"], "role": u["role"], "display_name": u["display_name"],
             "phone": mask_phone(u["phone"]) if u["phone"] else "", "activated": u["password_hash"] is not None,
             "locked": u["locked_until"] is not None, "active": u["active"]} for u in rows]


def set_active(user_id: int, active: bool, *, store: Store, by: str) -> dict[str, Any]:
    """Disable (or re-enable) a user: its sessions stop working at once."""
    with store.transaction() as uow:
        user = load(uow, "user", user_id, "用户")
        uow.records.update("user", user_id, {"active": active})
        uow.audit.append([Draft(by, "user_enabled" if active else "user_disabled", f"user:{user_id}",
                                reason="启用 / enabled" if active else "停用 / disabled",
                                data={"username": user["username"]})])
        uow.commit()
    return {"id": user_id, "username": user["username"], "active": active}
