"""What the analytical store answers the portal, the dashboard and explanations with, as plain values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

ENGINES = ("duckdb", "spark")    # what the analytical store decides a run on: one file, or the Spark cluster

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


@dataclass(frozen=True)
class RunSummary:
    """Counts and money of one run."""

    id: str
    snapshot_id: str
    pack: str
    as_of: dt.date
    engine: str
    units: int
    eligible: int
    review: int
    ineligible: int
    amount_fen: int
    seconds: float


class Evaluated(NamedTuple):
    """A finished run: its summary and its decided table (the rules' columns, one row per unit, as the rules
    produced it; the domain passes it on without reading it, so it is not typed here)."""

    summary: RunSummary
    decided: Any
    persons: Any = None       # one row per hire, for a programme that pays per person (else None)
    detail: Any = None        # a programme's table below the unit (contribution relief's rows), None for the others


class FolderEvaluated(NamedTuple):
    """A folder checked and decided on Spark: what the check found, and the run when nothing was wrong (else None)."""

    check: Any                # domain.snapshots.CheckResult
    run: Evaluated | None


class SnapshotAccount(NamedTuple):
    """A unit's bank account as a snapshot holds it (the fallback when the unit has verified none)."""

    bank_code: str
    account_no: str
    account_name: str


@dataclass(frozen=True, slots=True)
class SnapshotContact:
    """A person a unit named for social insurance (DATA.md `contacts`); phone, e-mail and openid stay out of the
    repr, so no log line or traceback carries them."""

    role: str
    name: str
    phone: str = field(repr=False)
    email: str | None = field(default=None, repr=False)
    wechat_openid: str | None = field(default=None, repr=False)
    sms_opt_out: bool = False


class Decided(NamedTuple):
    """A unit's stored decision row in one run (with its employer's columns) and the parameter values the run used:
    everything its explanation is read back from, without evaluating a rule."""

    row: dict[str, Any]
    parameters: list[UsedValue]


class SizeCount(NamedTuple):
    """One size class of a run's decisions: units decided, eligible (and their money in fen)."""

    size: str
    units: int
    eligible: int
    eligible_fen: int
