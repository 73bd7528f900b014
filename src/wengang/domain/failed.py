"""Where a failed payment's re-issue stands, decided once from six facts: the service, the SQL adapters (as one CASE
expression) and the in-memory fake all read the one table below, so a page's counts and rows cannot disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

STEPS = ("awaiting-account", "account-to-verify", "ready-to-reissue", "reissue-prepared", "reissue-approved",
         "reissued", "overdue")                       # the page's order
FAILED = ("rejected", "returned")                     # an attempt the bank answered with a failure
RE_ISSUE = ("prepared", "pending")                    # a re-issue on its way (at most one per case: one live attempt)
# The facts a step is decided from (each a yes or no about one waiting case):
#   live       a re-issue attempt is prepared or pending
#   released   the case is re-issued, or that attempt is pending (its batch approved)
#   sent       that attempt's batch was sent to the bank
#   corrected  the unit has a verified account, verified after the last failure (what prepare_batches re-issues by)
#   overdue    the last failure's Beijing day is before `overdue_before` (days left below zero)
#   proposed   the unit proposed an account that waits for verification
FACTS = ("live", "released", "sent", "corrected", "overdue", "proposed")
# The first rule whose facts all hold gives the step; the last, needing none, is every other case's.
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("reissued", ("live", "released", "sent")),
    ("reissue-approved", ("live", "released")),
    ("reissue-prepared", ("live",)),
    ("ready-to-reissue", ("corrected",)),
    ("overdue", ("overdue",)),
    ("account-to-verify", ("proposed",)),
    ("awaiting-account", ()),
)


def step_of(facts: Mapping[str, bool]) -> str:
    """The step of one case from its facts."""
    return next(step for step, needs in RULES if all(facts[f] for f in needs))


def found_by(search: str, name: str, uscc: str) -> bool:
    """A search finds a unit by any part of its name (exact characters) or by the start of its credit code."""
    return not search or search in name or uscc.startswith(search.upper())


@dataclass(frozen=True, slots=True)
class FailedQuery:
    """Which failed payments of a cycle: a step (or all), a search (already stripped), a page as offset and limit."""

    cycle_id: int
    overdue_before: dt.date          # a failure on a Beijing day before this one is past its recovery deadline
    step: str = ""
    search: str = ""
    offset: int = 0
    limit: int = 50


class StepCount(NamedTuple):
    """How many failed payments are in one step, and how many of them (and what money) the search finds."""

    waiting: int
    found: int
    amount: Decimal


class FailedRow(NamedTuple):
    """One waiting case with its last failed attempt, its verified account and its step (accounts in clear: the
    service masks them)."""

    case_id: int
    uscc: str
    name: str
    amount: Decimal
    reason: str | None                   # the last failed attempt's bank code
    account_no: str | None               # where that attempt went
    failed_at: dt.datetime | None        # when the bank answered it (naive UTC)
    new_account_no: str | None           # the unit's active verified account, if any
    corrected: bool
    step: str


class FailedPage(NamedTuple):
    """The counts per step (steps with none left out) and one page of rows, as one read gives them."""

    counts: dict[str, StepCount]
    rows: list[FailedRow]
