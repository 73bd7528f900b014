"""The industry departments' decisions in memory, as adapters/db/repositories/departments.py keeps them."""

from __future__ import annotations

from tests.fakes.process import _Repository
from tests.fakes.table import Table
from wengang.domain.departments import OUTCOMES, DepartmentReview


def tables() -> dict[str, Table]:
    """The table of department_tables.py with its key and checks."""
    return {"department_reviews": Table(
        "department_reviews", DepartmentReview, label=("部门确认", "department review"),
        unique={"case_id": lambda r: r.case_id},
        checks={"known_outcome": lambda r: r.outcome in OUTCOMES,
                "declined_with_reason": lambda r: r.outcome == "confirmed" or r.reason != ""})}


class FakeDepartmentReviews(_Repository):
    def add(self, **values) -> DepartmentReview:
        return self.t.insert(values)

    def of_case(self, case_id: int) -> DepartmentReview | None:
        return self.t.one(lambda r: r.case_id == case_id)

    def of_cases(self, case_ids) -> dict[int, DepartmentReview]:
        wanted = set(case_ids)
        return {r.case_id: r for r in self.t.where(lambda r: r.case_id in wanted)}

    def of_cycle(self, cycle_id: int, department: str) -> list[DepartmentReview]:
        return self.t.where(lambda r: r.cycle_id == cycle_id and r.department == department)
