"""Which of a unit's cases keeps the money within a group of programmes (domain/combination.py), both ways."""

from __future__ import annotations

from decimal import Decimal

from wengang.domain.cases import State
from wengang.domain.combination import Rival, keeper, losers


def rival(case: int, cycle: int, amount: str, state: State = State.IDENTIFIED, in_batch: bool = False) -> Rival:
    return Rival(case, cycle, f"p{cycle}", Decimal(amount), state, in_batch)


def test_the_larger_keeps_and_a_tie_goes_to_the_earlier_cycle():
    small, large = rival(1, 1, "1200.00"), rival(2, 2, "183600.00")
    assert keeper([small, large]) is large and losers([small, large]) == [small]
    first, second = rival(1, 1, "500.00"), rival(2, 2, "500.00")
    assert keeper([second, first]) is first and losers([first, second]) == [second]


def test_money_committed_always_keeps_even_when_smaller():
    paid, larger = rival(1, 1, "100.00", State.PAID), rival(2, 2, "900.00", State.REVERIFIED)
    assert keeper([paid, larger]) is paid and losers([paid, larger]) == [larger]
    batched = rival(1, 1, "100.00", State.REVERIFIED, in_batch=True)
    assert losers([batched, larger]) == [larger]


def test_an_undecided_rival_decides_nothing_at_opening_but_gives_way_to_a_payment():
    review, decided = rival(1, 1, "0.00", State.REVIEW), rival(2, 2, "1200.00", State.REVERIFIED)
    assert keeper([review, decided]) is None and losers([review, decided]) == []
    assert keeper([review, decided], paying=True) is decided and losers([review, decided], paying=True) == [review]


def test_ended_cases_are_out_of_the_running():
    rejected, live = rival(1, 1, "900.00", State.REJECTED), rival(2, 2, "100.00")
    assert keeper([rejected, live]) is live and losers([rejected, live]) == []
    assert keeper([rival(1, 1, "1.00", State.RECOVERED)]) is None
