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

    def sent(self, at: dt.datetime) -> Notification:
        """pending → sent: a channel took it; the sealed copy of a secret is wiped."""
        if self.status != PENDING:
            raise IllegalTransition(None, self.status, SENT)
        return replace(self, status=SENT, sent_at=at, sealed=None)

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

    def answered(self, text: str, *, by: str, at: dt.datetime) -> Callback:
        """open → answered, once."""
        if self.status != OPEN:
            raise Refused(f"回电请求 #{self.id} 已答复 / callback #{self.id} is already answered")
        return replace(self, status=ANSWERED, answered_by=by, answered_at=at, answer=text)

    def minutes(self, now: dt.datetime | None) -> float | None:
        """Minutes from the request to its answer, or waiting so far (None without a `now` for an open one)."""
        end = self.answered_at or now
        return None if end is None else (end - self.asked_at).total_seconds() / 60
