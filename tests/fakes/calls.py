"""Call assignments, calls and named specialists in memory, as adapters/db/repositories/calls.py keeps them."""

from __future__ import annotations

import datetime as dt

from tests.fakes.process import _Repository
from tests.fakes.table import Table
from wengang.domain.calls import OUTCOMES, Call, CallAssignment, Specialist


def tables() -> dict[str, Table]:
    """The tables of call_tables.py with their keys and checks."""
    return {
        "call_assignments": Table("call_assignments", CallAssignment, label=("电话分派", "call assignment"),
                                  unique={"unit": lambda a: (a.cycle_id, a.uscc)}),
        "calls": Table("calls", Call, label=("电话记录", "call"),
                       checks={"known_outcome": lambda c: c.outcome in OUTCOMES,
                               "call_back_has_a_time": lambda c: (c.outcome == "call_back") == (
                                   c.call_back_at is not None)}),
        "specialists": Table("specialists", Specialist, label=("专员", "specialist"),
                             unique={"uscc": lambda s: s.uscc}),
    }


class FakeCalls(_Repository):
    def __init__(self, calls: Table, assignments: Table):
        super().__init__(calls)
        self.a = assignments

    def assign(self, cycle_id: int, usccs, *, to: str, by: str, at: dt.datetime) -> int:
        wanted = sorted(set(usccs))
        for uscc in wanted:
            for old in self.a.where(lambda x, u=uscc: x.cycle_id == cycle_id and x.uscc == u):
                del self.a.rows[old.id]
            self.a.insert({"cycle_id": cycle_id, "uscc": uscc, "assigned_to": to, "assigned_by": by,
                           "assigned_at": at})
        return len(wanted)

    def assignments(self, cycle_id: int, usccs=None) -> dict[str, CallAssignment]:
        wanted = None if usccs is None else set(usccs)
        return {x.uscc: x for x in self.a.where(lambda x: x.cycle_id == cycle_id and (wanted is None
                                                                                        or x.uscc in wanted))}

    def add(self, **values) -> Call:
        return self.t.insert(values)

    def of_cycle(self, cycle_id: int, usccs=None) -> list[Call]:
        wanted = None if usccs is None else set(usccs)
        return self.t.where(lambda c: c.cycle_id == cycle_id and (wanted is None or c.uscc in wanted))


class FakeSpecialists(_Repository):
    def put(self, *, uscc: str, username: str, key: bool, by: str, at: dt.datetime) -> Specialist:
        for old in self.t.where(lambda s: s.uscc == uscc):
            del self.t.rows[old.id]
        return self.t.insert({"uscc": uscc, "username": username, "key": key, "assigned_by": by, "assigned_at": at})

    def of_user(self, username: str) -> list[Specialist]:
        return self.t.where(lambda s: s.username == username)

    def of_units(self, usccs) -> dict[str, Specialist]:
        wanted = set(usccs)
        return {s.uscc: s for s in self.t.where(lambda s: s.uscc in wanted)}

    def all(self) -> list[Specialist]:
        return self.t.where()
