"""What the dashboard counts, as plain values: cases of some cycles grouped by one breakdown and the stage they
reached, the days from a cycle's opening to each case's money, the bank's reasons for failed payments."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from wengang.domain.cases import LISTED, State

# What a dashboard breaks its figures down by: a case column each (the district is the credit code's characters
# 3 to 8, the division code; adapters/db/tables.py DISTRICT_SQL).
BREAKDOWNS = ("district", "size", "industry", "unit_type", "program")
# The states of a case whose money reached the unit; it stayed there unless the case was recovered first (a closed
# case may come from RECOVERED: Cell.kept).
PAID = frozenset({State.PAID, State.CLOSED})
SME = ("medium", "small", "micro")
# The audit events that say a unit was served (reach figures, issue 16.6): by itself (signed in to the portal, looked
# its progress up) or by a call back it asked for; each names its unit (services/reach.py says where).
SERVED = ("signed_in", "progress_looked_up", "callback_requested")


class Cell(NamedTuple):
    """Cases of one breakdown value (None: unknown) in one state: how many, their amount, and the insured
    headcount of those whose headcount is known (惠及职工) with how many are unknown. Closed cases whose money was
    recovered to the fund (收回) before they closed are a cell of their own, not kept."""

    key: str | None
    state: State
    cases: int
    amount: Decimal
    insured: int
    insured_unknown: int
    sme: int                     # of them, small, medium or micro units
    kept: bool = True            # False: closed after their money was recovered (a recoveries row each)

    @property
    def listed(self) -> bool:
        """On a public list or beyond."""
        return self.state in LISTED

    @property
    def paid(self) -> bool:
        """The money reached the unit and stayed there."""
        return self.state in PAID and self.kept


def unkept(cells: list[Cell], recovered: list[Cell]) -> list[Cell]:
    """The cells with the closed cases recovered before they closed (`recovered`: closed cells of those alone, one
    per key) taken out of each key's closed cell and shown apart, not kept."""
    out = {(c.key, c.state): c for c in cells}
    for r in recovered:
        c = out[r.key, r.state]
        out[r.key, r.state] = Cell(c.key, c.state, c.cases - r.cases, c.amount - r.amount, c.insured - r.insured,
                                   c.insured_unknown - r.insured_unknown, c.sme - r.sme)
    return [c for c in out.values() if c.cases] + [r._replace(kept=False) for r in recovered]


class Failure(NamedTuple):
    """Payments the bank rejected or returned with one reason (the bank's code or words; None: none given)."""

    reason: str | None
    payments: int


class Settled(NamedTuple):
    """Payments of one programme settled in a period and still paid: units, their amount, the insured headcount of
    those whose headcount is known (惠及职工) with how many are unknown, and how many are small, medium or micro."""

    program: str
    units: int
    amount: Decimal
    insured: int
    insured_unknown: int
    sme: int
