"""A department's word on one unit in a joint review (Hongkou, POLICIES.md §8): confirmed or declined, by whom, why."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wengang.domain.errors import Refused

CONFIRMED, DECLINED = "confirmed", "declined"
OUTCOMES = (CONFIRMED, DECLINED)
# The rules' reason that holds a case for its department (rules/criteria.py `department_confirmation`).
NEEDED = "department_confirmation_needed"
REASON_MAX = 500


class WrongDepartment(Refused):
    """The person acting is not a member of the department whose units these are (nothing is done: 403)."""


@dataclass(frozen=True, slots=True)
class DepartmentReview:
    """A department's decision on one case (once: a declined case is out, a confirmed one goes on)."""

    id: int
    case_id: int
    cycle_id: int
    department: str
    outcome: str
    reason: str
    decided_by: str
    decided_at: dt.datetime

    @property
    def confirmed(self) -> bool:
        return self.outcome == CONFIRMED


def waits_for_department(reasons: str) -> bool:
    """The rules held the case for its department's confirmation (alone or beside another reason)."""
    return NEEDED in reasons.split(";")
