"""Clocks for the unit of work: the system's, and one set to a past instant that runs on (demos, simulations)."""

from __future__ import annotations

import datetime as dt

from wengang.domain.ports import Clock


def utcnow() -> dt.datetime:
    """The system's now as naive UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class SystemClock:
    """The real time: what production always runs on."""

    def now(self) -> dt.datetime:
        """Now, naive UTC."""
        return utcnow()

    def __repr__(self) -> str:
        return "SystemClock()"


class RunningClock:
    """A clock that reads `start` when made and then runs on at the real pace, for a demo that plays a 2021 cycle
    day by day or a test that starts a list ten days ago. It keeps only an offset, so a worker process that is handed
    it (pickled) reads the same time."""

    def __init__(self, start: dt.datetime):
        aware = start if start.tzinfo is not None else start.replace(tzinfo=dt.UTC)
        self.offset = aware.astimezone(dt.UTC).replace(tzinfo=None) - utcnow()

    def now(self) -> dt.datetime:
        """The set instant plus the real time gone by since."""
        return utcnow() + self.offset

    def __repr__(self) -> str:
        return f"RunningClock(now={self.now().isoformat()}Z)"


def clock_for(start: dt.datetime | None) -> Clock:
    """The system clock, or a running clock from `start` (settings: WENGANG_CLOCK_START, never set in production)."""
    return SystemClock() if start is None else RunningClock(start)
