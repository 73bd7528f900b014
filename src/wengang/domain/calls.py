"""Calling units (issue 16.4): who calls which unit in a cycle, what each call came to, and the named specialist who
looks after a key or large employer across cycles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# What a call came to: reached (the unit leaves the call list), or not yet (it stays; a call back has its time).
REACHED, NO_ANSWER, WRONG_NUMBER, CALL_BACK = "reached", "no_answer", "wrong_number", "call_back"
OUTCOMES = (REACHED, NO_ANSWER, WRONG_NUMBER, CALL_BACK)
# Why a unit is on the call list, most urgent first: its payment came back; it was told but no copy reached anyone;
# it must apply and its deadline is near; it has not confirmed what its case waits on (the actual employer of a
# dispatch firm, or a usable bank account).
PAYMENT_FAILED, NOT_REACHED, DEADLINE_NEAR, NOT_CONFIRMED = "payment_failed", "not_reached", "deadline_near", \
    "not_confirmed"
CALL_REASONS = (PAYMENT_FAILED, NOT_REACHED, DEADLINE_NEAR, NOT_CONFIRMED)
NOTE_MAX = 500


@dataclass(frozen=True, slots=True)
class CallAssignment:
    """Who is to call a unit in a cycle (one at a time; re-assigning replaces it)."""

    id: int
    cycle_id: int
    uscc: str
    assigned_to: str
    assigned_by: str
    assigned_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Call:
    """One call made to a unit, and what it came to (a call back carries when to call again)."""

    id: int
    cycle_id: int
    uscc: str
    outcome: str
    note: str
    call_back_at: dt.datetime | None
    called_by: str
    called_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Specialist:
    """The named member of staff who looks after one unit (a large employer, or one staff flagged as key)."""

    id: int
    uscc: str
    username: str
    key: bool
    assigned_by: str
    assigned_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Reach:
    """What a unit was told in a cycle and how far its copies got: its last message (event and time), and copies by
    status (delivered, failed, on the way)."""

    case_id: int
    messages: int
    last_kind: str | None
    last_at: dt.datetime | None
    delivered: int
    failed: int
    on_the_way: int

    @property
    def unreached(self) -> bool:
        """Told, but not one copy delivered and none still on its way (no contact, or every copy failed)."""
        return self.messages > 0 and self.delivered == 0 and self.on_the_way == 0
