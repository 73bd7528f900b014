"""Cases in memory, as the SQL adapter keeps them (adapters/db/cases.py): conditional single moves on the case's
state and version, set-based moves that fail whole with ConcurrentChange when any case was elsewhere."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from tests.fakes.table import CENT, Table
from wengang.domain.cases import DECISIONS, Case, State
from wengang.domain.errors import ConcurrentChange
from wengang.domain.ports import CaseChange, Moved, NewCase, Payable, Tellable
from wengang.domain.queues import CaseQuery

CHANGED = [f for f in CaseChange._fields if f not in ("id", "version")]


def table() -> Table:
    """The cases table with the key and checks of tables.py."""
    return Table("cases", Case, coerce={"state": State},
                 unique={"cycle_uscc_program": lambda c: (c.cycle_id, c.uscc, c.program)},
                 checks={"known_state": lambda c: c.state in set(State),
                         "known_decision": lambda c: c.decision in DECISIONS,
                         "amount_not_negative": lambda c: c.amount >= 0,
                         "version_positive": lambda c: c.version >= 1})


def _states(states: Iterable[State | str] | None) -> set[State] | None:
    return None if states is None else {State(s) for s in states}


class FakeCases:
    """The Cases port over the unit of work's cases table."""

    def __init__(self, table: Table, now: dt.datetime | None = None, recoveries: Table | None = None):
        self.t = table
        self.recoveries = recoveries        # the money recovered to the fund: a `kept` list leaves those cases out
        self.now = now or dt.datetime(2021, 10, 8, 1, 0)     # the unit of work's time: every change's

    def insert_many(self, rows: list[NewCase]) -> list[int]:
        """Ids taken first, in row order, after the highest there is (as SQLite's reservation does)."""
        ids = list(range(self.t.next_id, self.t.next_id + len(rows)))
        for case_id, row in zip(ids, rows, strict=True):
            self.t.insert_record(Case(case_id, **row._asdict(), changed_at=self.now))
        return ids

    def get(self, case_id: int) -> Case | None:
        return self.t.rows.get(case_id)

    def many(self, case_ids) -> list[Case]:
        return [self.t.rows[i] for i in sorted(set(case_ids)) if i in self.t.rows]

    def tellable(self, case_ids) -> list[Tellable]:
        return [Tellable(c.id, c.cycle_id, c.uscc, c.amount, c.state, c.batch_id) for c in self.many(case_ids)]

    def runs_of(self, case_ids) -> dict[int, str]:
        return {c.id: c.run_id for c in self.many(case_ids)}

    def find(self, cycle_id: int, uscc: str) -> Case | None:
        return self.t.one(lambda c: c.cycle_id == cycle_id and c.uscc == uscc)

    def _of(self, cycle_id: int, states, batch_id: int | None) -> list[Case]:
        wanted = _states(states)
        return self.t.where(lambda c: c.cycle_id == cycle_id and (wanted is None or c.state in wanted)
                            and (batch_id is None or c.batch_id == batch_id))

    def chunks(self, cycle_id: int, states: Iterable[State] | None = None, batch_id: int | None = None,
               size: int = 50_000) -> Iterator[list[Case]]:
        found = self._of(cycle_id, states, batch_id)
        for at in range(0, len(found), size):
            yield found[at:at + size]

    def of_cycle(self, cycle_id: int, states: Iterable[State] | None = None,
                 batch_id: int | None = None, limit: int | None = None) -> Iterator[Case]:
        found = self._of(cycle_id, states, batch_id)
        yield from found[:limit] if limit is not None else found

    def payable(self, cycle_id: int, states: Iterable[State]) -> list[Payable]:
        return [Payable(c.id, c.uscc, c.name, c.amount, c.state, c.run_id) for c in self._of(cycle_id, states, None)]

    def payable_chunks(self, cycle_id: int, states: Iterable[State],
                       size: int | None = 50_000) -> Iterator[list[Payable]]:
        found = self.payable(cycle_id, states)
        step = size or max(1, len(found))
        for at in range(0, len(found), step):
            yield found[at:at + step]

    def shared_units(self, cycle_id: int, others: Iterable[int]) -> list[tuple[int, Payable]]:
        others = set(others)
        rows = sorted(self.t.rows.values(), key=lambda c: c.id)
        shared = ({c.uscc for c in rows if c.cycle_id == cycle_id}
                  & {c.uscc for c in rows if c.cycle_id in others})
        return [(c.cycle_id, Payable(c.id, c.uscc, c.name, c.amount, c.state, c.run_id)) for c in rows
                if c.uscc in shared and (c.cycle_id == cycle_id or c.cycle_id in others)]

    def payable_runs(self, cycle_id: int, states: Iterable[State]) -> set[str]:
        return {c.run_id for c in self._of(cycle_id, states, None) if c.run_id is not None}

    def transition(self, case: Case, to: State, reason: str, **changes: Any) -> Case:
        """Only if nobody moved the case since it was read (same state, same version)."""
        values = {"state": State(to), "reason": reason, "version": case.version + 1, "changed_at": self.now, **changes}
        if not self.t.update(case.id, values, state=case.state, version=case.version):
            raise ConcurrentChange(f"案件 / case {case.id}")
        return self.t.rows[case.id]

    def move_all(self, cycle_id: int, from_state: State, to_state: State, reason: str,
                 batch_id: int | None) -> list[Moved]:
        moved = []
        for c in self._of(cycle_id, [from_state], None):
            self.t.update(c.id, {"state": to_state, "reason": reason, "batch_id": batch_id, "version": c.version + 1,
                                 "changed_at": self.now})
            moved.append(Moved(c.id, c.uscc, c.amount, c.version + 1))
        return moved

    def move_planned(self, cycle_id: int, from_state: State, to_state: State, reason: str, batch_id: int,
                     planned_id: int, also: Iterable[int] = ()) -> list[Moved]:
        takes = {None, planned_id, *also}
        moved = []
        for c in self._of(cycle_id, [from_state], None):
            if c.planned_batch in takes:
                self.t.update(c.id, {"state": to_state, "reason": reason, "batch_id": batch_id,
                                     "planned_batch": planned_id, "version": c.version + 1})
                moved.append(Moved(c.id, c.uscc, c.amount, c.version + 1))
        return moved

    def plan(self, cycle_id: int, groups: Iterable[tuple[int, list[int]]]) -> int:
        for c in self._of(cycle_id, None, None):
            if c.planned_batch is not None:
                self.t.update(c.id, {"planned_batch": None})
        count = 0
        for planned_id, ids in groups:
            for case_id in ids:
                case = self.t.rows.get(case_id)
                if case is not None and case.cycle_id == cycle_id:
                    count += self.t.update(case_id, {"planned_batch": planned_id})
        return count

    def planned_counts(self, cycle_id: int, states: Iterable[State]) -> dict[int | None, tuple[int, Decimal]]:
        out: dict[int | None, tuple[int, Decimal]] = {}
        for c in self._of(cycle_id, states, None):
            n, total = out.get(c.planned_batch, (0, Decimal("0.00")))
            out[c.planned_batch] = (n + 1, (total + c.amount).quantize(CENT))
        return out

    def apply(self, changes: Iterable[CaseChange]) -> int:
        """All or nothing: if any case moved meanwhile (another version), none is changed."""
        rows = list(changes)
        stale = sum(1 for r in rows if r.id not in self.t.rows or self.t.rows[r.id].version != r.version)
        if stale:
            raise ConcurrentChange(f"{stale} 个案件 / cases")
        for r in rows:
            values = {name: getattr(r, name) for name in CHANGED}
            self.t.update(r.id, {**values, "version": r.version + 1, "changed_at": self.now})
        return len(rows)

    def move_each(self, moves: Iterable[tuple[int, State, State]], reason: str) -> int:
        """One move per (from, to) group, each case only if still in `from`; any elsewhere: ConcurrentChange."""
        groups: dict[tuple[State, State], list[int]] = defaultdict(list)
        count = 0
        for case_id, before, to in moves:
            groups[State(before), State(to)].append(case_id)
            count += 1
        moved = 0
        for (before, to), ids in groups.items():
            for case_id in sorted(set(ids)):
                case = self.t.rows.get(case_id)
                if case is not None and self.t.update(case_id, {"state": to, "reason": reason, "changed_at": self.now,
                                                                "version": case.version + 1}, state=before):
                    moved += 1
        if moved != count:
            raise ConcurrentChange(f"{count - moved} 个案件 / cases")
        return count

    def count_by_state(self, cycle_id: int) -> dict[str, tuple[int, Decimal]]:
        out: dict[str, tuple[int, Decimal]] = {}
        for c in self._of(cycle_id, None, None):
            n, total = out.get(c.state.value, (0, Decimal("0.00")))
            out[c.state.value] = (n + 1, (total + c.amount).quantize(CENT))
        return out

    def _matching(self, q: CaseQuery) -> list[Case]:
        since, until = q.changed_between
        recovered = {r.case_id for r in self.recoveries.rows.values()} if q.kept and self.recoveries else set()

        def hit(c: Case) -> bool:
            return (c.cycle_id == q.cycle_id and (not q.states or c.state in q.states)
                    and (q.program is None or c.program == q.program)
                    and (q.batch_id is None or c.batch_id == q.batch_id)
                    and (q.district is None or c.uscc[2:8] == q.district)
                    and (q.reason is None or q.reason in (c.reasons or "").split(";"))
                    and (q.uscc is None or c.uscc.startswith(q.uscc))
                    and (q.search is None or q.search.lower() in c.name.lower())
                    and (q.size is None or c.size_class == (None if q.size == "unknown" else q.size))
                    and (q.industry is None or c.industry == (None if q.industry == "unknown" else q.industry))
                    and (q.unit_type is None or c.unit_type == (None if q.unit_type == "unknown" else q.unit_type))
                    and c.id not in recovered
                    and (since is None or (c.changed_at is not None and c.changed_at >= since))
                    and (until is None or (c.changed_at is not None and c.changed_at < until)))
        return self.t.where(hit)

    def page(self, query: CaseQuery) -> list[Case]:
        found = sorted(self._matching(query), key=lambda c: c.id, reverse=query.descending)
        found.sort(key=lambda c: getattr(c, query.sort), reverse=query.descending)
        return found[query.offset:query.offset + query.per_page]

    def count(self, query: CaseQuery, limit: int | None = None) -> int:
        found = len(self._matching(query))
        return found if limit is None else min(found, limit)

    def ids(self, query: CaseQuery, limit: int) -> list[int]:
        return sorted(c.id for c in self._matching(query))[:limit]
