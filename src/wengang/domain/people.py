"""The people of the web app as typed records: accounts (staff and employer logins, one table), their sessions,
one-time codes, sign-in failures per address and the requests a second person decides, each with its own rules."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, replace
from enum import StrEnum

from wengang.domain.errors import Refused


class Role(StrEnum):
    """What an account is: an employer's login, or one of the six staff roles (the values are stored)."""

    EMPLOYER = "employer"
    CLERK = "clerk"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    AUDITOR = "auditor"
    ADMIN = "admin"
    SECURITY = "security"


@dataclass(frozen=True, slots=True)
class User:
    """An account: a member of staff (user name, one role, in force once a second person grants it) or an
    employer's login (its username is the unit's credit code, `uscc` set); no password until activated."""

    id: int
    username: str
    role: Role
    uscc: str | None
    display_name: str
    phone: str | None
    password_hash: str | None
    password_set_at: dt.datetime | None
    failed_logins: int
    locked_until: dt.datetime | None
    active: bool
    created_by: str
    created_at: dt.datetime
    role_granted_by: str | None
    role_granted_at: dt.datetime | None
    department: str | None = None        # staff of an industry department: confirms its industries' units

    @property
    def is_employer(self) -> bool:
        return self.role is Role.EMPLOYER

    @property
    def is_staff(self) -> bool:
        return self.role is not Role.EMPLOYER

    @property
    def activated(self) -> bool:
        """A password has been set (with a one-time code, or by the operator on the server)."""
        return self.password_hash is not None

    @property
    def role_in_force(self) -> bool:
        return self.role_granted_at is not None

    def locked(self, now: dt.datetime) -> bool:
        """The whole account is locked out (fifty wrong passwords in a row) until `locked_until`."""
        return self.locked_until is not None and self.locked_until > now

    def password_too_old(self, now: dt.datetime, days: int) -> bool:
        """A staff password older than `days` must be changed before anything else (employers' never expire)."""
        if self.is_employer:
            return False
        return self.password_set_at is None or self.password_set_at <= now - dt.timedelta(days=days)

    def wrong_password(self, now: dt.datetime, *, limit: int, lock: dt.timedelta) -> User:
        """One more wrong password in a row from anywhere; the `limit`-th locks the whole account for `lock` and
        starts the count again."""
        failures = self.failed_logins + 1
        if failures >= limit:
            return replace(self, failed_logins=0, locked_until=now + lock)
        return replace(self, failed_logins=failures)

    def check_role_change_by(self, by: str) -> None:
        """Another person grants or revokes a staff role: never the holder, never whoever created the account."""
        if self.is_employer:
            raise Refused("单位账户没有可授予的角色 / an employer's account has no role to grant")
        if by in (self.username, self.created_by):
            raise Refused("须由另一人授予或撤销角色: 不能是账户本人, 也不能是创建账户的人 / another person must grant "
                          "or revoke a role: neither the account's holder nor whoever created it")


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in session: only its token's hash is kept; it ends when signed out, expired, idle or superseded."""

    id: int
    token_hash: str
    user_id: int
    csrf: str
    created_at: dt.datetime
    expires_at: dt.datetime
    ended_at: dt.datetime | None
    last_seen_at: dt.datetime

    def live(self, now: dt.datetime) -> bool:
        """Neither ended nor past its expiry (idleness depends on the account's kind: see Principal.idle)."""
        return self.ended_at is None and self.expires_at > now


@dataclass(frozen=True, slots=True)
class ActivationCode:
    """A one-time code as stored: its hash only; spent once, or used up by wrong tries, or expired."""

    id: int
    user_id: int
    code_hash: str
    expires_at: dt.datetime
    tries: int
    used_at: dt.datetime | None
    issued_by: str
    issued_at: dt.datetime

    def usable(self, now: dt.datetime, max_tries: int) -> bool:
        return self.used_at is None and self.expires_at > now and self.tries < max_tries

    def matches(self, code_hash: str) -> bool:
        """Compared in constant time."""
        return hmac.compare_digest(self.code_hash, code_hash)


@dataclass(frozen=True, slots=True)
class LookupCode:
    """A progress look-up code sent to a unit's registered contacts (no account needed): kept as an argon2 hash only;
    spent once for a short read-only view of the unit's progress, whose cookie token is kept as sha256."""

    id: int
    uscc: str
    code_hash: str
    expires_at: dt.datetime
    tries: int
    used_at: dt.datetime | None
    issued_at: dt.datetime
    view_hash: str | None
    view_until: dt.datetime | None

    def usable(self, now: dt.datetime, max_tries: int) -> bool:
        return self.used_at is None and self.expires_at > now and self.tries < max_tries

    def viewing(self, now: dt.datetime) -> bool:
        """The read-only view this code opened is still open."""
        return self.view_until is not None and self.view_until > now


@dataclass(frozen=True, slots=True)
class LoginFailure:
    """Wrong passwords for one account from one address: five lock that address (only) out for a while."""

    id: int
    user_id: int
    client: str
    failures: int
    locked_until: dt.datetime | None
    last_failed_at: dt.datetime

    def locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    @property
    def counting(self) -> bool:
        """Something to clear after a right password: a count or a lock."""
        return bool(self.failures) or self.locked_until is not None

    def wrong_password(self, now: dt.datetime, *, limit: int, lock: dt.timedelta) -> LoginFailure:
        """One more from this address; the `limit`-th locks this address out for `lock` and starts the count again."""
        failures = self.failures + 1
        if failures >= limit:
            return replace(self, failures=0, last_failed_at=now, locked_until=now + lock)
        return replace(self, failures=failures, last_failed_at=now)


REACTIVATE, CONTACT = "reactivate", "contact"
PENDING, APPROVED, REFUSED = "pending", "approved", "refused"


@dataclass(frozen=True, slots=True)
class AccountRequest:
    """A re-activation (new code to the phone on record) or contact change (new phone) for an account in use:
    pending until another member of staff, never whoever asked, approves or refuses it."""

    id: int
    user_id: int
    kind: str
    phone: str | None
    reason: str
    status: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None

    def decide(self, approve: bool, *, by: str, at: dt.datetime) -> AccountRequest:
        """pending → approved or refused, by someone other than whoever asked."""
        if self.status != PENDING:
            raise Refused(f"申请 {self.id} 已处理 / request {self.id} was already decided ({self.status})")
        if self.requested_by == by:
            raise Refused("申请人不能批准自己的申请, 须由另一名工作人员决定 / whoever asked cannot decide: another member "
                          "of staff must")
        return replace(self, status=APPROVED if approve else REFUSED, decided_by=by, decided_at=at)
