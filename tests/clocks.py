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
