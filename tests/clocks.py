"""Tests that start lists in the past do so on that past day: the store's clock set back, running on from there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from wengang.adapters.clock import RunningClock
from wengang.domain.days import BEIJING


def beijing(day: dt.date, hour: int = 9) -> dt.datetime:
    """A working hour of a Beijing day, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BEIJING)


@contextmanager
def on_day(store, day: dt.date, hour: int = 9) -> Iterator[None]:
    """Run the block as if it were `day` at `hour` in Beijing; the store's own clock comes back afterwards."""
    before = store.clock
    store.clock = RunningClock(beijing(day, hour))
    try:
        yield
    finally:
        store.clock = before


@contextmanager
def in_sending_hours(store) -> Iterator[None]:
    """Run the block at 10:00 Beijing the morning after the store's now: no SMS goes out 22:00-08:00, and a test must
    not pass or fail by the hour it happens to run at."""
    today = (store.clock.now() + dt.timedelta(hours=8)).date()
    with on_day(store, today + dt.timedelta(days=1), hour=10):
        yield
