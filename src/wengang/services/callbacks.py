"""“呼我必回” callbacks: anyone leaves a number and a question, staff are told at once, the answer closes it."""

from __future__ import annotations

import datetime as dt
import logging
import re
import statistics
from dataclasses import dataclass

from wengang.domain.audit import SYSTEM, Draft
from wengang.domain.contact import CITY, OPEN, Callback, Duty, office_for
from wengang.domain.days import due_within_working_days
from wengang.domain.errors import ConcurrentChange, Refused
from wengang.domain.identifiers import mask_phone, uscc_problem
from wengang.domain.ports import Store, UnitOfWork
from wengang.messages import render
from wengang.services.notify import notify
from wengang.services.people import phone_problem
from wengang.services.workdays import is_workday

log = logging.getLogger(__name__)
WORKING_DAYS = 1                        # an answer is due within one working day (domain/days.py says how it counts)
CITY_NAME = "市级办公室"                 # the city office's name until an admin names it
EXCERPT = 40                            # how much of the question an officer's SMS carries

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
    office: str | None = None              # the office's name (or code, when it has none)
    office_code: str | None = None
    due_at: dt.datetime | None = None
    due_note: str | None = None
    overdue: bool = False
    escalated_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Stats:
    """How quickly callbacks are answered: counts, median and 90th percentile minutes, the oldest still open."""

    open: int
    answered: int
    median_minutes: float | None
    p90_minutes: float | None
    oldest_open_minutes: float | None


def request(phone: str, question: str, *, store: Store, uscc: str | None = None, name: str | None = None,
            source: str = "public", url: str = "") -> Asked:
    """Record a callback request, route it to its unit's district office (else the city's), give it a due time
    within one working day, and text the officer on duty there (else the city's) in the same transaction: nothing
    lost, nothing invented. The officer's SMS never carries the caller's number (it is on the staff page, masked,
    revealed to who calls back). `url` is the server's public address, for the link."""
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
        office = office_for(uscc, {o.code for o in uow.offices.all()})
        due = due_within_working_days(uow.now(), WORKING_DAYS, is_workday)
        if due.note:
            log.warning("呼我必回的答复期限 / callback due time: %s", due.note)
        cb = uow.callbacks.add(uscc=uscc, name=name, phone=phone, question=question, source=source,
                               status=OPEN, asked_at=uow.now(), office=office, due_at=due.at, due_note=due.note)
        callback_id = cb.id
        notify(uow, kind="callback_alert", channel="portal",
               text=f"呼我必回 #{callback_id}: {mask_phone(phone)} {question[:80]}")
        officer = _text_officer(uow, cb, "callback_duty", url=url, office=office)
        if uscc:
            notify(uow, kind="callback_received", uscc=uscc, channel="portal",
                   text=f"已收到您的回电请求 #{callback_id}, 工作人员将尽快回复 / we received your callback request "
                        f"#{callback_id}; staff will call you back soon")
        uow.audit.append([Draft(uscc or source, "callback_requested", f"callback:{callback_id}",
                                reason="呼我必回 / callback requested",
                                data={"uscc": uscc, "phone": mask_phone(phone), "source": source,
                                      "office": office, "due_at": due.at.isoformat(), "due_note": due.note,
                                      "officer": officer.username if officer else None})])
        uow.commit()
    return Asked(callback_id, mask_phone(phone), OPEN)


def _excerpt(question: str) -> str:
    """The question's start for an SMS: any long run of digits (a number someone typed in) masked."""
    short = question if len(question) <= EXCERPT else question[:EXCERPT] + "…"
    return re.sub(r"\d{7,}", lambda m: mask_phone(m.group()), " ".join(short.split()))


def _office_name(uow: UnitOfWork, code: str | None) -> str:
    names = {o.code: o.name for o in uow.offices.all()}
    return names.get(code or CITY) or (CITY_NAME if code in (None, CITY) else str(code))


def _text_officer(uow: UnitOfWork, cb: Callback, event: str, *, url: str, office: str) -> Duty | None:
    """Queue an SMS to the officer on duty at `office` now (else the city's); None when nobody is on duty."""
    now = uow.now()
    duty = uow.offices.on_duty(office, now) or (uow.offices.on_duty(CITY, now) if office != CITY else None)
    if duty is None:
        log.warning("呼我必回 #%s: %s 无人值班 / nobody on duty at office %s", cb.id, office, office)
        return None
    params = {"number": cb.id, "asker": f"单位{cb.uscc}" if cb.uscc else "公众",
              "question": _excerpt(cb.question), "due": cb.due_at.isoformat() if cb.due_at else "",
              "link": f"{url.rstrip('/')}/staff/callbacks#callback-{cb.id}",
              **({"office": _office_name(uow, cb.office)} if event == "callback_overdue" else {})}
    notify(uow, kind=event, text=render(event, params).text, recipient=duty.phone, channel="sms", params=params)
    return duty


def escalate_overdue(*, store: Store, url: str = "") -> list[int]:
    """Every open callback past its due time, not yet escalated, goes to the city office once: marked, audited
    (callback_escalated) and texted to the city's officer on duty. Returns the callbacks escalated."""
    done: list[int] = []
    with store.transaction() as uow:
        now = uow.now()
        for cb in uow.callbacks.all(status=OPEN):
            if cb.escalated_at is not None or not cb.overdue(now) or not uow.callbacks.escalate(cb.id, now):
                continue
            officer = _text_officer(uow, cb, "callback_overdue", url=url, office=CITY)
            uow.audit.append([Draft(SYSTEM, "callback_escalated", f"callback:{cb.id}",
                                    reason="超时未答复, 转市级办公室 / not answered in time: handed to the city office",
                                    data={"uscc": cb.uscc, "office": cb.office,
                                          "due_at": cb.due_at.isoformat() if cb.due_at else None,
                                          "officer": officer.username if officer else None})])
            done.append(cb.id)
        uow.commit()
    return done


def answer(callback_id: int, *, store: Store, text: str, by: str) -> Answered:
    """Staff answer (after calling back): the request closes, the answer goes out by SMS, time to answer is kept."""
    text = text.strip()
    if not 2 <= len(text) <= ANSWER_MAX:
        raise Refused(f"答复应为2至{ANSWER_MAX}字 / an answer has 2 to {ANSWER_MAX} characters")
    with store.transaction() as uow:
        cb = uow.callbacks.get(callback_id, lock=True).answered(text, by=by, at=uow.now())
        if not uow.callbacks.answer(cb):
            raise ConcurrentChange(f"回电请求 / callback #{callback_id}")
        said = {"number": callback_id, "answer": text}
        notify(uow, kind="callback_answered", uscc=cb.uscc, recipient=cb.phone, channel="sms",
               text=render("callback_answered", said).text, params=said)
        minutes = (uow.now() - cb.asked_at).total_seconds() / 60
        uow.audit.append([Draft(by, "callback_answered", f"callback:{callback_id}",
                                reason="已回电答复 / called back and answered",
                                data={"uscc": cb.uscc, "phone": mask_phone(cb.phone), "minutes": f"{minutes:.1f}"})])
        uow.commit()
    return Answered(callback_id, cb.status, round(minutes, 1))


def reveal(callback_id: int, *, store: Store, by: str) -> str:
    """The full number, for the member of staff about to call back; every look is in the audit log (who and when:
    the entry's actor and time), and in the callback's history."""
    with store.transaction() as uow:
        cb = uow.callbacks.get(callback_id)
        uow.audit.append([Draft(by, "callback_number_revealed", f"callback:{callback_id}",
                                reason="查看完整号码以回电 / full number viewed to call back",
                                data={"phone": mask_phone(cb.phone)})])
        uow.commit()
    return cb.phone


@dataclass(frozen=True, slots=True)
class Step:
    """One entry of a callback's history: when (naive UTC), who, what (an audit event), and why in words."""

    at: dt.datetime
    by: str
    event: str
    reason: str


def history(callback_id: int, *, store: Store) -> list[Step]:
    """What happened to a callback, oldest first, from the audit log: asked, routed, number revealed (who, when),
    escalated, answered. Never the number itself (the log holds it masked)."""
    with store.reading() as uow:
        uow.callbacks.get(callback_id)
        rows = uow.audit.for_subject(f"callback:{callback_id}")
    return [Step(dt.datetime.fromisoformat(e.at.rstrip("Z")), e.actor, e.event, e.reason) for e in rows]


def _shown(cb: Callback, now: dt.datetime | None = None, names: dict[str, str] | None = None) -> Shown:
    """A callback as a page may show it: phone masked, minutes to answer (or waiting so far), its office by name."""
    minutes = cb.minutes(now)
    office = None if cb.office is None else (names or {}).get(cb.office) or (
        CITY_NAME if cb.office == CITY else cb.office)
    return Shown(cb.id, cb.uscc, cb.name, mask_phone(cb.phone), cb.question, cb.source, cb.status, cb.asked_at,
                 cb.answered_by, cb.answered_at, cb.answer, None if minutes is None else round(minutes, 1),
                 office, cb.office, cb.due_at, cb.due_note, bool(now and cb.overdue(now)), cb.escalated_at)


def listing(*, store: Store, status: str | None = None, limit: int = 200, office: str | None = None) -> list[Shown]:
    """The staff queue: oldest open first (they wait longest), or the newest answered; of one office, if named
    (an escalated callback is also the city office's)."""
    with store.reading() as uow:
        rows = uow.callbacks.all(status=status)
        names = {o.code: o.name for o in uow.offices.all()}
        now = uow.now()
    if office:
        rows = [cb for cb in rows if cb.office == office or (office == CITY and cb.escalated_at is not None)]
    rows = rows[:limit] if status == "open" else list(reversed(rows))[:limit]
    return [_shown(cb, now, names) for cb in rows]


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
