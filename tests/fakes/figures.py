"""The dashboard's counts in memory, as adapters/db/figures.py groups them in SQL (the Figures port)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from tests.fakes.audit import AuditTrail
from tests.fakes.table import Table
from wengang.domain.cases import State
from wengang.domain.figures import BREAKDOWNS, PAID, SME, Cell, Failure, Settled

BEIJING = dt.timedelta(hours=8)


def _key(case, by: str) -> str | None:
    return {"district": case.uscc[2:8], "size": case.size_class, "industry": case.industry,
            "unit_type": case.unit_type, "program": case.program}[by]


class FakeFigures:
    """The Figures port over the unit of work's cases, attempts, cycles and recoveries."""

    def __init__(self, cases: Table, attempts: Table, cycles: Table, trail: AuditTrail, recoveries: Table):
        self.cases, self.attempts, self.cycles, self.trail = cases, attempts, cycles, trail
        self.recoveries = recoveries

    def _unkept(self, cycle_ids: Sequence[int]) -> set[int]:
        """The closed cases of these cycles whose money was recovered before they closed."""
        recovered = {r.case_id for r in self.recoveries.rows.values()}
        return {c.id for c in self._of(cycle_ids) if c.state is State.CLOSED and c.id in recovered}

    def _of(self, cycle_ids: Sequence[int]):
        wanted = set(cycle_ids)
        return [c for c in self.cases.rows.values() if c.cycle_id in wanted]

    def cells(self, cycle_ids: Sequence[int], by: str) -> list[Cell]:
        if by not in BREAKDOWNS:
            raise ValueError(f"no breakdown {by!r}; one of {BREAKDOWNS}")
        groups: dict[tuple, list] = {}
        unkept = self._unkept(cycle_ids)
        for c in self._of(cycle_ids):
            groups.setdefault((_key(c, by), c.state, c.id not in unkept), []).append(c)
        return [Cell(key, state, len(cs), sum((c.amount for c in cs), Decimal("0.00")),
                     sum(c.insured or 0 for c in cs), sum(c.insured is None for c in cs),
                     sum(c.size_class in SME for c in cs), kept) for (key, state, kept), cs in groups.items()]

    def days_to_money(self, cycle_ids: Sequence[int]) -> dict[int, int]:
        out: Counter[int] = Counter()
        unkept = self._unkept(cycle_ids)
        for c in self._of(cycle_ids):
            settled = [a.settled_at for a in self.attempts.rows.values()
                       if a.case_id == c.id and a.status == "paid" and a.settled_at is not None]
            if c.state in PAID and c.id not in unkept and settled:
                opened = self.cycles.rows[c.cycle_id].opened_at
                out[((max(settled) + BEIJING).date() - (opened + BEIJING).date()).days] += 1
        return dict(out)

    def failures(self, cycle_ids: Sequence[int]) -> list[Failure]:
        ids = {c.id for c in self._of(cycle_ids)}
        found = Counter(a.reason for a in self.attempts.rows.values()
                        if a.case_id in ids and a.status in ("rejected", "returned"))
        return [Failure(r, n) for r, n in sorted(found.items(), key=lambda kv: (-kv[1], kv[0] or ""))]

    def served(self, cycle_id: int) -> tuple[int, int]:
        ours = {c.uscc for c in self._of([cycle_id])}
        own = {e.subject.removeprefix("unit:") if e.event == "progress_looked_up" else e.actor
               for e in self.trail.entries if e.event in ("signed_in", "progress_looked_up")}
        asked = {e.actor for e in self.trail.entries if e.event == "callback_requested"}
        return len(own & ours), len(asked & ours)

    def settled(self, since: dt.datetime, until: dt.datetime) -> list[Settled]:
        groups: dict[str, list] = {}
        for a in self.attempts.rows.values():
            if a.status == "paid" and a.settled_at is not None and since <= a.settled_at < until:
                case = self.cases.rows[a.case_id]
                groups.setdefault(case.program, []).append((a, case))
        return [Settled(p, len(found), sum((a.amount for a, _ in found), Decimal("0.00")),
                        sum(c.insured or 0 for _, c in found), sum(c.insured is None for _, c in found),
                        sum(c.size_class in SME for _, c in found)) for p, found in sorted(groups.items())]
