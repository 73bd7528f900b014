"""The packs' combination rules enforced on cases: when a cycle opens and again before payment, a unit's case that a
rival case of the same year outranks (domain/combination.py) is rejected with the rule's reason, so no unit is ever
paid twice within a group of programmes."""

from __future__ import annotations

from collections import defaultdict

from wengang.domain.audit import Draft
from wengang.domain.cases import State
from wengang.domain.combination import Rival, keeper, losers
from wengang.domain.cycles import Cycle
from wengang.domain.ports import CaseChange, UnitOfWork
from wengang.rules.parameters import PackError, load_pack
from wengang.rules.programmes import PROGRAMMES

PREFIX = "combination:"                    # a case's reason code: `combination:<the programme that keeps it>`


def programme_words(program: str) -> tuple[str, str]:
    """A programme's name (a cycle labelled otherwise, as it is)."""
    found = PROGRAMMES.get(program)
    return found.name if found else (program, program)


def _year_and_rivals(cycle: Cycle) -> tuple[int, frozenset[str]] | None:
    try:
        pack = load_pack(cycle.pack)
    except PackError:
        return None
    return pack.year, pack.rivals()


def rival_cycles(uow: UnitOfWork, cycle: Cycle) -> list[Cycle]:
    """Live cycles of the same year whose programme shares a combination rule with this one (its own included). A
    cycle labelled with a programme its pack's rules do not name (`--program`) is under none of them."""
    mine = _year_and_rivals(cycle)
    if mine is None or cycle.program not in mine[1]:
        return []
    year, group = mine
    found = []
    for other in uow.cycles.all():
        if other.id == cycle.id or other.cancelled or other.program not in group:
            continue
        theirs = _year_and_rivals(other)
        if theirs is not None and theirs[0] == year:
            found.append(other)
    return found


def enforce(uow: UnitOfWork, cycle_id: int, *, by: str, paying: bool) -> int:
    """Reject the cycle's cases that give way to a rival case of the same unit and year: one audit entry each;
    returns how many. When the cycle opens, the rivals' cases that give way to its cases too; before payment only its
    own (a rival cycle decides its own cases when it is paid), a rival with a prepared payment counts as paid, and a
    rival still in review gives way."""
    cycle = uow.cycles.get(cycle_id)
    others = rival_cycles(uow, cycle)
    if not others:
        return 0
    programmes = {cycle.id: cycle.program, **{other.id: other.program for other in others}}
    shared = uow.cases.shared_units(cycle_id, programmes.keys() - {cycle_id})   # only units in two cycles or more
    batched = _in_batches(uow, [c.id for cyc, c in shared if cyc != cycle_id]) if paying else set()
    by_unit: dict[str, list[Rival]] = defaultdict(list)
    for cyc, c in shared:
        by_unit[c.uscc].append(Rival(c.id, cyc, programmes[cyc], c.amount, c.state, c.id in batched))
    give_way: dict[int, Rival] = {}                                  # case id → the rival that keeps the money
    for rivals in by_unit.values():
        if len(rivals) < 2:
            continue
        kept = keeper(rivals, paying=paying)
        for r in losers(rivals, paying=paying):
            if kept is None or (paying and not (r.cycle_id == cycle_id and r.state is State.REVERIFIED)):
                continue                          # before payment: only the cycle's own cases about to be paid
            give_way[r.case_id] = kept
    return _reject(uow, give_way, by)


def _in_batches(uow: UnitOfWork, case_ids: list[int]) -> set[int]:
    """The cases with a payment prepared, sent or settled (an attempt whose batch was not cancelled)."""
    return {a.case_id for a in uow.payments.attempts(case_ids=case_ids) if a.status != "cancelled"} if case_ids else set()


def _reject(uow: UnitOfWork, give_way: dict[int, Rival], by: str) -> int:
    cases = uow.cases.many(give_way)
    changes, drafts = [], []
    for c in cases:
        kept = give_way[c.id]
        code = f"{PREFIX}{kept.program}"
        zh, en = programme_words(kept.program)
        why = (f"同一年度只能享受其一, 由「{zh}」案件 #{kept.case_id} 享受 / paid once a year within the group: case "
               f"#{kept.case_id} ({en}) keeps it")
        changes.append(CaseChange(c.id, c.version, State.REJECTED.value, why, c.decision, c.amount, c.ratio_units,
                                  ";".join(filter(None, [c.reasons, code])), c.run_id, c.labor_dispatch,
                                  c.has_account, c.review_accepted))
        drafts.append(Draft(by, "case_combined", f"case:{c.id}", c.id, c.state.value, State.REJECTED.value, why,
                            {"uscc": c.uscc, "amount": str(c.amount), "cycle": c.cycle_id, "kept_case": kept.case_id,
                             "kept_program": kept.program}))
    if changes:
        uow.cases.apply(changes)
        uow.audit.append(drafts)
    return len(changes)
