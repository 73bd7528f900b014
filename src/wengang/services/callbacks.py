"""“呼我必回” callbacks: anyone leaves a number and a question, staff are told at once, the answer closes it."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from wengang.domain.audit import Draft
from wengang.domain.contact import OPEN, Callback
from wengang.domain.errors import ConcurrentChange, Refused
from wengang.domain.identifiers import mask_phone, uscc_problem
from wengang.domain.ports import Store
from wengang.services.notify import notify
from wengang.services.people import phone_problem

SOURCES = ("public", "portal", "api")
QUESTION_MAX, ANSWER_MAX, NAME_MAX = 1000, 2000, 50


@dataclass(frozen=True, slots=True)
class Asked:
    """A request just recorded: its number, the phone masked, open."""

    id: int
    phone: str
    status: str


@dataclass(frozen=True, slots=True)
class Answered:
    """A request just answered, with the minutes it waited."""

    id: int
    status: str
    minutes_to_answer: float


@dataclass(frozen=True, slots=True)
class Shown:
    """A callback as a page may show it: phone masked, minutes to answer (or waiting so far)."""

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
    minutes: float | None


@dataclass(frozen=True, slots=True)
class Stats:
    """How quickly callbacks are answered: counts, median and 90th percentile minutes, the oldest still open."""

    open: int
    answered: int
    median_minutes: float | None
    p90_minutes: float | None
    oldest_open_minutes: float | None


def request(phone: str, question: str, *, store: Store, uscc: str | None = None, name: str | None = None,
            source: str = "public") -> Asked:
    """Record a callback request and tell the duty staff in the same transaction (nothing lost, nothing invented)."""
    phone, question, name = phone.strip().replace(" ", ""), question.strip(), (name or "").strip() or None
    problem = phone_problem(phone)
    if problem:
        raise Refused(problem)
    if not 2 <= len(question) <= QUESTION_MAX:
        raise Refused(f"问题应为2至{QUESTION_MAX}字 / a question has 2 to {QUESTION_MAX} characters")
    if name and len(name) > NAME_MAX:
        raise Refused(f"姓名最多{NAME_MAX}字 / a name has at most {NAME_MAX} characters")
    if uscc and uscc_problem(uscc):
        raise Refused(uscc_problem(uscc))
    if source not in SOURCES:
        raise Refused(f"未知来源 / unknown source {source!r}")
    with store.transaction() as uow:
        callback_id = uow.callbacks.add(uscc=uscc, name=name, phone=phone, question=question, source=source,
                                        status=OPEN, asked_at=uow.now()).id
        notify(uow, kind="callback_alert", channel="portal",
               text=f"呼我必回 #{callback_id}: {mask_phone(phone)} {question[:80]}")
        if uscc:
            notify(uow, kind="callback_received", uscc=uscc, channel="portal",
                   text=f"已收到您的回电请求 #{callback_id}, 工作人员将尽快回复 / we received your callback request "
                        f"#{callback_id}; staff will call you back soon")
        uow.audit.append([Draft(uscc or source, "callback_requested", f"callback:{callback_id}",
                                reason="呼我必回 / callback requested",
                                data={"uscc": uscc, "phone": mask_phone(phone), "source": source})])
        uow.commit()
    return Asked(callback_id, mask_phone(phone), OPEN)


def answer(callback_id: int, *, store: Store, text: str, by: str) -> Answered:
    """Staff answer (after calling back): the request closes, the answer goes out by SMS, time to answer is kept."""
    text = text.strip()
    if not 2 <= len(text) <= ANSWER_MAX:
        raise Refused(f"答复应为2至{ANSWER_MAX}字 / an answer has 2 to {ANSWER_MAX} characters")
    with store.transaction() as uow:
        cb = uow.callbacks.get(callback_id, lock=True).answered(text, by=by, at=uow.now())
        if not uow.callbacks.answer(cb):
            raise ConcurrentChange(f"回电请求 / callback #{callback_id}")
        notify(uow, kind="callback_answered", uscc=cb.uscc, recipient=cb.phone, channel="sms",
               text=f"【稳岗返还】您的咨询 #{callback_id} 答复 / answer to your question #{callback_id}: {text}")
        minutes = (uow.now() - cb.asked_at).total_seconds() / 60
        uow.audit.append([Draft(by, "callback_answered", f"callback:{callback_id}",
                                reason="已回电答复 / called back and answered",
                                data={"uscc": cb.uscc, "phone": mask_phone(cb.phone), "minutes": f"{minutes:.1f}"})])
        uow.commit()
    return Answered(callback_id, cb.status, round(minutes, 1))


def reveal(callback_id: int, *, store: Store, by: str) -> str:
    """The full number, for the member of staff about to call back; every look is in the audit log."""
    with store.transaction() as uow:
        cb = uow.callbacks.get(callback_id)
        uow.audit.append([Draft(by, "callback_phone_viewed", f"callback:{callback_id}",
                                reason="查看完整号码以回电 / full number viewed to call back",
                                data={"phone": mask_phone(cb.phone)})])
        uow.commit()
    return cb.phone


def _shown(cb: Callback, now: dt.datetime | None = None) -> Shown:
    """A callback as a page may show it: phone masked, minutes to answer (or waiting so far)."""
    minutes = cb.minutes(now)
    return Shown(cb.id, cb.uscc, cb.name, mask_phone(cb.phone), cb.question, cb.source, cb.status, cb.asked_at,
                 cb.answered_by, cb.answered_at, cb.answer, None if minutes is None else round(minutes, 1))


def listing(*, store: Store, status: str | None = None, limit: int = 200) -> list[Shown]:
    """The staff queue: oldest open first (they wait longest), or the newest answered."""
    with store.reading() as uow:
        rows = uow.callbacks.all(status=status)
        now = uow.now()
    rows = rows[:limit] if status == "open" else list(reversed(rows))[:limit]
    return [_shown(cb, now) for cb in rows]


def for_unit(uscc: str, *, store: Store) -> list[Shown]:
    """A unit's own callback requests, newest first."""
    with store.reading() as uow:
        rows = uow.callbacks.of_unit(uscc)
        now = uow.now()
    return [_shown(cb, now) for cb in reversed(rows)]


def stats(*, store: Store) -> Stats:
    """How quickly callbacks are answered: counts, median and 90th percentile minutes, the oldest still open."""
    with store.reading() as uow:
        rows = uow.callbacks.all()
        now = uow.now()
    done = sorted((cb.answered_at - cb.asked_at).total_seconds() / 60 for cb in rows if cb.answered_at)
    waiting = [(now - cb.asked_at).total_seconds() / 60 for cb in rows if cb.status == OPEN]
    return Stats(len(waiting), len(done), round(statistics.median(done), 1) if done else None,
                 round(done[min(len(done) - 1, int(len(done) * 0.9))], 1) if done else None,
                 round(max(waiting), 1) if waiting else None)
