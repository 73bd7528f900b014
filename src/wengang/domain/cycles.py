"""A cycle and its comparison rounds as typed records: what staff open, what checkpoint 1 adds, never a dict."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wengang.domain.errors import Refused


@dataclass(frozen=True, slots=True)
class Cycle:
    """One programme's cycle on one pack: opened on a snapshot's decisions, compared `rounds_required` times."""

    id: int
    program: str
    pack: str
    as_of: dt.date
    snapshot_id: str
    run_id: str
    rounds_required: int
    opened_by: str
    opened_at: dt.datetime

    def next_round(self, done: int) -> int:
        """The number of the next comparison round, or Refused when the pack's rounds are all done."""
        if done >= self.rounds_required:
            raise Refused(f"政策包要求 {self.rounds_required} 轮, 已完成 / all {self.rounds_required} comparison "
                          "rounds the pack asks for are done")
        return done + 1


@dataclass(frozen=True, slots=True)
class Round:
    """A comparison round (checkpoint 1): which run it compared with, how many units, how many changed."""

    id: int
    cycle_id: int
    round_no: int
    snapshot_id: str
    run_id: str
    units: int
    changed: int
    done_by: str
    done_at: dt.datetime
