"""One specialist (issue 16.4): a named member of staff for each key or large employer, and the portfolio page of
their units with where each case stands, what the unit does next, its last message and how far it got, and the last
call. Large is the run's size class when the cycle opened; key is what staff flag when they name the specialist."""

from __future__ import annotations

from dataclasses import dataclass

from wengang.domain.audit import Draft
from wengang.domain.calls import Call, Reach, Specialist
from wengang.domain.cases import Case
from wengang.domain.errors import NotFound, Refused
from wengang.domain.identifiers import uscc_problem
from wengang.domain.ports import Store
from wengang.domain.queues import CaseQuery
from wengang.services.permissions import role_may

LARGE = "large"
MAX_UNASSIGNED = 500          # large employers without a specialist shown at once


@dataclass(frozen=True, slots=True)
class Held:
    """One unit of a portfolio: its case in the cycle (None: not in it), its last message and last call."""

    specialist: Specialist
    case: Case | None
    reach: Reach | None
    last_call: Call | None


def assign(uscc: str, *, to: str, key: bool, by: str, store: Store) -> Specialist:
    """Name a unit's specialist (replacing the one before), audited; only someone who calls units may be named."""
    uscc = uscc.strip()
    if uscc_problem(uscc):
        raise Refused(uscc_problem(uscc))
    with store.transaction() as uow:
        person = uow.users.named(to)
        if person is None or not person.active or not role_may(person.role.value, "calls.make"):
            raise Refused(f"没有这位可担任专员的工作人员 / no member of staff {to!r} to be a specialist")
        named = uow.specialists.put(uscc=uscc, username=to, key=key, by=by, at=uow.now())
        uow.audit.append([Draft(by, "specialist_named", f"unit:{uscc}",
                                reason=f"指定专员 {to} / specialist {to} named",
                                data={"to": to, "key": key})])
        uow.commit()
    return named


def portfolio(username: str, cycle_id: int | None, *, store: Store) -> list[Held]:
    """The units a specialist looks after, each with its case in the cycle, last message and last call."""
    with store.reading() as uow:
        if uow.users.named(username) is None:
            raise NotFound(f"没有这位工作人员 / no member of staff {username}")
        held = uow.specialists.of_user(username)
        if cycle_id is None:
            return [Held(s, None, None, None) for s in held]
        cases = {s.uscc: uow.cases.find(cycle_id, s.uscc) for s in held}
        reach = uow.deliveries.reach([c.id for c in cases.values() if c is not None])
        last: dict[str, Call] = {}
        for call in uow.calls.of_cycle(cycle_id, [s.uscc for s in held]):
            last[call.uscc] = call
    out = []
    for s in held:
        case = cases[s.uscc]
        out.append(Held(s, case, reach.get(case.id) if case is not None else None, last.get(s.uscc)))
    return out


def unassigned_large(cycle_id: int, *, store: Store) -> list[Case]:
    """The cycle's large employers that have no specialist yet (the first MAX_UNASSIGNED)."""
    with store.reading() as uow:
        large = uow.cases.page(CaseQuery(cycle_id, size=LARGE, per_page=MAX_UNASSIGNED))
        named = uow.specialists.of_units([c.uscc for c in large])
    return [c for c in large if c.uscc not in named]


def everyone(*, store: Store) -> dict[str, int]:
    """Each specialist and how many units they look after."""
    with store.reading() as uow:
        found: dict[str, int] = {}
        for s in uow.specialists.all():
            found[s.username] = found.get(s.username, 0) + 1
    return dict(sorted(found.items()))


def callers(*, store: Store) -> list[str]:
    """The members of staff who may call units (and be named specialists), by user name."""
    with store.reading() as uow:
        return sorted(u.username for u in uow.users.all() if u.active and u.role is not None
                      and role_may(u.role.value, "calls.make"))
