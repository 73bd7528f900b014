"""Publicity dates (issue 12, M6) on both databases: never back-dated, closed only once its last day has passed."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.builders import uscc
from tests.clocks import on_day
from tests.conftest import CITY
from wengang import bootstrap
from wengang.domain.errors import Refused
from wengang.services import cycles, objections, publicity

pytestmark = pytest.mark.slow
DAY = dt.date(2021, 10, 8)                 # "today" by the store's clock
LAST = DAY + dt.timedelta(days=6)          # the 7-day period's last day


@pytest.fixture
def compared(db_store, db_settings, opened, case_city):
    cycles.compare(1, store=db_store, analytics=bootstrap.analytics(db_settings), settings=db_settings,
                   snapshot=case_city["snapshots"][2], by="clerk")


def test_a_list_cannot_start_before_today(db_store, compared):
    with on_day(db_store, DAY), pytest.raises(Refused, match="back-dated.*2021-10-07 is before today 2021-10-08"):
        publicity.start(1, store=db_store, starts_on=DAY - dt.timedelta(days=1), by="clerk")
    with on_day(db_store, DAY):
        started = publicity.start(1, store=db_store, starts_on=DAY, by="clerk")
    assert (started.starts_on, started.ends_on) == (DAY, LAST)


def test_without_a_first_day_a_list_starts_today_in_beijing(db_store, compared):
    with on_day(db_store, DAY, hour=0):    # 00:xx in Beijing is still the day before in UTC
        started = publicity.start(1, store=db_store, by="clerk")
    assert started.starts_on == DAY


def test_a_list_may_be_announced_for_a_later_day(db_store, compared):
    with on_day(db_store, DAY):
        started = publicity.start(1, store=db_store, starts_on=DAY + dt.timedelta(days=2), by="clerk")
    assert started.ends_on == LAST + dt.timedelta(days=2)


def test_the_period_is_closed_only_once_its_last_day_has_passed(db_store, compared):
    with on_day(db_store, DAY):
        publicity.start(1, store=db_store, by="clerk")
    with on_day(db_store, LAST, hour=23):
        with pytest.raises(Refused, match="has not come yet"):       # dated after the period, but still ahead
            publicity.close("C1-P1", store=db_store, closed_on=LAST + dt.timedelta(days=1), by="clerk")
        with pytest.raises(Refused, match="runs to 2021-10-14 inclusive"):
            publicity.close("C1-P1", store=db_store, by="clerk")
        made = objections.add("C1-P1", uscc(CITY["eligible"]), store=db_store, contact="13812345678",
                              text="最后一天的异议", raised_on=LAST)                  # still taken on the last day
    assert made.id == 1
    with on_day(db_store, LAST + dt.timedelta(days=1)):
        with pytest.raises(Refused, match="has not come yet"):
            publicity.close("C1-P1", store=db_store, closed_on=LAST + dt.timedelta(days=2), by="clerk")
        closed = publicity.close("C1-P1", store=db_store, by="clerk")
    assert closed.closed_on == LAST + dt.timedelta(days=1) and closed.open_objections == 1
