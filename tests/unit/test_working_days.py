"""Working days as China counts them (holidays on weekdays, make-up working days on weekends): an answer due within
one working day, on both sides of a holiday and a make-up day, and beyond the years the calendar knows."""

from __future__ import annotations

import datetime as dt

import pytest

from wengang.domain.days import (
    BEIJING,
    CalendarUnknown,
    due_within_working_days,
    next_working_day,
)
from wengang.services.workdays import is_workday


def bj(*args: int) -> dt.datetime:
    """A Beijing moment as naive UTC (as the store keeps it)."""
    return dt.datetime(*args, tzinfo=BEIJING).astimezone(dt.UTC).replace(tzinfo=None)


def test_the_library_knows_the_spring_festival_of_2024():
    assert is_workday(dt.date(2024, 2, 4))            # a Sunday, a make-up working day
    assert not is_workday(dt.date(2024, 2, 12))       # a Monday inside the Spring Festival holiday
    assert is_workday(dt.date(2024, 2, 18))           # a Sunday, made up after it


def test_the_next_working_day_skips_a_holiday_and_takes_a_make_up_sunday():
    assert next_working_day(dt.date(2024, 2, 2), is_workday) == dt.date(2024, 2, 4)      # Fri → make-up Sunday
    assert next_working_day(dt.date(2024, 2, 9), is_workday) == dt.date(2024, 2, 18)     # holiday eve → made-up Sun
    assert next_working_day(dt.date(2024, 2, 18), is_workday) == dt.date(2024, 2, 19)


@pytest.mark.parametrize(("asked", "due"), [
    (bj(2024, 2, 1, 10), bj(2024, 2, 2, 17)),           # a working day before 17:00 → next working day 17:00
    (bj(2024, 2, 2, 10), bj(2024, 2, 4, 17)),           # Friday → the make-up Sunday
    (bj(2024, 2, 2, 17, 30), bj(2024, 2, 5, 17)),       # Friday after 17:00: received Sunday, due Monday
    (bj(2024, 2, 3, 11), bj(2024, 2, 5, 17)),           # a rest Saturday: received Sunday, due Monday
    (bj(2024, 2, 9, 16), bj(2024, 2, 18, 17)),          # before the holiday → the Sunday made up after it
    (bj(2024, 2, 12, 9), bj(2024, 2, 19, 17)),          # on the holiday Monday: received 18th, due the 19th
    (bj(2024, 2, 18, 16, 59), bj(2024, 2, 19, 17)),     # on the make-up Sunday itself, before 17:00
])
def test_an_answer_is_due_by_17_00_on_the_next_working_day(asked, due):
    found = due_within_working_days(asked, 1, is_workday)
    assert found.at == due and found.note is None


def test_an_aware_moment_counts_in_beijing_time():
    asked = dt.datetime(2024, 2, 1, 8, 30, tzinfo=dt.UTC)         # 16:30 in Beijing: still before 17:00
    assert due_within_working_days(asked, 1, is_workday).at == bj(2024, 2, 2, 17)


def test_beyond_the_years_the_calendar_knows_monday_to_friday_count_and_the_answer_says_so():
    with pytest.raises(CalendarUnknown, match="2027"):
        is_workday(dt.date(2027, 1, 4))
    found = due_within_working_days(bj(2026, 12, 31, 10), 1, is_workday)    # Thursday; Friday is a year on
    assert found.at == bj(2027, 1, 1, 17)
    assert found.note and "周一至周五" in found.note and "Monday to Friday" in found.note
    inside = due_within_working_days(bj(2026, 12, 29, 10), 1, is_workday)
    assert inside.note is None


def test_more_than_one_working_day_and_no_fewer_than_one():
    assert due_within_working_days(bj(2024, 2, 1, 10), 3, is_workday).at == bj(2024, 2, 5, 17)
    with pytest.raises(ValueError):
        due_within_working_days(bj(2024, 2, 1, 10), 0, is_workday)
