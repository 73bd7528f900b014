"""Hongkou's joint review (POLICIES.md §8): each industry department confirms, or declines with its reason, the units
of its industries that the rules held for it; only a member of that department may, and every word is audited."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from wengang.domain.cases import Case, State, route
from wengang.domain.cycles import Cycle
from wengang.domain.departments import (
    CONFIRMED,
    DECLINED,
    NEEDED,
    REASON_MAX,
    DepartmentReview,
    WrongDepartment,
    waits_for_department,
)
from wengang.domain.errors import ConcurrentChange, NotFound, Refused
from wengang.domain.ports import Analytics, Store, UnitOfWork
from wengang.rules.parameters import Department, Pack, load_pack
from wengang.services.casework import load_case, move, note


@dataclass(frozen=True, slots=True)
class Row:
    """One unit of the department's industries in the cycle: its case, industry and the department's word so far."""

    case: Case
    industry: str
    review: DepartmentReview | None

    @property
    def others(self) -> list[str]:
        """The rules' other reasons to hold the case (staff review them after the department's word)."""
        return [r for r in self.case.reasons.split(";") if r and r != NEEDED]


@dataclass(frozen=True, slots=True)
class Queue:
    """A department's units in one cycle: those waiting for its word first, then those it has decided."""

    cycle: Cycle
    department: Department
    waiting: list[Row]
    decided: list[Row]


def joint_cycles(*, store: Store) -> list[tuple[Cycle, Pack]]:
    """The cycles (not cancelled) whose pack asks its industry departments to confirm their units."""
    with store.reading() as uow:
        cycles = [c for c in uow.cycles.all() if not c.cancelled]
    return [(c, p) for c in cycles if (p := load_pack(c.pack)).departments]


def department(cycle: Cycle, department_id: str) -> Department:
    """The pack's department by id, or refused in words naming the departments there are."""
    pack = load_pack(cycle.pack)
    found = next((d for d in pack.departments if d.id == department_id), None)
    if found is None:
        known = "、".join(f"{d.id} ({d.name})" for d in pack.departments) or "无 / none"
        raise Refused(f"周期 {cycle.id} 的政策包没有部门 {department_id} / the pack of cycle {cycle.id} has no "
                      f"department {department_id!r}; 部门 departments: {known}")
    return found


def queue(cycle_id: int, department_id: str, *, store: Store, analytics: Analytics) -> Queue:
    """The units of the department's industries in the cycle that the rules held for a department's word."""
    with store.reading() as uow:
        cycle = uow.cycles.get(cycle_id)
        dept = department(cycle, department_id)
        held = [c for c in uow.cases.of_cycle(cycle_id, [State.REVIEW]) if waits_for_department(c.reasons)]
        reviews = uow.department_reviews.of_cases([c.id for c in held])
        done = uow.department_reviews.of_cycle(cycle_id, dept.id)
        decided = uow.cases.many([r.case_id for r in done])
    industries = _industries(analytics, held + decided)
    waiting = [Row(c, industries[c.uscc], None) for c in held if c.id not in reviews
               and industries.get(c.uscc) in (dept.industries or ())]
    by_case = {r.case_id: r for r in done}
    return Queue(cycle, dept, waiting, [Row(c, industries.get(c.uscc, ""), by_case[c.id]) for c in decided])


def _industries(analytics: Analytics, cases: list[Case]) -> dict[str, str]:
    found: dict[str, str] = {}
    for run in {c.run_id for c in cases}:
        found.update(analytics.industries([c.uscc for c in cases if c.run_id == run], run))
    return found


def confirm(cycle_id: int, uscc: str, *, department_id: str, store: Store, analytics: Analytics, by: str,
            expected_version: int | None = None) -> Case:
    """The department confirms its unit: the case goes on to its next gate (or, held also for another reason, stays
    in review for staff with the department's word recorded)."""
    return _decide(cycle_id, uscc, department_id, CONFIRMED, "", store=store, analytics=analytics, by=by,
                   expected_version=expected_version)


def decline(cycle_id: int, uscc: str, *, department_id: str, reason: str, store: Store, analytics: Analytics,
            by: str, expected_version: int | None = None) -> Case:
    """The department declines its unit, always with a reason the unit reads on its page: the case is rejected."""
    reason = reason.strip()
    if not reason:
        raise Refused("不予确认须写明理由, 单位将看到该理由 / declining needs a reason: the unit reads it")
    if len(reason) > REASON_MAX:
        raise Refused(f"理由不超过 {REASON_MAX} 字 / the reason is longer than {REASON_MAX} characters")
    return _decide(cycle_id, uscc, department_id, DECLINED, reason, store=store, analytics=analytics, by=by,
                   expected_version=expected_version)


def _decide(cycle_id: int, uscc: str, department_id: str, outcome: str, reason: str, *, store: Store,
            analytics: Analytics, by: str, expected_version: int | None) -> Case:
    uscc = uscc.strip().upper()
    with store.reading() as uow:
        cycle = uow.cycles.get(cycle_id)
        found = uow.cases.find(cycle_id, uscc)
    dept = department(cycle, department_id)
    if found is None:
        raise NotFound(f"周期 {cycle_id} 中没有 {uscc} / {uscc} has no case in cycle {cycle_id}")
    industry = analytics.industries([uscc], found.run_id).get(uscc)
    owner = load_pack(cycle.pack).department_of(industry)
    if owner is None or owner.id != dept.id:
        whose = f"{owner.name} / {owner.name_en}" if owner else "无部门 / no department"
        raise Refused(f"{uscc} 的行业 {industry or '未知'} 不由{dept.name}确认 ({whose}) / the industry of {uscc} "
                      f"({industry or 'unknown'}) is not the {dept.name_en}'s to confirm")
    with store.transaction() as uow:
        _member(uow, by, dept)
        case = load_case(uow, found.id, expected_version)
        if case.state is not State.REVIEW or not waits_for_department(case.reasons):
            raise Refused(f"案件 {case.id} 不在等待行业主管部门确认 / case {case.id} is not waiting for its "
                          f"department ({case.state.value})")
        if uow.department_reviews.of_case(case.id) is not None:
            raise Refused(f"{dept.name}已对案件 {case.id} 作出决定 / the {dept.name_en} has decided case {case.id}")
        uow.department_reviews.add(case_id=case.id, cycle_id=cycle_id, department=dept.id, outcome=outcome,
                                   reason=reason, decided_by=by, decided_at=uow.now())
        data: dict[str, Any] = {"department": dept.id, "industry": industry, "outcome": outcome}
        case = _declined(uow, case, dept, reason, by, data) if outcome == DECLINED else _confirmed(
            uow, case, dept, by, data)
        uow.commit()
    return case


def _member(uow: UnitOfWork, by: str, dept: Department) -> None:
    """Only a member of staff of this department, with a role in force, speaks for it."""
    user = uow.users.named(by)
    if user is None or not user.is_staff or not user.active or not user.role_in_force or user.department != dept.id:
        raise WrongDepartment(f"只有{dept.name}的工作人员可以确认或不予确认本部门行业的单位 / only a member of the "
                              f"{dept.name_en} may confirm or decline its units")


def _confirmed(uow: UnitOfWork, case: Case, dept: Department, by: str, data: dict[str, Any]) -> Case:
    others = [r for r in case.reasons.split(";") if r and r != NEEDED]
    text = f"{dept.name}已确认 / confirmed by the {dept.name_en}"
    if others or case.amount <= Decimal(0):
        note(uow, case, f"{text}; 其他原因仍待工作人员审核 / other reasons still wait for staff review", by=by,
             event="department_confirmed", data={**data, "still_in_review": others})
        return case
    target = route(case.gates._replace(review_accepted=True))
    return move(uow, case, target, text, by=by, event="department_confirmed", review_accepted=True, data=data)


def _declined(uow: UnitOfWork, case: Case, dept: Department, reason: str, by: str, data: dict[str, Any]) -> Case:
    pending = [a for a in uow.applications.of_case(case.id) if a.is_pending]
    moved = move(uow, case, State.REJECTED, f"{dept.name}不予确认 / declined by the {dept.name_en}: {reason}", by=by,
                 event="department_declined", data={**data, "reason": reason, "applications": [a.id for a in pending]})
    for a in pending:
        if not uow.applications.save_decision(a.decide(accept=False, by=by, at=uow.now(), reason=reason)):
            raise ConcurrentChange(f"申请 / application #{a.id}")
    return moved


def unconfirmed(uow: UnitOfWork, case: Case) -> str | None:
    """Why staff may not accept this case yet (its department has not confirmed it), or None."""
    if not waits_for_department(case.reasons):
        return None
    review = uow.department_reviews.of_case(case.id)
    if review is not None and review.confirmed:
        return None
    return (f"案件 {case.id} 须先由行业主管部门确认 / case {case.id} waits for its industry department's "
            f"confirmation first")


def declined_words(uow: UnitOfWork, case: Case, pack: Pack) -> tuple[str, str] | None:
    """The department's reason for declining the case, in words for the unit (None: not declined by a department)."""
    review = uow.department_reviews.of_case(case.id)
    if review is None or review.confirmed:
        return None
    dept = next((d for d in pack.departments if d.id == review.department), None)
    zh, en = (dept.name, dept.name_en) if dept else ("行业主管部门", "the industry department")
    return f"{zh}不予确认: {review.reason}", f"{en} declined: {review.reason}"
