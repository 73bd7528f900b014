"""Cycles and their comparison rounds in SQL."""

from __future__ import annotations

from wengang.adapters.db.repositories.base import TableRepository
from wengang.adapters.db.tables import comparison_rounds, cycles
from wengang.domain.cycles import Cycle, Round


class SqlCycles(TableRepository[Cycle]):
    """The Cycles repository on one connection."""

    table, model, label = cycles, Cycle, ("周期", "cycle")

    def add(self, **values) -> Cycle:
        return self._insert(values)

    def of_program(self, program: str, pack: str) -> Cycle | None:
        return self._one(cycles.c.program == program, cycles.c.pack == pack, cycles.c.cancelled_at.is_(None))

    def save_cancel(self, cancelled: Cycle) -> bool:
        return self._update(cancelled.id, {"cancelled_by": cancelled.cancelled_by,
                                           "cancelled_at": cancelled.cancelled_at,
                                           "cancel_reason": cancelled.cancel_reason}, cancelled_at=None)

    def all(self) -> list[Cycle]:
        return self._many()


class SqlRounds(TableRepository[Round]):
    """The Rounds repository on one connection."""

    table, model, label = comparison_rounds, Round, ("比对轮次", "comparison round")

    def add(self, **values) -> Round:
        return self._insert(values)

    def of_cycle(self, cycle_id: int) -> list[Round]:
        return self._many(comparison_rounds.c.cycle_id == cycle_id, order_by="round_no")

