"""A cycle and its comparison rounds as typed records: what staff open, what checkpoint 1 adds, never a dict."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from wengang.domain.errors import Refused


@dataclass(frozen=True, slots=True)
class Cycle:
    """One programme's cycle on one pack: opened on a snapshot's decisions, compared `rounds_required` times;
    cancelled (with a reason) only before any money moved."""

    id: int
    program: str
    pack: str
    as_of: dt.date
    snapshot_id: str
    run_id: str
    rounds_required: int
    opened_by: str
    opened_at: dt.datetime
    cancelled_by: str | None = None
    cancelled_at: dt.datetime | None = None
    cancel_reason: str | None = None

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    def cancel(self, by: str, at: dt.datetime, reason: str) -> Cycle:
        """The cycle called off, with who, when and why; refused without a reason or a second time."""
        if not reason.strip():
            raise Refused("须写明撤销原因 / say why the cycle is cancelled")
        if self.cancelled:
            raise Refused(f"周期 {self.id} 已撤销 / cycle {self.id} is already cancelled")
        return replace(self, cancelled_by=by, cancelled_at=at, cancel_reason=reason.strip())

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
