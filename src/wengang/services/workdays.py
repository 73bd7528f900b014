"""China's working days from the maintained chinesecalendar library (statutory holidays and make-up working days, as
the State Council announces them each year): the calendar the domain's working-day arithmetic is given."""

from __future__ import annotations

import datetime as dt

import chinese_calendar  # type: ignore[import-untyped]

from wengang.domain.days import CalendarUnknown


def is_workday(day: dt.date) -> bool:
    """Whether `day` is a working day in China; CalendarUnknown for a year the library does not know yet."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as e:
        raise CalendarUnknown(f"节假日日历不含{day.year}年 / the holiday calendar does not know {day.year}") from e
