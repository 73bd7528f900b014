"""What the analytical store answers the portal, the dashboard and explanations with, as plain values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

# Facts a person supplies for one unit (rules/engine.py SUPPLIABLE names them): int staff or headcount, Decimal yuan,
# or a size class.
Supplied = Mapping[str, int | Decimal | str]


@dataclass(frozen=True)
class UsedValue:
    """One parameter value an evaluation used: the record an explanation cites."""

    name: str
    region: str
    value: str
    start: dt.date
    reference: str


class Decided(NamedTuple):
    """A unit's stored decision row in one run (with its employer's columns) and the parameter values the run used:
    everything its explanation is read back from, without evaluating a rule."""

    row: dict[str, Any]
    parameters: list[UsedValue]


class SizeCount(NamedTuple):
    """One size class of a run's decisions: units decided, eligible (and their money in fen), reached and paid."""

    size: str
    units: int
    eligible: int
    eligible_fen: int
    reached: int
    paid: int
