"""The case process's own records as typed aggregates: a publicity batch and its period, an objection and its
decision, an application and its review, a re-verification that moved a case. Their legal steps live here."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from wengang.domain.errors import Refused

UNSAVED = 0   # the id of a record the database has not numbered yet (bulk inserts leave it out)


def batch_number(cycle_id: int, seq: int) -> str:
    """The number staff and the public know a list by: C1-P1 is cycle 1's first publicity batch."""
    return f"C{cycle_id}-P{seq}"


def first_day(starts_on: dt.date | None, today: dt.date) -> dt.date:
    """A new list's first day: today (Beijing) or later, never back-dated, so the public has the whole period to
    object."""
    starts_on = starts_on or today
    if starts_on < today:
        raise Refused(f"公示不能倒签: 首日 {starts_on} 早于今天 {today} (北京时间) / publicity cannot be back-dated: "
                      f"its first day {starts_on} is before today {today} (Beijing)")
    return starts_on


def last_day(starts_on: dt.date, days: int) -> dt.date:
    """The last day of a period of `days` calendar days, the first included."""
    return starts_on + dt.timedelta(days=days - 1)


@dataclass(frozen=True, slots=True)
class PublicityBatch:
    """A dated public list of a cycle: open while `closed_on` is empty, closed once, after its last day."""

    id: int
    cycle_id: int
    number: str
    starts_on: dt.date
    ends_on: dt.date
    days: int
    entries: int
    started_by: str
    started_at: dt.datetime
    closed_on: dt.date | None
    closed_by: str | None

    @property
    def is_open(self) -> bool:
        """Objections are taken (inside the period) until the list is closed."""
        return self.closed_on is None

    def takes_objection(self, raised_on: dt.date) -> None:
        """Refused unless the list is open and the day lies inside its period (both ends included)."""
        if not self.is_open or not self.starts_on <= raised_on <= self.ends_on:
            raise Refused(f"本名单公示期为 {self.starts_on} 至 {self.ends_on}, 期外不受理异议 / objections to this list "
                          f"are taken from {self.starts_on} to {self.ends_on} inclusive")

    def close(self, closed_on: dt.date | None, *, today: dt.date, by: str) -> PublicityBatch:
        """The closed batch: only once, only after its last day, never on a day still to come (Beijing), so an
        objection raised inside the period is taken until then."""
        if not self.is_open:
            raise Refused(f"批次 {self.number} 已于 {self.closed_on} 结束 / batch already closed")
        closed_on = closed_on or today
        if closed_on > today:
            raise Refused(f"结束日 {closed_on} 尚未到来 (今天 {today}, 北京时间) / the closing day {closed_on} has not "
                          f"come yet (today is {today} in Beijing)")
        if closed_on <= self.ends_on:
            raise Refused(f"公示期至 {self.ends_on} 止, 之后才能结束 / the period runs to {self.ends_on} "
                          f"inclusive; close it from {self.ends_on + dt.timedelta(days=1)}")
        return replace(self, closed_on=closed_on, closed_by=by)


class ObjectionStatus(StrEnum):
    """Where an objection stands (the values are stored)."""

    OPEN = "open"               # raised; staff investigate
    SUSTAINED = "sustained"     # true: the case is rejected
    DISMISSED = "dismissed"     # unfounded: the case goes back on the list
    MOOT = "moot"               # another objection to the same case was sustained first, or its review rejected it


@dataclass(frozen=True, slots=True)
class Objection:
    """Anyone's objection to an entry of a list: open until staff sustain or dismiss it (or another makes it moot).
    The contact is private: whoever shows it masks it."""

    id: int
    batch_id: int
    case_id: int
    objector: str | None
    contact: str = field(repr=False)        # private: never in a log line or a traceback
    text: str
    raised_on: dt.date
    raised_at: dt.datetime
    status: ObjectionStatus
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None

    @property
    def is_open(self) -> bool:
        """Still waiting for a decision, and holding its case back."""
        return self.status is ObjectionStatus.OPEN

    def decide(self, *, sustain: bool, by: str, at: dt.datetime, reason: str) -> Objection:
        """Sustained or dismissed, with a reason; an objection already decided is refused."""
        if not reason.strip():
            raise Refused("处理异议需要写明理由 / a decision on an objection needs a reason")
        return self._decided(ObjectionStatus.SUSTAINED if sustain else ObjectionStatus.DISMISSED, by, at, reason)

    def moot(self, *, sustained: int, by: str, at: dt.datetime) -> Objection:
        """Another objection to the same case was sustained: this one needs no decision of its own."""
        return self._decided(ObjectionStatus.MOOT, by, at, f"#{sustained} sustained")

    def moot_by_review(self, *, by: str, at: dt.datetime, reason: str) -> Objection:
        """The case, in review while on the list, was rejected by its reviewer: what the objection asked for is done,
        so it needs no decision of its own (and no longer waits at the objection desk)."""
        return self._decided(ObjectionStatus.MOOT, by, at,
                             f"审核不通过, 案件已不予返还 / the review rejected the case: {reason}")

    def _decided(self, status: ObjectionStatus, by: str, at: dt.datetime, reason: str) -> Objection:
        """Only an open objection is decided, and only once."""
        if not self.is_open:
            raise Refused(f"异议 #{self.id} 已处理 ({self.status}) / objection already decided")
        return replace(self, status=status, decided_by=by, decided_at=at, decision_reason=reason)


class ApplicationStatus(StrEnum):
    """Where an application stands (the values are stored)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Application:
    """A unit's application with its accepted commitment letter (routed to review, or filed late): pending until
    a reviewer accepts or rejects its case."""

    id: int
    case_id: int
    commitment: str
    commitment_accepted: bool
    late: bool
    filed_by: str
    filed_at: dt.datetime
    status: ApplicationStatus
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    claimed: str | None = None      # the facts the unit claimed, JSON {fact: value as text}; None: none claimed

    @property
    def claimed_facts(self) -> dict[str, str]:
        """The facts the unit claimed, by the name the rules read them under (supplied.FACTS)."""
        return dict(json.loads(self.claimed)) if self.claimed else {}

    @property
    def is_pending(self) -> bool:
        """Still waiting for a reviewer: only a pending application lets a case be accepted."""
        return self.status is ApplicationStatus.PENDING

    def decide(self, *, accept: bool, by: str, at: dt.datetime, reason: str) -> Application:
        """Accepted or rejected with the reviewer's reason; only a pending application is decided."""
        if not self.is_pending:
            raise Refused(f"申请 #{self.id} 已处理 ({self.status}) / application #{self.id} is already {self.status}")
        status = ApplicationStatus.ACCEPTED if accept else ApplicationStatus.REJECTED
        return replace(self, status=status, decided_by=by, decided_at=at, decision_reason=reason)


def commitment_letter(text: str, accepted: bool) -> str:
    """The letter as filed (trimmed), or Refused: an application needs the commitment letter, accepted."""
    if not accepted or not text.strip():
        raise Refused("申请须附承诺书并确认接受 / an application needs the commitment letter (承诺书), accepted")
    return text.strip()


@dataclass(frozen=True, slots=True)
class Reverification:
    """Checkpoint 3 moved a case: the run and decision before, the run and decision after, and where it went."""

    id: int
    cycle_id: int
    case_id: int
    old_run_id: str
    new_run_id: str
    old_decision: str
    new_decision: str | None
    old_amount: Decimal
    new_amount: Decimal | None
    new_reasons: str | None
    outcome: str
    done_at: dt.datetime
