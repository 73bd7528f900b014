"""Sign-in and sessions as MLPS level 3 asks: lock-out per account and address, one message for every refusal,
failures audited, password rotation for staff, one session per staff account, idle timeout, sessions that end
whenever the account's password, role or standing changes, and the CLI's signed-in principal."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field, replace

from wengang.domain.audit import Draft
from wengang.domain.errors import Refused, StoreBusy
from wengang.domain.people import LoginFailure, User
from wengang.domain.ports import Store, UnitOfWork
from wengang.services.passwords import check_password, hasher, token_hash, verify
from wengang.services.permissions import EMPLOYER, PERMISSIONS, STAFF_ROLES, role_may

SESSION_HOURS = 8
STAFF_IDLE, EMPLOYER_IDLE = dt.timedelta(minutes=20), dt.timedelta(minutes=60)   # no activity that long: it ends
TOUCH_EVERY = dt.timedelta(minutes=1)             # a session's last activity is written at most once a minute
MAX_FAILURES, LOCK_MINUTES = 5, 15                # five wrong passwords from one address lock that address out
ACCOUNT_FAILURES = 50                             # fifty in a row from anywhere lock the whole account (audited)
PASSWORD_DAYS = 90                                # a staff password older than this must be changed at sign-in
WRONG = "用户名(信用代码)或密码错误 / wrong user name (credit code) or password"
ROLE_PENDING = ("角色尚待安全管理员确认, 确认后方可登录 / your role waits for the security officer's confirmation; "
                "you can sign in once it is confirmed")
NOT_SIGNED_IN = ("未登录或会话已结束, 请先运行 wengang login 用户名 / not signed in, or the session ended (signed out, "
                 "idle, expired, or a newer sign-in): run `wengang login USERNAME` first")


class PasswordExpired(Refused):
    """The password is right but older than the rotation period: a new one must be set before anything else."""

    def __init__(self) -> None:
        super().__init__(f"密码已使用超过{PASSWORD_DAYS}天, 请先设置新密码 / your password is older than "
                         f"{PASSWORD_DAYS} days: set a new one before you continue")


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
    expires_at: dt.datetime
    last_seen: dt.datetime = field(compare=False)
    department: str | None = field(default=None, compare=False)     # staff of an industry department (joint review)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def idle(self) -> dt.timedelta:
        """How long the session may sit unused before it ends."""
        return STAFF_IDLE if self.is_staff else EMPLOYER_IDLE


@dataclass(frozen=True)
class EmployerPrincipal(Principal):
    """An employer's principal: its unit's credit code is always there (the only key the portal reads data by)."""

    uscc: str


def normal_name(username: str, *, employer: bool) -> str:
    """Credit codes in upper case, staff names in lower case, as stored."""
    return username.strip().upper() if employer else username.strip().lower()


def sign_in(username: str, password: str, *, store: Store, employer: bool,
            client: str = "unknown") -> tuple[str, Principal]:
    """Check the password and open a session (its token goes to the client); a staff sign-in ends the older ones."""
    username = normal_name(username, employer=employer)
    with store.transaction() as uow:
        user = _checked(uow, username, password, employer=employer, client=client)
        _admissible(uow, user)
        if user.password_hash is not None and hasher.check_needs_rehash(user.password_hash):
            uow.users.set_password(user.id, hasher.hash(password), set_at=None)
        if not employer:
            end_sessions(uow, user, by=username, why="新的登录 (每人一个会话) / a new sign-in: one session per staff account")
        token, principal = _open(uow, user)
        uow.audit.append([Draft(username, "signed_in", f"user:{user.id}", reason="登录 / signed in",
                                data={"session": principal.session_id, "client": client[:64]})])
        uow.commit()
    return token, principal


def change_password(username: str, current: str, new: str, *, store: Store, employer: bool = False,
                    client: str = "unknown") -> None:
    """Set a new password with the current one (also the way out of an expired one); every session ends."""
    username = normal_name(username, employer=employer)
    with store.transaction() as uow:
        user = _checked(uow, username, current, employer=employer, client=client)
        check_password(new, staff=not employer)
        if verify(user.password_hash, new):
            raise Refused("新密码不能与当前密码相同 / the new password must differ from the current one")
        uow.users.set_password(user.id, hasher.hash(new), set_at=uow.now())
        end_sessions(uow, user, by=username, why="密码已更改 / the password changed")
        uow.audit.append([Draft(username, "password_changed", f"user:{user.id}", reason="更改密码 / password "
                                "changed", data={"client": client[:64]})])
        uow.commit()


def _checked(uow: UnitOfWork, username: str, password: str, *, employer: bool, client: str) -> User:
    """The active user of this kind whose password this is; otherwise WRONG, the same words and one argon2 check
    whether the account is unknown, unusable, locked or the password wrong (failures of real accounts audited)."""
    found = uow.users.named(username)
    user = found if found is not None and found.is_employer == employer and found.active else None
    good = verify(user.password_hash if user else None, password)
    if user is None or user.password_hash is None:
        raise Refused(WRONG)                 # nothing written: the address rate limit bounds these
    pair = uow.login_failures.of(user.id, client[:64])
    now = _utcnow()
    locked = user.locked(now) or (pair is not None and pair.locked(now))
    if locked or not good:
        _failed(uow, user, pair, client, locked=locked)
        uow.commit()
        raise Refused(WRONG)
    if user.failed_logins or user.locked_until:
        uow.users.save_lock(replace(user, failed_logins=0, locked_until=None))
    if pair is not None and pair.counting:
        uow.login_failures.clear(pair.id)
    return user


def _admissible(uow: UnitOfWork, user: User) -> None:
    """A right password still opens nothing while the role awaits confirmation or a staff password is too old."""
    if not user.role_in_force:
        uow.commit()
        raise Refused(ROLE_PENDING)
    if user.password_too_old(uow.now(), PASSWORD_DAYS):
        uow.commit()
        raise PasswordExpired()


def _failed(uow: UnitOfWork, user: User, pair: LoginFailure | None, client: str, *, locked: bool) -> None:
    """Audit the failure; count it for the address (five lock that address out) and for the account (fifty lock it
    whole); a try while locked is audited but not counted."""
    subject, client, now = f"user:{user.id}", client[:64], _utcnow()
    drafts = [Draft("system", "login_failed", subject, reason="登录失败 / sign-in failed",
                    data={"client": client, "locked": locked})]
    if not locked:
        if pair is None:
            pair = uow.login_failures.add(user_id=user.id, client=client, failures=0, locked_until=None,
                                          last_failed_at=now)
        lock = dt.timedelta(minutes=LOCK_MINUTES)
        pair = pair.wrong_password(now, limit=MAX_FAILURES, lock=lock)
        uow.login_failures.save(pair)
        if pair.locked(now):
            drafts.append(Draft("system", "login_locked", subject, data={"client": client, "scope": "address"},
                                reason=f"同一地址连续{MAX_FAILURES}次密码错误, 该地址锁定{LOCK_MINUTES}分钟 / "
                                       f"{MAX_FAILURES} wrong passwords from one address: it is locked out"))
        counted = user.wrong_password(now, limit=ACCOUNT_FAILURES, lock=lock)
        uow.users.save_lock(counted)
        if counted.locked(now):
            drafts.append(Draft("system", "login_locked", subject, data={"scope": "account"},
                                reason=f"各地址累计连续{ACCOUNT_FAILURES}次密码错误, 账户锁定{LOCK_MINUTES}分钟 / "
                                       f"{ACCOUNT_FAILURES} wrong passwords in a row: the account is locked"))
    uow.audit.append(drafts)


def clear_failures(uow: UnitOfWork, user: User) -> None:
    """Lift every lock of the account (unlocked by the security officer, or a password newly set with a code)."""
    uow.users.save_lock(replace(user, failed_logins=0, locked_until=None))
    uow.login_failures.clear_all(user.id)


def _open(uow: UnitOfWork, user: User) -> tuple[str, Principal]:
    """A new session: only the token's hash is stored."""
    token, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(24), _utcnow()
    expires = now + dt.timedelta(hours=SESSION_HOURS)
    session = uow.sessions.add(token_hash=token_hash(token), user_id=user.id, csrf=csrf, created_at=now,
                               expires_at=expires, last_seen_at=now)
    return token, _principal(user, session.id, csrf, expires, now)


def _principal(user: User, session_id: int, csrf: str, expires_at: dt.datetime,
               last_seen: dt.datetime) -> Principal:
    """Who a session acts for, its role as plain text (what the permission table is keyed by); an employer with its
    credit code gets the principal the portal's routes ask for."""
    if user.role.value == EMPLOYER and user.uscc:
        return EmployerPrincipal(user.id, user.username, user.role.value, user.uscc, user.display_name, session_id,
                                 csrf, expires_at, last_seen)
    return Principal(user.id, user.username, user.role.value, user.uscc, user.display_name, session_id, csrf,
                     expires_at, last_seen, user.department)


def end_sessions(uow: UnitOfWork, user: User, *, by: str, why: str) -> int:
    """End every live session of the user now (audited when there were any); their tokens open nothing again."""
    live = uow.sessions.live_of(user.id)
    for s in live:
        uow.sessions.end(s.id, _utcnow())
    if live:
        uow.audit.append([Draft(by, "sessions_ended", f"user:{user.id}", reason=why,
                                data={"sessions": [s.id for s in live]})])
    return len(live)


def resolve(token: str, *, store: Store) -> Principal | None:
    """The principal of a live session token, or None (unknown, ended, expired, idle, user disabled or its role not
    in force)."""
    if not token or len(token) > 200:
        return None
    with store.reading() as uow:
        s = uow.sessions.by_token(token_hash(token))
        now = _utcnow()
        if s is None or not s.live(now):
            return None
        user = uow.users.get(s.user_id)
    if not user.active or not user.role_in_force:
        return None
    principal = _principal(user, s.id, s.csrf, s.expires_at, s.last_seen_at)
    return None if s.last_seen_at + principal.idle <= now else principal


TOUCH_PATIENCE = 0.25   # seconds a page waits to record activity behind another write (a cycle opening, say)


def touch(session_id: int, *, store: Store) -> bool:
    """Record activity on a live session (callers do this at most once a minute: no write on every request). Best
    effort: when another write holds the database (SQLite, a long job) the page goes on and this is skipped: the
    caller remembers the activity and tries again a minute later. Whether it was written."""
    try:
        with store.transaction(patience=TOUCH_PATIENCE) as uow:
            uow.sessions.touch(session_id, _utcnow())
            uow.commit()
    except StoreBusy:
        return False
    return True


def sign_out(principal: Principal, *, store: Store) -> None:
    """End the session now; its token opens nothing afterwards."""
    with store.transaction() as uow:
        uow.sessions.end(principal.session_id, _utcnow())
        uow.audit.append([Draft(principal.username, "signed_out", f"user:{principal.user_id}",
                                reason="退出 / signed out", data={"session": principal.session_id})])
        uow.commit()


def principal_for_cli(token: str | None, permission: str | None = None, *, store: Store) -> Principal:
    """The member of staff a CLI session token belongs to, holding `permission` if one is named; else Refused.

    This is what a command that needs a signed-in person (four eyes, approvals) calls with the token `wengang login`
    wrote; it counts as activity on the session, like a web request."""
    if permission is not None and permission not in PERMISSIONS:
        raise Refused(f"未知权限 / unknown permission {permission!r}")
    principal = resolve(token or "", store=store)
    if principal is None:
        raise Refused(NOT_SIGNED_IN)
    if not principal.is_staff:
        raise Refused("命令行只供工作人员账户使用 / the command line takes staff accounts only")
    if permission is not None and not role_may(principal.role, permission):
        raise Refused(f"角色 {principal.role} 无权执行此操作 / your role {principal.role} may not do this "
                      f"({permission})")
    if principal.last_seen is None or _utcnow() - principal.last_seen >= TOUCH_EVERY:
        touch(principal.session_id, store=store)
    return principal


def _utcnow() -> dt.datetime:
    """Naive UTC, as the store keeps its times; sessions and lock-outs run on the real clock, never on the business
    clock a demo or simulation may set back (WENGANG_CLOCK_START), or a day's jump would end every session."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
