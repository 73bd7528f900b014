"""Talking with people as typed records: the messages the system sends (queued, then sent or failed) and the
callbacks people ask for (open until staff call back and answer)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import NamedTuple

from wengang.domain.errors import IllegalTransition, Refused

CHANNELS = ("sms", "wechat", "portal", "email")
PENDING, SENT, FAILED = "pending", "sent", "failed"
OPEN, ANSWERED = "open", "answered"


class Notice(NamedTuple):
    """A message to queue (nothing stored yet): a tuple, so that reconciliation can queue a few hundred thousand
    failure notices at once without a cost per row."""

    uscc: str | None
    case_id: int | None
    recipient: str | None
    channel: str
    kind: str
    text: str
    created_at: dt.datetime
    sealed: str | None = None
    params: str | None = None          # the template's values as JSON (a step's message), for SMS/WeChat templates
    audit_seq: int | None = None       # the audit entry it tells about (told once)


class Delivery(NamedTuple):
    """One message to one person on one channel, as a sender hands it to its provider. `key` is the message's
    idempotency key: a provider given the same key twice (a resend after a crash) delivers it once. The recipient
    is in clear only here, in memory, on its way out."""

    key: str
    channel: str                     # sms, email, wechat (the portal inbox needs no sender)
    recipient: str                   # a mobile number, an e-mail address, a WeChat openid
    event: str                       # which step it tells about: the template (SMS template id, WeChat template)
    params: dict[str, str]           # the template's values (an SMS or WeChat template is filled by the provider)
    text: str                        # the whole message as rendered (Chinese, then English)
    subject: str = ""                # an e-mail's subject line


HANDED_SENT, HANDED_RETRY, HANDED_FAILED = "sent", "retry", "failed"


class Handed(NamedTuple):
    """What the provider said when a message was handed over: taken (with its own id, to match receipts), refused
    for now (busy, rate limited, its server down: try again later), or refused for good (no such number)."""

    key: str
    status: str                      # HANDED_SENT, HANDED_RETRY or HANDED_FAILED
    provider_id: str | None = None
    error: str | None = None


class Receipt(NamedTuple):
    """A provider's later word on a message it took: delivered to the phone (or mailbox, or WeChat), or not."""

    provider_id: str
    delivered: bool
    at: dt.datetime                  # naive UTC
    key: str | None = None
    error: str | None = None


DELIVERED = "delivered"
RETRY_AFTER = (30, 120, 600, 1800, 3600, 3600, 3600)    # seconds before each retry; then the message has failed


@dataclass(frozen=True, slots=True)
class Dispatch:
    """A step's message on its way to one person on one channel (a row of deliveries): pending until its provider
    takes it (sent), then delivered or failed by the provider's receipt; a provider that is busy or down is tried
    again later (RETRY_AFTER), and after the last try the message has failed."""

    id: int
    notification_id: int
    key: str
    channel: str
    recipient: str
    status: str
    attempts: int
    next_at: dt.datetime
    provider_id: str | None
    error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    done_at: dt.datetime | None

    def __repr__(self) -> str:                          # the recipient is personal data: never in a log line
        return f"Dispatch(id={self.id}, key={self.key!r}, channel={self.channel}, status={self.status})"

    def handed(self, answer: Handed, at: dt.datetime) -> Dispatch:
        """What the provider said: taken (sent), refused for good (failed), or busy (retry later, or failed once the
        tries are spent)."""
        if self.status != PENDING:
            raise IllegalTransition(None, self.status, answer.status)
        # Built field by field, not with dataclasses.replace: half a million of these a cycle, and replace costs
        # five times the constructor.
        tries = self.attempts + 1
        if answer.status == HANDED_SENT:
            return Dispatch(self.id, self.notification_id, self.key, self.channel, self.recipient, SENT, tries,
                            self.next_at, answer.provider_id, None, self.created_at, at, self.done_at)
        if answer.status == HANDED_RETRY and tries <= len(RETRY_AFTER):
            return Dispatch(self.id, self.notification_id, self.key, self.channel, self.recipient, self.status,
                            tries, at + dt.timedelta(seconds=RETRY_AFTER[tries - 1]), self.provider_id,
                            (answer.error or "")[:200], self.created_at, self.sent_at, self.done_at)
        return Dispatch(self.id, self.notification_id, self.key, self.channel, self.recipient, FAILED, tries,
                        self.next_at, self.provider_id, (answer.error or "")[:200], self.created_at, self.sent_at,
                        at)


@dataclass(frozen=True, slots=True)
class Notification:
    """A queued message: pending until a channel takes it, then sent (its seal wiped) or failed. A secret in it
    is masked in `text`; the whole message is only in `sealed`, until it is sent."""

    id: int
    uscc: str | None
    case_id: int | None
    recipient: str | None
    channel: str
    kind: str
    text: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    sealed: str | None
    params: str | None = None
    audit_seq: int | None = None

    def sent(self, at: dt.datetime) -> Notification:
        """pending → sent: a channel took it; the sealed copy of a secret is wiped."""
        if self.status != PENDING:
            raise IllegalTransition(None, self.status, SENT)
        return Notification(self.id, self.uscc, self.case_id, self.recipient, self.channel, self.kind, self.text,
                            SENT, self.created_at, at, None, self.params, self.audit_seq)

    def failed(self) -> Notification:
        """pending → failed: no channel will take it; the sealed copy of a secret is wiped too."""
        if self.status != PENDING:
            raise IllegalTransition(None, self.status, FAILED)
        return replace(self, status=FAILED, sealed=None)


@dataclass(frozen=True, slots=True)
class Callback:
    """“呼我必回”: a number and a question, open until a member of staff calls back and records the answer."""

    id: int
    uscc: str | None
    name: str | None
    phone: str
    question: str
    source: str
    status: str
    asked_at: dt.datetime
    answered_by: str | None
    answered_at: dt.datetime | None
    answer: str | None
    office: str | None = None              # the office it was routed to: a district's code, or CITY
    due_at: dt.datetime | None = None      # the answer is due by then (naive UTC; within a working day)
    due_note: str | None = None            # how the due time was counted when the holiday calendar did not know a day
    escalated_at: dt.datetime | None = None    # past due and still open: handed to the city office then (once)

    def answered(self, text: str, *, by: str, at: dt.datetime) -> Callback:
        """open → answered, once."""
        if self.status != OPEN:
            raise Refused(f"回电请求 #{self.id} 已答复 / callback #{self.id} is already answered")
        return replace(self, status=ANSWERED, answered_by=by, answered_at=at, answer=text)

    def minutes(self, now: dt.datetime | None) -> float | None:
        """Minutes from the request to its answer, or waiting so far (None without a `now` for an open one)."""
        end = self.answered_at or now
        return None if end is None else (end - self.asked_at).total_seconds() / 60

    def overdue(self, now: dt.datetime) -> bool:
        """Still open past its due time."""
        return self.status == OPEN and self.due_at is not None and now > self.due_at

    def __repr__(self) -> str:                          # the caller's number is personal data: never in a log line
        return f"Callback(id={self.id}, office={self.office}, status={self.status})"


CITY = "city"      # the city office: callbacks without a unit, a district without an office, and escalations


def office_for(uscc: str | None, offices: set[str]) -> str:
    """Where a callback goes: its unit's district office (the credit code's six-digit division code, characters 3–8),
    the city's when the caller named no unit or the district has no office."""
    district = uscc[2:8] if uscc else None
    return district if district and district in offices else CITY


@dataclass(frozen=True, slots=True)
class Office:
    """A 呼我必回 office: a district's (its administrative division code) or the city's (CITY)."""

    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Duty:
    """Who answers an office's callbacks from one moment to another (naive UTC), and the phone an alert goes to
    (personal data: masked wherever it is shown)."""

    id: int
    office: str
    username: str
    phone: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    set_by: str
    set_at: dt.datetime

    def covers(self, at: dt.datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    def __repr__(self) -> str:
        return f"Duty(id={self.id}, office={self.office}, username={self.username})"


@dataclass(frozen=True, slots=True)
class Reminder:
    """A deadline reminder queued for a case (once per case, task and deadline: a unique key)."""

    id: int
    case_id: int
    task: str
    deadline: dt.date
    queued_at: dt.datetime
