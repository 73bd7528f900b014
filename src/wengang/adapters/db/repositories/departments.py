"""The industry departments' decisions of a joint review in SQL."""

from __future__ import annotations

from collections.abc import Sequence

from wengang.adapters.db.department_tables import department_reviews
from wengang.adapters.db.repositories.base import TableRepository
from wengang.domain.departments import DepartmentReview

CHUNK = 1000            # cases per IN list (a bound parameter each)


class SqlDepartmentReviews(TableRepository[DepartmentReview]):
    """The DepartmentReviews repository on one connection."""

    table, model, label = department_reviews, DepartmentReview, ("部门确认", "department review")

    def add(self, **values) -> DepartmentReview:
        return self._insert(values)

    def of_case(self, case_id: int) -> DepartmentReview | None:
        return self._one(department_reviews.c.case_id == case_id)

    def of_cases(self, case_ids: Sequence[int]) -> dict[int, DepartmentReview]:
        ids = list(case_ids)
        return {r.case_id: r for i in range(0, len(ids), CHUNK)
                for r in self._many(department_reviews.c.case_id.in_(ids[i:i + CHUNK]))}

    def of_cycle(self, cycle_id: int, department: str) -> list[DepartmentReview]:
        return self._many(department_reviews.c.cycle_id == cycle_id, department_reviews.c.department == department)
