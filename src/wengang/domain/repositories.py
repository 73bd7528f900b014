"""Typed repositories of the operational model (Protocols): one per aggregate, records in and out as domain types.

The database adapter implements them (adapters/db/repositories/); services see only these. A `get` that finds
nothing raises NotFound naming what was asked for; `lock` takes the row lock a change needs."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from wengang.domain.cycles import Cycle, Round


class Cycles(Protocol):
    """Cycles: opened once per programme and pack."""

    def add(self, *, program: str, pack: str, as_of: dt.date, snapshot_id: str, run_id: str, rounds_required: int,
            opened_by: str, opened_at: dt.datetime) -> Cycle: ...

    def get(self, cycle_id: int, *, lock: bool = False) -> Cycle: ...

    def of_program(self, program: str, pack: str) -> Cycle | None: ...

    def all(self) -> list[Cycle]: ...


class Rounds(Protocol):
    """A cycle's comparison rounds, in order."""

    def add(self, *, cycle_id: int, round_no: int, snapshot_id: str, run_id: str, units: int, changed: int,
            done_by: str, done_at: dt.datetime) -> Round: ...

    def of_cycle(self, cycle_id: int) -> list[Round]: ...
