"""Call assignments, calls and named specialists in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, insert

from wengang.adapters.db.call_tables import call_assignments, calls, specialists
from wengang.adapters.db.repositories.base import TableRepository
from wengang.domain.calls import Call, CallAssignment, Specialist

CHUNK = 1000            # units per IN list (a bound parameter each)


def _chunks(values: Sequence[str]):
    for i in range(0, len(values), CHUNK):
        yield list(values[i:i + CHUNK])


class SqlCalls(TableRepository[Call]):
    """The Calls repository on one connection (assignments are read and written beside the calls)."""

    table, model, label = calls, Call, ("电话记录", "call")

    def assign(self, cycle_id: int, usccs: Sequence[str], *, to: str, by: str, at: dt.datetime) -> int:
        a = call_assignments
        wanted = sorted(set(usccs))
        for part in _chunks(wanted):
            self.conn.execute(delete(a).where(a.c.cycle_id == cycle_id, a.c.uscc.in_(part)))
            self.conn.execute(insert(a), [{"cycle_id": cycle_id, "uscc": u, "assigned_to": to, "assigned_by": by,
                                           "assigned_at": at} for u in part])
        return len(wanted)

    def assignments(self, cycle_id: int, usccs: Sequence[str] | None = None) -> dict[str, CallAssignment]:
        a = call_assignments
        columns = [a.c.id, a.c.cycle_id, a.c.uscc, a.c.assigned_to, a.c.assigned_by, a.c.assigned_at]
        parts = [None] if usccs is None else list(_chunks(list(usccs)))
        found: dict[str, CallAssignment] = {}
        for part in parts:
            query = a.select().with_only_columns(*columns).where(a.c.cycle_id == cycle_id)
            if part is not None:
                query = query.where(a.c.uscc.in_(part))
            found.update((r.uscc, CallAssignment(*r)) for r in self.conn.execute(query))
        return found

    def add(self, *, cycle_id: int, uscc: str, outcome: str, note: str, call_back_at: dt.datetime | None,
            called_by: str, called_at: dt.datetime) -> Call:
        return self._insert({"cycle_id": cycle_id, "uscc": uscc, "outcome": outcome, "note": note,
                             "call_back_at": call_back_at, "called_by": called_by, "called_at": called_at})

    def of_cycle(self, cycle_id: int, usccs: Sequence[str] | None = None) -> list[Call]:
        if usccs is None:
            return self._many(calls.c.cycle_id == cycle_id)
        found = [c for part in _chunks(list(usccs)) for c in self._many(calls.c.cycle_id == cycle_id,
                                                                          calls.c.uscc.in_(part))]
        return sorted(found, key=lambda c: c.id)


class SqlSpecialists(TableRepository[Specialist]):
    """The Specialists repository on one connection."""

    table, model, label = specialists, Specialist, ("专员", "specialist")

    def put(self, *, uscc: str, username: str, key: bool, by: str, at: dt.datetime) -> Specialist:
        self.conn.execute(delete(specialists).where(specialists.c.uscc == uscc))
        return self._insert({"uscc": uscc, "username": username, "key": key, "assigned_by": by, "assigned_at": at})

    def of_user(self, username: str) -> list[Specialist]:
        return self._many(specialists.c.username == username)

    def of_units(self, usccs: Sequence[str]) -> dict[str, Specialist]:
        return {s.uscc: s for part in _chunks(list(usccs)) for s in self._many(specialists.c.uscc.in_(part))}

    def all(self) -> list[Specialist]:
        return self._many()
