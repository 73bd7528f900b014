"""What every case service shares: loading, one audited move, and the data an audit entry records."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from itertools import islice
from typing import Any, TypeVar

from wengang.domain.audit import Draft
from wengang.domain.cases import Case, State, require
from wengang.domain.errors import ConcurrentChange, NotFound
from wengang.domain.ports import UnitOfWork

DEFAULT_PROGRAM = "ui-return"   # 失业保险稳岗返还
T = TypeVar("T")


@contextmanager
def bulk_work() -> Iterator[None]:
    """Pause the cyclic GC in bulk steps: its rescans of 500,000 live tuples (never a cycle) cost a sixth."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of at most `size` items (itertools.batched arrives only in Python 3.12)."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def fen_to_yuan(fen: int | None) -> Decimal:
    """Integer fen from the rules engine as exact yuan (never through a float)."""
    return Decimal(int(fen or 0)).scaleb(-2)


def case_data(case: Case) -> dict[str, Any]:
    """What a case-level audit entry records about the case it acted on."""
    return {"uscc": case.uscc, "decision": case.decision, "amount": str(case.amount), "run": case.run_id,
            "version": case.version}


def load_case(uow: UnitOfWork, case_id: int, expected_version: int | None = None) -> Case:
    case = uow.cases.get(case_id)
    if case is None:
        raise NotFound(f"没有这个案件 / no case {case_id}")
    if expected_version is not None and case.version != expected_version:
        raise ConcurrentChange(f"案件 / case {case_id}")
    return case


def move(uow: UnitOfWork, case: Case, to: State, reason: str, *, by: str, event: str,
         data: dict[str, Any] | None = None, **changes: Any) -> Case:
    """Check the table, update the case if nobody else did first, write its audit entry: one transaction."""
    require(case.state, to, case.id)
    moved = uow.cases.transition(case, to, reason, **changes)
    uow.audit.append([Draft(by, event, f"case:{case.id}", case.id, case.state.value, State(to).value, reason,
                            {**case_data(case), **(data or {})})])
    return moved


def note(uow: UnitOfWork, case: Case, reason: str, *, by: str, event: str, data: dict[str, Any] | None = None) -> None:
    """An audited action on a case that does not change its state (an application, a second objection)."""
    uow.audit.append([Draft(by, event, f"case:{case.id}", case.id, case.state.value, case.state.value, reason,
                            {**case_data(case), **(data or {})})])
