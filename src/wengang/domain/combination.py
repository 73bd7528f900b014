"""Combination rules (POLICIES.md §2, §3, §7): within a group of programmes a unit is paid at most once a year. Which
of its cases keeps its money is decided here, the same way whichever cycle asks first."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wengang.domain.cases import State

S = State
# Money committed: approved for payment, paid, or on its way back; such a case is never the one to give way.
COMMITTED = frozenset({S.APPROVED, S.PAID, S.FAILED, S.REISSUED, S.CLOSED})
# Out of the running: rejected, or its money recovered to the fund.
ENDED = frozenset({S.REJECTED, S.RECOVERED})


# Not decided yet: its amount waits for an application and a review (it may be unknown, shown as 0.00).
UNDECIDED = frozenset({S.REVIEW, S.REVIEW_LISTED})


@dataclass(frozen=True, slots=True)
class Rival:
    """One of a unit's cases in a group of programmes that pay it at most once a year; `committed` also when a
    payment for it is prepared (its batch not cancelled)."""

    case_id: int
    cycle_id: int
    program: str
    amount: Decimal
    state: State
    in_batch: bool = False

    @property
    def committed(self) -> bool:
        return self.in_batch or self.state in COMMITTED


def keeper(rivals: list[Rival], *, paying: bool = False) -> Rival | None:
    """The case that keeps its money: one whose money is committed; else the larger amount, on a tie the earlier
    cycle (POLICIES.md §2: "the larger, by default"). While a rival is still undecided (in review) nothing is decided
    when a cycle opens; when a case is about to be paid, an undecided rival gives way. None: nobody keeps yet."""
    live = [r for r in rivals if r.state not in ENDED]
    committed = [r for r in live if r.committed]
    if committed:
        return min(committed, key=lambda r: (r.cycle_id, r.case_id))
    undecided = [r for r in live if r.state in UNDECIDED]
    if undecided and not paying:
        return None
    decided = [r for r in live if r.state not in UNDECIDED]
    return min(decided, key=lambda r: (-r.amount, r.cycle_id, r.case_id)) if decided else None


def losers(rivals: list[Rival], *, paying: bool = False) -> list[Rival]:
    """The cases that give way: every live one but the keeper, except those whose money is already committed
    (paid twice before this rule existed: the ledger's check reports that, nothing here can undo it)."""
    kept = keeper(rivals, paying=paying)
    return [r for r in rivals if kept is not None and r is not kept and r.state not in ENDED and not r.committed]
