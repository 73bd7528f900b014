"""Accounts, sessions, one-time codes, sign-in failures, account requests, notifications and callbacks in memory,
as the SQL repositories keep them (adapters/db/repositories/people.py and contact.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from tests.fakes.process import _Repository
from tests.fakes.table import Table, refused
from wengang.domain.calls import Reach
from wengang.domain.contact import (
    DELIVERED,
    FAILED,
    OPEN,
    PENDING,
    SENT,
    Callback,
    Dispatch,
    Duty,
    Notice,
    Notification,
    Office,
    Reminder,
)
from wengang.domain.people import PENDING as REQUEST_PENDING
from wengang.domain.people import (
    AccountRequest,
    ActivationCode,
    LoginFailure,
    LookupCode,
    Role,
    Session,
    User,
)
from wengang.domain.repositories import Due, ToFanOut


def tables() -> dict[str, Table]:
    """The people and contact tables with the keys and checks of people_tables.py and payment_tables.py."""
    return {
        "users": Table(
            "users", User, label=("用户", "user"), coerce={"role": Role},
            defaults={"failed_logins": 0, "locked_until": None},
            unique={"username": lambda u: u.username, "uscc": lambda u: u.uscc},
            checks={"employer_has_unit": lambda u: (u.role == Role.EMPLOYER) == (u.uscc is not None),
                    "failures_not_negative": lambda u: u.failed_logins >= 0,
                    "granted_by_someone": lambda u: (u.role_granted_at is None) == (u.role_granted_by is None)}),
        "sessions": Table("web_sessions", Session, label=("会话", "session"),
                          unique={"token_hash": lambda s: s.token_hash},
                          checks={"expires_after_start": lambda s: s.expires_at > s.created_at}),
        "activation_codes": Table("activation_codes", ActivationCode, label=("激活码", "activation code"),
                                  checks={"tries_not_negative": lambda a: a.tries >= 0}),
        "lookup_codes": Table("lookup_codes", LookupCode, label=("查询验证码", "look-up code"),
                              defaults={"used_at": None, "view_hash": None, "view_until": None},
                              unique={"view_hash": lambda c: c.view_hash},
                              checks={"lookup_tries_not_negative": lambda c: c.tries >= 0,
                                      "view_has_an_end": lambda c: (c.view_hash is None) == (c.view_until is None)}),
        "login_failures": Table("login_failures", LoginFailure, label=("登录失败记录", "sign-in failure record"),
                                unique={"user_client": lambda f: (f.user_id, f.client)}),
        "account_requests": Table("account_requests", AccountRequest, label=("申请", "account request")),
        "notifications": Table("notifications", Notification, label=("消息", "notification"),
                               unique={"audit_seq": lambda n: n.audit_seq}),
        "deliveries": Table("deliveries", Dispatch, label=("投递", "delivery"), unique={"key": lambda d: d.key}),
        "callbacks": Table("callbacks", Callback, label=("回电请求", "callback")),
        "offices": Table("offices", Office, unique={"code": lambda o: o.code}, label=("办公室", "office")),
        "duties": Table("duties", Duty, checks={"ends_after_start": lambda d: d.ends_at > d.starts_at},
                        label=("值班", "duty")),
        "reminders": Table("reminders", Reminder, unique={"once": lambda r: (r.case_id, r.task, r.deadline)},
                           label=("提醒", "reminder")),
    }


class FakeUsers(_Repository):
    def add(self, **values) -> User:
        return self.t.insert(values)

    def named(self, username: str) -> User | None:
        return self.t.one(lambda u: u.username == username)

    def all(self) -> list[User]:
        return self.t.where()

    def set_password(self, user_id: int, password_hash: str, *, set_at: dt.datetime | None) -> None:
        values = {"password_hash": password_hash} | ({"password_set_at": set_at} if set_at is not None else {})
        self.t.update(user_id, values)

    def save_lock(self, user: User) -> None:
        self.t.update(user.id, {"failed_logins": user.failed_logins, "locked_until": user.locked_until})

    def set_phone(self, user_id: int, phone: str | None) -> None:
        self.t.update(user_id, {"phone": phone})

    def set_active(self, user_id: int, active: bool) -> None:
        self.t.update(user_id, {"active": active})

    def grant(self, user_id: int, role: str, *, by: str, at: dt.datetime) -> None:
        self.t.update(user_id, {"role": str(role), "role_granted_by": by, "role_granted_at": at})

    def revoke(self, user_id: int) -> None:
        self.t.update(user_id, {"role_granted_by": None, "role_granted_at": None})


class FakeSessions(_Repository):
    def add(self, **values) -> Session:
        return self.t.insert({"ended_at": None, **values})

    def by_token(self, token_hash: str) -> Session | None:
        return self.t.one(lambda s: s.token_hash == token_hash)

    def live_of(self, user_id: int) -> list[Session]:
        return self.t.where(lambda s: s.user_id == user_id and s.ended_at is None)

    def end(self, session_id: int, at: dt.datetime) -> bool:
        return self.t.update(session_id, {"ended_at": at}, ended_at=None)

    def touch(self, session_id: int, at: dt.datetime) -> bool:
        return self.t.update(session_id, {"last_seen_at": at}, ended_at=None)


class FakeActivationCodes(_Repository):
    def add(self, **values) -> ActivationCode:
        return self.t.insert(values)

    def unused_of(self, user_id: int) -> list[ActivationCode]:
        return self.t.where(lambda a: a.user_id == user_id and a.used_at is None)

    def expire(self, code_id: int, at: dt.datetime) -> None:
        self.t.update(code_id, {"expires_at": at})

    def tried(self, code_id: int, tries: int) -> None:
        self.t.update(code_id, {"tries": tries})

    def spend(self, code_id: int, at: dt.datetime) -> bool:
        """Once: a code already used is not used again."""
        return self.t.update(code_id, {"used_at": at}, used_at=None)


class FakeLookupCodes(_Repository):
    def add(self, **values) -> LookupCode:
        return self.t.insert(values)

    def issued_since(self, uscc: str, since: dt.datetime) -> list[LookupCode]:
        return self.t.where(lambda c: c.uscc == uscc and c.issued_at >= since)

    def unused_of(self, uscc: str) -> list[LookupCode]:
        return self.t.where(lambda c: c.uscc == uscc and c.used_at is None)

    def expire(self, code_id: int, at: dt.datetime) -> None:
        self.t.update(code_id, {"expires_at": at})

    def tried(self, code_id: int, tries: int) -> None:
        self.t.update(code_id, {"tries": tries})

    def open_view(self, code_id: int, at: dt.datetime, view_hash: str, until: dt.datetime) -> bool:
        return self.t.update(code_id, {"used_at": at, "view_hash": view_hash, "view_until": until}, used_at=None)

    def by_view(self, view_hash: str) -> LookupCode | None:
        return self.t.one(lambda c: c.view_hash == view_hash)

    def close_view(self, code_id: int, at: dt.datetime) -> None:
        self.t.update(code_id, {"view_until": at})


class FakeLoginFailures(_Repository):
    def add(self, **values) -> LoginFailure:
        return self.t.insert(values)

    def of(self, user_id: int, client: str) -> LoginFailure | None:
        return self.t.one(lambda f: f.user_id == user_id and f.client == client)

    def save(self, failure: LoginFailure) -> None:
        self.t.update(failure.id, {"failures": failure.failures, "locked_until": failure.locked_until,
                                   "last_failed_at": failure.last_failed_at})

    def clear(self, failure_id: int) -> None:
        self.t.update(failure_id, {"failures": 0, "locked_until": None})

    def clear_all(self, user_id: int) -> None:
        for f in self.t.where(lambda f: f.user_id == user_id):
            self.clear(f.id)

    def locked_users(self, now: dt.datetime) -> set[int]:
        return {f.user_id for f in self.t.where(lambda f: f.locked_until is not None and f.locked_until > now)}


class FakeAccountRequests(_Repository):
    def add(self, **values) -> AccountRequest:
        return self.t.insert(values)

    def pending_of(self, user_id: int) -> list[AccountRequest]:
        return self.t.where(lambda r: r.user_id == user_id and r.status == REQUEST_PENDING)

    def with_status(self, status: str) -> list[AccountRequest]:
        return self.t.where(lambda r: r.status == status)

    def decide(self, decided: AccountRequest) -> bool:
        """Only while still pending: a request is decided once."""
        return self.t.update(decided.id, {"status": decided.status, "decided_by": decided.decided_by,
                                          "decided_at": decided.decided_at}, status=REQUEST_PENDING)


class FakeNotifications(_Repository):
    def add(self, notice: Notice) -> Notification:
        return self.t.insert({**notice._asdict(), "status": PENDING})

    def add_many(self, notices: Iterable[Notice]) -> int:
        count = 0
        for n in notices:
            self.add(n)
            count += 1
        return count

    def add_fanned(self, notices, at: dt.datetime) -> list[int]:
        return [self.t.insert({**n._asdict(), "status": SENT, "sent_at": at}).id for n in notices]

    def pending(self, *, kind: str | None = None, limit: int, templated: bool | None = None) -> list[Notification]:
        return self.t.where(lambda n: n.status == PENDING and (kind is None or n.kind == kind) and (
            templated is None or (n.params is not None) == templated))[:limit]

    def save_sent(self, sent: Iterable[Notification]) -> int:
        """Each only if still pending; counts what it was given, as the SQL executemany does."""
        count = 0
        for m in sent:
            self.t.update(m.id, {"status": m.status, "sent_at": m.sent_at, "sealed": m.sealed}, status=PENDING)
            count += 1
        return count

    def to_fan_out(self, limit: int) -> list[ToFanOut]:
        return [ToFanOut(n.id, n.uscc, n.case_id, n.recipient, n.channel)
                for n in self.pending(limit=limit, templated=True)]

    def fanned_out(self, ids, at: dt.datetime) -> int:
        return sum(self.t.update(i, {"status": SENT, "sent_at": at, "sealed": None}, status=PENDING) for i in ids)

    def of_unit(self, uscc: str, *, limit: int) -> list[Notification]:
        return self.t.where(lambda n: n.uscc == uscc, reverse=True)[:limit]

    def of_kind(self, kind: str) -> list[Notification]:
        return self.t.where(lambda n: n.kind == kind)

    def told_up_to(self) -> int:
        return max((n.audit_seq for n in self.t.where(lambda n: n.audit_seq is not None)), default=0)


class FakeDeliveries(_Repository):
    def __init__(self, deliveries: Table, notifications: Table, cases: Table | None = None):
        super().__init__(deliveries)
        self.notifications = notifications
        self.cases = cases

    def add_many(self, rows) -> int:
        count = 0
        for notification_id, key, channel, recipient, next_at, created_at in rows:
            self.t.insert({"notification_id": notification_id, "key": key, "channel": channel,
                           "recipient": recipient, "next_at": next_at, "created_at": created_at,
                           "status": PENDING, "attempts": 0})
            count += 1
        return count

    def due(self, channel: str, now, limit: int, after=None) -> list[Due]:
        found = self.t.where(lambda d: d.status == PENDING and d.channel == channel and d.next_at <= now
                             and (after is None or (d.next_at, d.id) > after), order=lambda d: (d.next_at, d.id))[:limit]
        out = []
        for d in found:
            n = self.notifications.rows[d.notification_id]
            out.append(Due(d, n.kind, n.params, n.text))
        return out

    def save_handed(self, handed) -> int:
        count = 0
        for d in handed:
            self.t.update(d.id, {"status": d.status, "attempts": d.attempts, "next_at": d.next_at,
                                 "provider_id": d.provider_id, "error": d.error, "sent_at": d.sent_at,
                                 "done_at": d.done_at}, status=PENDING)
            count += 1
        return count

    def apply_receipts(self, receipts) -> int:
        count = 0
        for r in receipts:
            said = {"status": DELIVERED if r.delivered else FAILED, "done_at": r.at,
                    "error": None if r.delivered else (r.error or "")[:200]}
            for d in self.t.where(lambda d, pid=r.provider_id: d.provider_id == pid and d.status == SENT):
                count += self.t.update(d.id, said)
            for d in self.t.where(lambda d, key=r.key: key is not None and d.key == key and d.status == PENDING):
                count += self.t.update(d.id, {**said, "provider_id": r.provider_id, "sent_at": r.at})
        return count

    def counts(self) -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = {}
        for d in self.t.where():
            found[(d.channel, d.status)] = found.get((d.channel, d.status), 0) + 1
        return found

    def of_notification(self, notification_id: int) -> list[Dispatch]:
        return self.t.where(lambda d: d.notification_id == notification_id)

    def _steps(self, keep) -> list[Notification]:
        """A unit's step messages (templated, to the unit itself) that `keep` accepts."""
        return self.notifications.where(lambda n: n.recipient is None and n.params is not None and keep(n))

    def _cycle(self, cycle_id: int):
        assert self.cases is not None
        return lambda n: n.case_id is not None and n.case_id in self.cases.rows and \
            self.cases.rows[n.case_id].cycle_id == cycle_id

    def reach(self, case_ids) -> dict[int, Reach]:
        wanted = set(case_ids)
        found: dict[int, Reach] = {}
        for cid in sorted(wanted):
            told = self._steps(lambda n, c=cid: n.case_id == c)
            if not told:
                continue
            ids = {n.id for n in told}
            copies = [d.status for d in self.t.where(lambda d, ids=ids: d.notification_id in ids)]
            found[cid] = Reach(cid, len(told), told[-1].kind, told[-1].created_at, copies.count(DELIVERED),
                               copies.count(FAILED), copies.count(PENDING) + copies.count(SENT))
        return found

    def unreached(self, cycle_id: int, limit: int) -> list[int]:
        fanned = self._steps(lambda n: n.status == SENT and self._cycle(cycle_id)(n))
        cids = sorted({n.case_id for n in fanned if n.case_id is not None})
        return [c for c, r in self.reach(cids).items() if r.delivered == 0 and r.on_the_way == 0][:limit]

    def by_event(self, cycle_id: int) -> dict[tuple[str, str, str], int]:
        kinds = {n.id: n.kind for n in self._steps(self._cycle(cycle_id))}
        found: dict[tuple[str, str, str], int] = {}
        for d in self.t.where(lambda d: d.notification_id in kinds):
            k = (kinds[d.notification_id], d.channel, d.status)
            found[k] = found.get(k, 0) + 1
        return found

    def reached_units(self, cycle_id: int) -> tuple[int, int]:
        told = self._steps(self._cycle(cycle_id))
        units = {n.id: n.uscc for n in told}
        reached = {units[d.notification_id] for d in self.t.where(
            lambda d: d.notification_id in units and d.status == DELIVERED)}
        return len(set(units.values())), len(reached)


class FakeCallbacks(_Repository):
    def add(self, **values) -> Callback:
        return self.t.insert(values)

    def answer(self, answered: Callback) -> bool:
        """Only while still open: a callback is answered once."""
        return self.t.update(answered.id, {"status": answered.status, "answered_by": answered.answered_by,
                                           "answered_at": answered.answered_at, "answer": answered.answer},
                             status=OPEN)

    def all(self, *, status: str | None = None) -> list[Callback]:
        return self.t.where(lambda c: not status or c.status == status)

    def of_unit(self, uscc: str) -> list[Callback]:
        return self.t.where(lambda c: c.uscc == uscc)

    def escalate(self, callback_id: int, at: dt.datetime) -> bool:
        return self.t.update(callback_id, {"escalated_at": at}, status=OPEN, escalated_at=None)


class FakeOffices(_Repository):
    def __init__(self, table: Table, duties: Table):
        super().__init__(table)
        self.d = duties

    def put(self, code: str, name: str) -> Office:
        found = self.t.one(lambda o: o.code == code)
        if found is None:
            return self.t.insert({"code": code, "name": name})
        self.t.update(found.id, {"name": name})
        return self.t.get(found.id)

    def all(self) -> list[Office]:
        return self.t.where(order=lambda o: o.code)

    def add_duty(self, **values) -> Duty:
        if self.t.one(lambda o: o.code == values["office"]) is None:
            raise refused("duties", "office FOREIGN KEY")
        return self.d.insert(values)

    def duties(self, *, since: dt.datetime | None = None) -> list[Duty]:
        return self.d.where(lambda d: since is None or d.ends_at > since, order=lambda d: (d.starts_at, d.id))

    def on_duty(self, office: str, at: dt.datetime) -> Duty | None:
        found = self.d.where(lambda d: d.office == office and d.covers(at))
        return found[-1] if found else None


class FakeReminders(_Repository):
    def add(self, *, case_id: int, task: str, deadline: dt.date, queued_at: dt.datetime) -> Reminder | None:
        if self.t.one(lambda r: (r.case_id, r.task, r.deadline) == (case_id, task, deadline)):
            return None
        return self.t.insert({"case_id": case_id, "task": task, "deadline": deadline, "queued_at": queued_at})
