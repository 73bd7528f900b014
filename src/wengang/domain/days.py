"""Business dates are Beijing dates: "today" for a publicity list is the Asia/Shanghai day of the moment (UTC+8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")   # no daylight saving since 1991: a fixed offset


def beijing_date(moment: dt.datetime) -> dt.date:
    """The Beijing calendar day of a moment kept as naive UTC (as the store keeps its times) or as an aware one."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(BEIJING).date()


# --- Working days (呼我必回: an answer is due within a working day) -------------------------------------------------
# China's working days are not Monday to Friday: statutory holidays fall on weekdays and make-up working days (调休)
# on weekends. The calendar is passed in (services/workdays.py reads the maintained chinesecalendar library); one that
# does not know a year raises CalendarUnknown, and then that day counts as Monday to Friday, and the answer says so.

CUTOFF = dt.time(17, 0)          # the working day ends at 17:00 Beijing time: asked later, it counts from the next one
WEEKDAYS_ONLY = ("超出法定节假日日历, 按周一至周五计算",
                 "beyond the statutory holiday calendar: Monday to Friday counted as working days")


class CalendarUnknown(LookupError):
    """The holiday calendar does not know this day's year (its publisher has not announced it yet)."""


IsWorkday = Callable[[dt.date], bool]


@dataclass(frozen=True, slots=True)
class Due:
    """When an answer is due: a moment (naive UTC, as the store keeps times), and a note when the calendar did not
    know a day counted (then Monday to Friday were counted instead)."""

    at: dt.datetime
    note: str | None = None


def _workday(day: dt.date, is_workday: IsWorkday, guessed: list[dt.date]) -> bool:
    try:
        return is_workday(day)
    except CalendarUnknown:
        guessed.append(day)
        return day.weekday() < 5


def next_working_day(day: dt.date, is_workday: IsWorkday) -> dt.date:
    """The first working day after `day` (a make-up Saturday is one, a holiday Monday is not)."""
    guessed: list[dt.date] = []
    day += dt.timedelta(days=1)
    while not _workday(day, is_workday, guessed):
        day += dt.timedelta(days=1)
    return day


def due_within_working_days(at: dt.datetime, n: int, is_workday: IsWorkday) -> Due:
    """When something asked at `at` is due if it must be done within `n` working days, in Beijing time:

    - asked on a working day before 17:00, it is received that day; otherwise (after 17:00, or on a rest day or a
      holiday) it is received on the next working day;
    - it is due at 17:00 on the n-th working day after the day it was received.

    So asked on Friday 10:00 → due Monday 17:00 (or the make-up Sunday's 17:00, if that Sunday is a working day);
    asked on Friday 18:00 → received Monday, due Tuesday 17:00. `at` is naive UTC or aware; the answer is naive UTC."""
    if n < 1:
        raise ValueError("n must be at least one working day")
    guessed: list[dt.date] = []
    local = (at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)).astimezone(BEIJING)
    received = local.date()
    if not _workday(received, is_workday, guessed) or local.time() >= CUTOFF:
        received = next_working_day(received, lambda d: _workday(d, is_workday, guessed))
    due = received
    for _ in range(n):
        due = next_working_day(due, lambda d: _workday(d, is_workday, guessed))
    moment = dt.datetime.combine(due, CUTOFF, BEIJING).astimezone(dt.UTC).replace(tzinfo=None)
    note = f"{WEEKDAYS_ONLY[0]} / {WEEKDAYS_ONLY[1]}" if guessed else None
    return Due(moment, note)
