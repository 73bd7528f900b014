"""Accounts, sessions, one-time codes, sign-in failures and account requests in SQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from wengang.adapters.db.people_tables import (
    account_requests,
    activation_codes,
    login_failures,
    lookup_codes,
    users,
    web_sessions,
)
from wengang.adapters.db.repositories.base import TableRepository
from wengang.domain.people import (
    PENDING,
    AccountRequest,
    ActivationCode,
    LoginFailure,
    LookupCode,
    Role,
    Session,
    User,
)


class SqlUsers(TableRepository[User]):
    """The Users repository on one connection."""

    table, model, label = users, User, ("用户", "user")

    def _row(self, row) -> User:
        return User(row[0], row[1], Role(row[2]), *row[3:])

    def add(self, **values) -> User:
        return self._insert({"failed_logins": 0, "locked_until": None, **values})

    def named(self, username: str) -> User | None:
        return self._one(users.c.username == username)

    def all(self) -> list[User]:
        return self._many()

    def set_password(self, user_id: int, password_hash: str, *, set_at: dt.datetime | None) -> None:
        values: dict[str, object] = {"password_hash": password_hash}
        if set_at is not None:
            values["password_set_at"] = set_at
        self._update(user_id, values)

    def save_lock(self, user: User) -> None:
        self._update(user.id, {"failed_logins": user.failed_logins, "locked_until": user.locked_until})

    def set_phone(self, user_id: int, phone: str | None) -> None:
        self._update(user_id, {"phone": phone})

    def set_active(self, user_id: int, active: bool) -> None:
        self._update(user_id, {"active": active})

    def grant(self, user_id: int, role: str, *, by: str, at: dt.datetime) -> None:
        self._update(user_id, {"role": str(role), "role_granted_by": by, "role_granted_at": at})

    def revoke(self, user_id: int) -> None:
        self._update(user_id, {"role_granted_by": None, "role_granted_at": None})


class SqlSessions(TableRepository[Session]):
    """The Sessions repository on one connection."""

    table, model, label = web_sessions, Session, ("会话", "session")

    def add(self, **values) -> Session:
        return self._insert(values)

    def by_token(self, token_hash: str) -> Session | None:
        return self._one(web_sessions.c.token_hash == token_hash)

    def live_of(self, user_id: int) -> list[Session]:
        return self._many(web_sessions.c.user_id == user_id, web_sessions.c.ended_at.is_(None))

    def end(self, session_id: int, at: dt.datetime) -> bool:
        return self._update(session_id, {"ended_at": at}, ended_at=None)

    def touch(self, session_id: int, at: dt.datetime) -> bool:
        return self._update(session_id, {"last_seen_at": at}, ended_at=None)


class SqlActivationCodes(TableRepository[ActivationCode]):
    """The ActivationCodes repository on one connection."""

    table, model, label = activation_codes, ActivationCode, ("激活码", "activation code")

    def add(self, **values) -> ActivationCode:
        return self._insert(values)

    def unused_of(self, user_id: int) -> list[ActivationCode]:
        return self._many(activation_codes.c.user_id == user_id, activation_codes.c.used_at.is_(None))

    def expire(self, code_id: int, at: dt.datetime) -> None:
        self._update(code_id, {"expires_at": at})

    def tried(self, code_id: int, tries: int) -> None:
        self._update(code_id, {"tries": tries})

    def spend(self, code_id: int, at: dt.datetime) -> bool:
        return self._update(code_id, {"used_at": at}, used_at=None)


class SqlLookupCodes(TableRepository[LookupCode]):
    """The LookupCodes repository on one connection."""

    table, model, label = lookup_codes, LookupCode, ("查询验证码", "look-up code")

    def add(self, **values) -> LookupCode:
        return self._insert({"used_at": None, "view_hash": None, "view_until": None, **values})

    def issued_since(self, uscc: str, since: dt.datetime) -> list[LookupCode]:
        return self._many(lookup_codes.c.uscc == uscc, lookup_codes.c.issued_at >= since)

    def unused_of(self, uscc: str) -> list[LookupCode]:
        return self._many(lookup_codes.c.uscc == uscc, lookup_codes.c.used_at.is_(None))

    def expire(self, code_id: int, at: dt.datetime) -> None:
        self._update(code_id, {"expires_at": at})

    def tried(self, code_id: int, tries: int) -> None:
        self._update(code_id, {"tries": tries})

    def open_view(self, code_id: int, at: dt.datetime, view_hash: str, until: dt.datetime) -> bool:
        return self._update(code_id, {"used_at": at, "view_hash": view_hash, "view_until": until}, used_at=None)

    def by_view(self, view_hash: str) -> LookupCode | None:
        return self._one(lookup_codes.c.view_hash == view_hash)

    def close_view(self, code_id: int, at: dt.datetime) -> None:
        self._update(code_id, {"view_until": at})


class SqlLoginFailures(TableRepository[LoginFailure]):
    """The LoginFailures repository on one connection."""

    table, model, label = login_failures, LoginFailure, ("登录失败记录", "sign-in failure record")

    def add(self, **values) -> LoginFailure:
        return self._insert(values)

    def of(self, user_id: int, client: str) -> LoginFailure | None:
        return self._one(login_failures.c.user_id == user_id, login_failures.c.client == client)

    def save(self, failure: LoginFailure) -> None:
        self._update(failure.id, {"failures": failure.failures, "locked_until": failure.locked_until,
                                  "last_failed_at": failure.last_failed_at})

    def clear(self, failure_id: int) -> None:
        self._update(failure_id, {"failures": 0, "locked_until": None})

    def clear_all(self, user_id: int) -> None:
        self.conn.execute(update(login_failures).where(login_failures.c.user_id == user_id)
                          .values(failures=0, locked_until=None))

    def locked_users(self, now: dt.datetime) -> set[int]:
        query = select(login_failures.c.user_id).where(login_failures.c.locked_until > now)
        return set(self.conn.execute(query).scalars())


class SqlAccountRequests(TableRepository[AccountRequest]):
    """The AccountRequests repository on one connection."""

    table, model, label = account_requests, AccountRequest, ("申请", "account request")

    def add(self, **values) -> AccountRequest:
        return self._insert(values)

    def pending_of(self, user_id: int) -> list[AccountRequest]:
        return self._many(account_requests.c.user_id == user_id, account_requests.c.status == PENDING)

    def with_status(self, status: str) -> list[AccountRequest]:
        return self._many(account_requests.c.status == status)

    def decide(self, decided: AccountRequest) -> bool:
        return self._update(decided.id, {"status": decided.status, "decided_by": decided.decided_by,
                                         "decided_at": decided.decided_at}, status=PENDING)
