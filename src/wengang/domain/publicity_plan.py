"""A publicity plan (Xining: "分批次排出公示计划"): a cycle's identified cases split into dated batches by district,
size or count, each started on its day and never before it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import NamedTuple

from wengang.domain.errors import Refused
from wengang.domain.process import first_day

KINDS = ("district", "size", "count")
MAX_GAP = 90            # days between two batches: a plan longer than a season is a typing error
# By size: the smallest first (most units, the highest ratio), the units whose size is unknown last.
SIZE_ORDER = {size: n for n, size in enumerate(("micro", "small", "medium", "large", "unknown"))}


class Entry(NamedTuple):
    """What the split needs of a case: its number, credit code, amount and size class (the run's, when the cycle
    opened: large, medium, small, micro or unknown)."""

    case_id: int
    uscc: str
    amount: Decimal
    size: str


def district_of(uscc: str) -> str:
    """The six-digit administrative division code inside a credit code (characters 3–8), as the queues filter it."""
    return uscc[2:8]


@dataclass(frozen=True, slots=True)
class Rule:
    """How to split: by what, at most how many cases a batch (count: exactly so many, the last fewer), from which
    day, how many days apart."""

    by: str
    per: int | None
    first_day: dt.date
    every_days: int


def rule(by: str, per: int | None, first: dt.date | None, every_days: int, *, today: dt.date) -> Rule:
    """A checked rule, or Refused saying what is wrong (in words): never a first day before today (Beijing)."""
    if by not in KINDS:
        raise Refused(f"分批方式应为 按区县 / 按规模 / 按数量 / split by district, size or count, not {by!r}")
    if by == "count" and per is None:
        raise Refused("按数量分批需要每批案件数 / a split by count needs how many cases go in each batch")
    if per is not None and not 1 <= per <= 1_000_000:
        raise Refused(f"每批案件数应在 1 至 1000000 之间 / cases per batch must be 1 to 1,000,000, not {per}")
    if not 0 <= every_days <= MAX_GAP:
        raise Refused(f"批次间隔应为 0 至 {MAX_GAP} 天 / days between batches must be 0 to {MAX_GAP}, "
                      f"not {every_days}")
    return Rule(by, per, first_day(first, today), every_days)


class Group(NamedTuple):
    """One planned batch: its order, what it gathers (district code, size key, or empty for count), its day, its
    cases and their amount."""

    seq: int
    key: str
    scheduled_on: dt.date
    case_ids: tuple[int, ...]
    amount: Decimal


def _key(by: str, entry: Entry) -> tuple:
    if by == "district":
        return (district_of(entry.uscc),)
    if by == "size":
        return (SIZE_ORDER.get(entry.size, len(SIZE_ORDER)), entry.size)
    return ()


def split(entries: Iterable[Entry], r: Rule) -> list[Group]:
    """Stable: cases in case-number order inside a group; districts by code, sizes SMEs first; a group larger than
    `per` becomes several batches. Batch k (from 0) is scheduled `first_day + k × every_days`."""
    ordered = sorted(entries, key=lambda e: (_key(r.by, e), e.case_id))
    chunks: list[tuple[str, list[Entry]]] = []
    for key, members in groupby(ordered, key=lambda e: _key(r.by, e)):
        found = list(members)
        step = r.per or len(found)
        chunks += [(str(key[-1]) if key else "", found[at:at + step]) for at in range(0, len(found), step)]
    return [Group(k + 1, key, r.first_day + dt.timedelta(days=k * r.every_days), tuple(e.case_id for e in chunk),
                  sum((e.amount for e in chunk), Decimal("0.00")))
            for k, (key, chunk) in enumerate(chunks)]


@dataclass(frozen=True, slots=True)
class PlannedBatch:
    """A batch of a cycle's plan: planned until it starts (then it names its publicity batch), on or after its day."""

    id: int
    cycle_id: int
    seq: int
    by: str
    key: str
    scheduled_on: dt.date
    every_days: int
    publicity_batch_id: int | None
    planned_by: str
    planned_at: dt.datetime

    @property
    def started(self) -> bool:
        return self.publicity_batch_id is not None

    def due(self, today: dt.date) -> bool:
        """Its day has come and it has not started."""
        return not self.started and self.scheduled_on <= today

    def may_start(self, today: dt.date) -> None:
        """Refused in words when it has started already or its day is still to come: no batch starts early."""
        if self.started:
            raise Refused(f"计划第 {self.seq} 批已开始公示 / planned batch {self.seq} has started already")
        if self.scheduled_on > today:
            raise Refused(f"计划第 {self.seq} 批排定 {self.scheduled_on} 开始, 今天 {today} 不能提前 / planned batch "
                          f"{self.seq} is scheduled for {self.scheduled_on}; it cannot start early (today is {today}, "
                          "Beijing)")


def replannable(planned: Sequence[PlannedBatch]) -> None:
    """A plan may be made again only while none of its batches has started."""
    started = [p.seq for p in planned if p.started]
    if started:
        raise Refused(f"计划第 {started[0]} 批已开始公示, 不能重新排计划 / planned batch {started[0]} has started: "
                      "the plan can no longer be made again")


def next_to_start(planned: Sequence[PlannedBatch]) -> PlannedBatch | None:
    """The unstarted batch with the earliest day (then the lowest order): cases identified after the plan join it."""
    waiting = [p for p in planned if not p.started]
    return min(waiting, key=lambda p: (p.scheduled_on, p.seq)) if waiting else None


def extra_day(planned: Sequence[PlannedBatch], today: dt.date) -> dt.date:
    """The day of a batch added after every planned one has started: the plan's rhythm after its last, not before
    today."""
    if not planned:
        return today
    last = max(planned, key=lambda p: p.scheduled_on)
    return max(today, last.scheduled_on + dt.timedelta(days=last.every_days))
