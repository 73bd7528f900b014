"""Read the audit chain: verify every entry against its hash and its predecessor, and show one case's history."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from wengang.domain.audit import Entry, Problem, verify
from wengang.domain.cases import Case
from wengang.domain.errors import NotFound
from wengang.domain.identifiers import mask_phone
from wengang.domain.ports import Store
from wengang.domain.progress import Progress, Silent
from wengang.services.casework import bulk_work
from wengang.services.objections import mask_name

REPORTED = 100  # problems listed at most; the count is always complete


@dataclass
class Verification:
    """The outcome of `audit verify`: entries read, the problems found (each naming its entry), time taken."""

    entries: int
    problems: list[Problem]
    total_problems: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.total_problems == 0


def verify_log(*, store: Store, progress: Progress | None = None) -> Verification:
    """Walk the whole chain in one read transaction; the head row catches entries cut from the end."""
    progress = progress or Silent()
    started = time.perf_counter()
    problems: list[Problem] = []
    total, read = 0, 0
    with store.reading() as uow, bulk_work():
        head = uow.audit.head()
        progress.step(f"核验审计链 / verifying {head[0]:,} audit entries")

        def counted():
            nonlocal read
            for row in uow.audit.entries():
                read += 1
                if read % 100_000 == 0:
                    progress.advance(read, head[0])
                yield row

        for problem in verify(counted(), head=head):
            total += 1
            if len(problems) < REPORTED:
                problems.append(problem)
        progress.advance(read, max(head[0], read))
    return Verification(read, problems, total, time.perf_counter() - started)


@dataclass
class CaseHistory:
    """A case, every audit entry about it, and its applications, objections and re-verifications (masked)."""

    case: Case
    entries: list[Entry]
    applications: list[dict[str, Any]] = field(default_factory=list)
    objections: list[dict[str, Any]] = field(default_factory=list)
    reverifications: list[dict[str, Any]] = field(default_factory=list)


def history(case_id: int, *, store: Store) -> CaseHistory:
    with store.reading() as uow:
        case = uow.cases.get(case_id)
        if case is None:
            raise NotFound(f"没有这个案件 / no case {case_id}")
        objections = [{**o, "contact": mask_phone(o["contact"]), "objector": mask_name(o["objector"])}
                      for o in uow.records.find("objection", case_id=case_id)]
        return CaseHistory(case, uow.audit.for_case(case_id), uow.records.find("application", case_id=case_id),
                           objections, uow.records.find("reverification", case_id=case_id))
