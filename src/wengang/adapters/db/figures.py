"""The dashboard's counts in SQL (issue 19.2): every figure a GROUP BY over the cases of some cycles (and their
payments), one statement per view part, the same text on SQLite and PostgreSQL but for the day arithmetic."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Connection, and_, case, func, literal_column, select

from wengang.adapters.db.payment_tables import payment_attempts
from wengang.adapters.db.tables import DISTRICT_SQL, cases, cycles
from wengang.adapters.db.types import Money
from wengang.domain.cases import State
from wengang.domain.figures import BREAKDOWNS, PAID, SME, Cell, Failure

COLUMNS = {"district": literal_column(DISTRICT_SQL), "size": cases.c.size_class, "industry": cases.c.industry,
           "unit_type": cases.c.unit_type, "program": cases.c.program}
FAILED = ("rejected", "returned")
# Beijing calendar days between two naive UTC times, on each database (SQLite's date() takes a modifier).
DAYS = {"sqlite": "CAST(julianday(date({b}, '+8 hours')) - julianday(date({a}, '+8 hours')) AS INTEGER)",
        "postgresql": "(CAST({b} + interval '8 hours' AS date) - CAST({a} + interval '8 hours' AS date))"}


class SqlFigures:
    """The Figures repository on one connection."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def cells(self, cycle_ids: Sequence[int], by: str) -> list[Cell]:
        if by not in BREAKDOWNS:
            raise ValueError(f"no breakdown {by!r}; one of {BREAKDOWNS}")
        if not cycle_ids:
            return []
        key = COLUMNS[by].label("key")
        query = (select(key, cases.c.state, func.count(), func.coalesce(func.sum(cases.c.amount), 0),
                        func.coalesce(func.sum(cases.c.insured), 0),
                        func.count() - func.count(cases.c.insured),
                        func.sum(case((cases.c.size_class.in_(SME), 1), else_=0)))
                 .where(cases.c.cycle_id.in_(list(cycle_ids))).group_by(key, cases.c.state))
        money = Money()
        return [Cell(k, State(state), n, total.quantize(Decimal("0.01")) if isinstance(total, Decimal)
                     else money.process_result_value(total, self.conn.dialect), int(heads), int(unknown), int(sme))
                for k, state, n, total, heads, unknown, sme in self.conn.execute(query)]

    def days_to_money(self, cycle_ids: Sequence[int]) -> dict[int, int]:
        if not cycle_ids:
            return {}
        a = payment_attempts
        last = (select(cycles.c.opened_at, func.max(a.c.settled_at).label("settled_at"))
                .select_from(cases.join(a, a.c.case_id == cases.c.id).join(cycles, cycles.c.id == cases.c.cycle_id))
                .where(cases.c.cycle_id.in_(list(cycle_ids)), cases.c.state.in_([s.value for s in PAID]),
                       a.c.status == "paid", a.c.settled_at.is_not(None))
                .group_by(cases.c.id, cycles.c.opened_at).subquery("last"))
        paid = select(literal_column(DAYS[self.conn.dialect.name].format(a="last.opened_at", b="last.settled_at"))
                      .label("days")).select_from(last).subquery()
        query = select(paid.c.days, func.count()).group_by(paid.c.days)
        return {int(days): n for days, n in self.conn.execute(query)}

    def failures(self, cycle_ids: Sequence[int]) -> list[Failure]:
        if not cycle_ids:
            return []
        a = payment_attempts
        query = (select(a.c.reason, func.count()).select_from(a.join(cases, cases.c.id == a.c.case_id))
                 .where(and_(cases.c.cycle_id.in_(list(cycle_ids)), a.c.status.in_(FAILED)))
                 .group_by(a.c.reason).order_by(func.count().desc(), a.c.reason))
        return [Failure(reason, n) for reason, n in self.conn.execute(query)]
