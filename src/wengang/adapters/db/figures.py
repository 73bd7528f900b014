"""The dashboard's counts in SQL (issue 19.2): every figure a GROUP BY over the cases of some cycles (and their
payments), one statement per view part, the same text on SQLite and PostgreSQL but for the day arithmetic.

SQLite has no hash aggregate: it groups rows in index order or sorts them all. So the cases are first grouped in the
order of an index that holds every column counted (tables.FIGURE_INDEXES: no table read, no sort of 500,000 rows),
and those few thousand groups are then grouped by the breakdown asked for (bench/bench_dashboard.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import ColumnElement, Connection, Select, case, func, literal_column, select, text, union_all

from wengang.adapters.db.payment_tables import payment_attempts, recoveries
from wengang.adapters.db.tables import DISTRICT_SQL, FAILED_SQL, PAID_ON_SQL, SERVED_SQL, cases, cycles
from wengang.adapters.db.types import Money
from wengang.domain.cases import State
from wengang.domain.days import beijing_date
from wengang.domain.figures import BREAKDOWNS, PAID, SME, Cell, Failure, Settled, unkept

DISTRICT: ColumnElement[str] = literal_column(DISTRICT_SQL)
NAMES = {"district": "district", "size": "size_class", "industry": "industry", "unit_type": "unit_type",
         "program": "program"}
# The inner grouping of each breakdown, in its index's order after the cycle.
ORDER = {"district": (DISTRICT, cases.c.state)}
FIGURES_ORDER = (cases.c.state, cases.c.size_class, cases.c.industry, cases.c.unit_type, cases.c.program)


class SqlFigures:
    """The Figures repository on one connection."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def _money(self, total) -> Decimal:
        """A sum of money as Decimal yuan (PostgreSQL sums NUMERIC; SQLite sums integer fen)."""
        if isinstance(total, Decimal):
            return total.quantize(Decimal("0.01"))
        return Money().process_result_value(total or 0, self.conn.dialect)

    def cells(self, cycle_ids: Sequence[int], by: str) -> list[Cell]:
        if by not in BREAKDOWNS:
            raise ValueError(f"no breakdown {by!r}; one of {BREAKDOWNS}")
        if not cycle_ids:
            return []
        ordered = ORDER.get(by, FIGURES_ORDER)
        inner = (select(cases.c.cycle_id, *(c.label(NAMES.get(by, c.name)) if c is DISTRICT else c for c in ordered),
                        func.count().label("n"), func.sum(cases.c.amount).label("amount"),
                        func.sum(cases.c.insured).label("insured"), func.count(cases.c.insured).label("known"),
                        func.sum(case((cases.c.size_class.in_(SME), 1), else_=0)).label("sme"))
                 .where(cases.c.cycle_id.in_(list(cycle_ids))).group_by(cases.c.cycle_id, *ordered).subquery("g"))
        key = inner.c[NAMES[by]]
        query = (select(key, inner.c.state, func.sum(inner.c.n), func.sum(inner.c.amount),
                        func.coalesce(func.sum(inner.c.insured), 0), func.sum(inner.c.n) - func.sum(inner.c.known),
                        func.sum(inner.c.sme), literal_column("1").label("whole"))
                 .group_by(key, inner.c.state))
        # One statement, so one snapshot on PostgreSQL too: each recovered case taken out is in its closed cell.
        found = [(Cell(k, State(state), int(n), self._money(total), int(heads), int(unknown), int(sme)), bool(whole))
                 for k, state, n, total, heads, unknown, sme, whole
                 in self.conn.execute(union_all(query, self._recovered(cycle_ids, by)))]
        return unkept([c for c, whole in found if whole], [c for c, whole in found if not whole])

    def _recovered(self, cycle_ids: Sequence[int], by: str) -> Select:
        """The closed cases whose money was recovered before they closed, by breakdown value: each recovery's case
        read by its key (a few per thousand cases; SQLite told by `+ 0` not to walk the cycles' closed cases)."""
        key = DISTRICT if by == "district" else cases.c[NAMES[by]]
        cycle = cases.c.cycle_id + 0 if self.conn.dialect.name == "sqlite" else cases.c.cycle_id
        return (select(key, cases.c.state, func.count(), func.sum(cases.c.amount),
                       func.coalesce(func.sum(cases.c.insured), 0), func.count() - func.count(cases.c.insured),
                       func.sum(case((cases.c.size_class.in_(SME), 1), else_=0)), literal_column("0"))
                .select_from(recoveries.join(cases, cases.c.id == recoveries.c.case_id))
                .where(cycle.in_(list(cycle_ids)), cases.c.state == State.CLOSED.value)
                .group_by(key, cases.c.state))

    def days_to_money(self, cycle_ids: Sequence[int]) -> dict[int, int]:
        if not cycle_ids:
            return {}
        # Each paid case's day of money is on the case (tables.cases paid_on): the partial index of the paid cases
        # answers alone, grouped in its order (cycle, state, day), the two paid states then added up here.
        # (Joining 300,000 paid attempts to their cases instead: 0.7 s on SQLite.)
        query = (select(cases.c.cycle_id, cases.c.paid_on, func.count())
                 .where(cases.c.cycle_id.in_(list(cycle_ids)), cases.c.state.in_([s.value for s in PAID]),
                        text(PAID_ON_SQL))
                 .group_by(cases.c.cycle_id, cases.c.state, cases.c.paid_on))
        opened = {c: beijing_date(at) for c, at in self.conn.execute(
            select(cycles.c.id, cycles.c.opened_at).where(cycles.c.id.in_(list(cycle_ids))))}
        out: dict[int, int] = {}
        for cycle_id, on, n in self.conn.execute(query):
            days = (on - opened[cycle_id]).days
            out[days] = out.get(days, 0) + n
        return out

    def failures(self, cycle_ids: Sequence[int]) -> list[Failure]:
        if not cycle_ids:
            return []
        a = payment_attempts
        # SQLite reads its index of the failed attempts (tables.FAILED_INDEX: its predicate repeated, so it may) and
        # each one's case by its key (`+ 0`: not each case of the cycles' attempts one search at a time).
        cycle = cases.c.cycle_id + 0 if self.conn.dialect.name == "sqlite" else cases.c.cycle_id
        query = (select(a.c.reason, func.count()).select_from(a.join(cases, cases.c.id == a.c.case_id))
                 .where(cycle.in_(list(cycle_ids)), text(f"payment_attempts.{FAILED_SQL}"))
                 .group_by(a.c.reason))
        return [Failure(reason, n) for reason, n in self.conn.execute(query)]

    def served(self, cycle_id: int) -> tuple[int, int]:
        # Each event read through the partial index of those events (tables.ix_audit_log_served: its predicate
        # repeated, so SQLite may use it), each (way, unit) once by the UNION, then joined to the cycle's cases by
        # (cycle, credit code). The unit is the actor of a sign-in or of a call back asked for, and the subject
        # `unit:<code>` of a look-up. (One DISTINCT over a CASE of the three, then count(DISTINCT): twice the CPU.)
        only = SERVED_SQL
        found = {bool(asked): n for asked, n in self.conn.execute(text(f"""
            WITH seen AS (
                SELECT 0 AS asked, actor AS uscc FROM audit_log WHERE {only} AND event = 'signed_in'
                UNION SELECT 0, substr(subject, 6) FROM audit_log WHERE {only} AND event = 'progress_looked_up'
                UNION SELECT 1, actor FROM audit_log WHERE {only} AND event = 'callback_requested')
            SELECT asked, count(*) FROM seen
            JOIN cases ON cases.uscc = seen.uscc AND cases.cycle_id = :cycle GROUP BY asked"""), {"cycle": cycle_id})}
        return found.get(False, 0), found.get(True, 0)

    def settled(self, since: dt.datetime, until: dt.datetime) -> list[Settled]:
        a = payment_attempts
        query = (select(cases.c.program, func.count(), func.sum(a.c.amount), func.coalesce(func.sum(cases.c.insured), 0),
                        func.count() - func.count(cases.c.insured),
                        func.sum(case((cases.c.size_class.in_(SME), 1), else_=0)))
                 .select_from(a.join(cases, cases.c.id == a.c.case_id))
                 .where(a.c.status == "paid", a.c.settled_at >= since, a.c.settled_at < until)
                 .group_by(cases.c.program).order_by(cases.c.program))
        return [Settled(program, n, self._money(total), int(heads), int(unknown), int(sme))
                for program, n, total, heads, unknown, sme in self.conn.execute(query)]
