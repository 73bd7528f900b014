"""Correct a case's unit name that no bank file takes (control characters, too long, a formula start), so a case
stuck at payment preparation can go on: staff only, with a reason, audited with the old and the new name."""

from __future__ import annotations

from wengang.domain.audit import Draft
from wengang.domain.cases import PRE_PUBLICITY, Case, State
from wengang.domain.errors import Refused
from wengang.domain.names import name_problem
from wengang.domain.ports import Store
from wengang.services.casework import case_data, load_case

# Before payment only: once a batch is approved the name is in the bank's hands (the attempt keeps its own copy).
RENAMABLE = PRE_PUBLICITY | {State.PUBLICITY, State.OBJECTION, State.REVERIFIED}
SETTLED = ("rejected", "returned", "cancelled")   # attempts that are over; any other holds its name


def stuck_name(case: Case) -> str | None:
    """Why this case's name keeps it out of every bank file, when staff may still correct it; None otherwise."""
    return name_problem(case.name) if case.state in RENAMABLE else None


def rename(case_id: int, *, store: Store, name: str, reason: str, by: str,
           expected_version: int | None = None) -> Case:
    """Give the case a name every bank file and list takes, in one audited transaction (old name, new name, who, why);
    only where the present name is unusable and no payment of the case is under way."""
    name, reason = name.strip(), reason.strip()
    if not reason:
        raise Refused("更正名称须写明理由 / correcting a name needs a reason")
    problem = name_problem(name)
    if problem:
        raise Refused(f"新名称不可用 / the new name is unusable: {problem}")
    with store.transaction() as uow:
        case = load_case(uow, case_id, expected_version)
        if case.state not in RENAMABLE:
            raise Refused(f"案件 {case.id} 为 {case.state.value}, 批准支付后不能更正名称 / case {case.id} is "
                          f"{case.state.value}: its name can be corrected only before payment is approved")
        if name_problem(case.name) is None:
            raise Refused(f"案件 {case.id} 的名称可用于银行文件, 无需更正 / the name of case {case.id} already goes "
                          "into every bank file: only an unusable name is corrected here")
        live = [a for a in uow.payments.attempts(case_ids=[case.id]) if a.status not in SETTLED]
        if live:
            raise Refused(f"案件 {case.id} 有未结束的支付 {live[0].end_to_end_id} ({live[0].status}) / case {case.id} "
                          f"has a payment under way ({live[0].end_to_end_id}, {live[0].status}): settle or cancel it "
                          "first")
        renamed = uow.cases.transition(case, case.state, case.reason, name=name)
        uow.audit.append([Draft(by, "case_renamed", f"case:{case.id}", case.id, case.state.value,
                                case.state.value, f"更正单位名称 / unit name corrected: {reason}",
                                {**case_data(case), "old_name": case.name, "new_name": name,
                                 "why_unusable": name_problem(case.name)})])
        uow.commit()
    return renamed
