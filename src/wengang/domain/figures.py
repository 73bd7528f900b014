"""What the dashboard counts, as plain values: cases of some cycles grouped by one breakdown and the stage they
reached, the days from a cycle's opening to each case's money, the bank's reasons for failed payments."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from wengang.domain.cases import LISTED, State

# What a dashboard breaks its figures down by: a case column each (the district is the credit code's characters
# 3 to 8, the division code; adapters/db/tables.py DISTRICT_SQL).
BREAKDOWNS = ("district", "size", "industry", "unit_type", "program")
PAID = frozenset({State.PAID, State.CLOSED})          # the money reached the unit and stayed there
SME = ("medium", "small", "micro")
# The audit events that say a unit was served (reach figures, issue 16.6): by itself (signed in to the portal, looked
# its progress up) or by a call back it asked for; each names its unit (services/reach.py says where).
SERVED = ("signed_in", "progress_looked_up", "callback_requested")


class Cell(NamedTuple):
    """Cases of one breakdown value (None: unknown) in one state: how many, their amount, and the insured
    headcount of those whose headcount is known (惠及职工) with how many are unknown."""

    key: str | None
    state: State
    cases: int
    amount: Decimal
    insured: int
    insured_unknown: int
    sme: int                     # of them, small, medium or micro units

    @property
    def listed(self) -> bool:
        """On a public list or beyond."""
        return self.state in LISTED

    @property
    def paid(self) -> bool:
        return self.state in PAID


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
