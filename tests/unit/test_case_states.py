"""The case state machine: an exhaustive table, refusals for every move it lacks, and where decisions route."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from wengang.domain.cases import (
    OPENING,
    PRE_PUBLICITY,
    TERMINAL,
    TRANSITIONS,
    Fresh,
    Gates,
    State,
    after_comparison,
    after_reverification,
    allowed,
    require,
    route,
)
from wengang.domain.errors import IllegalTransition

S = State
LEGAL = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}


def test_the_table_is_exhaustive_and_names_only_states():
    assert set(TRANSITIONS) == set(State)
    assert all(target in State for targets in TRANSITIONS.values() for target in targets)
    assert {S.CLOSED, S.REJECTED} == TERMINAL


def test_the_flow_of_the_issue_is_in_the_table():
    path = [S.IDENTIFIED, S.PUBLICITY, S.OBJECTION, S.PUBLICITY, S.REVERIFIED, S.APPROVED, S.FAILED, S.REISSUED,
            S.PAID, S.CLOSED]
    for a, b in itertools.pairwise(path):
        assert allowed(a, b), (a, b)
    for held in (S.REVIEW, S.DISPATCH, S.ACCOUNT_HELD):
        assert allowed(S.IDENTIFIED, held) and allowed(held, S.IDENTIFIED) and allowed(held, S.REJECTED)
    assert allowed(S.FAILED, S.RECOVERED) and allowed(S.RECOVERED, S.CLOSED)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(State, State)))
def test_every_pair_is_allowed_exactly_when_the_table_lists_it(a, b):
    if (a, b) in LEGAL:
        assert require(a, b, case_id=7) is b
    else:
        with pytest.raises(IllegalTransition) as err:
            require(a, b, case_id=7)
        assert err.value.case_id == 7 and err.value.from_state == a.value and err.value.to_state == b.value
        assert f"{a.value} → {b.value}" in str(err.value)


@pytest.mark.parametrize("state", list(State))
def test_a_case_is_born_only_in_a_routed_state(state):
    assert allowed(None, state) is (state in OPENING)


def test_nothing_skips_a_checkpoint():
    assert not allowed(S.IDENTIFIED, S.REVERIFIED)        # no publicity skipped
    assert not allowed(S.PUBLICITY, S.APPROVED)           # no re-verification skipped
    assert not allowed(S.OBJECTION, S.REVERIFIED)         # an open objection must be decided first
    assert not allowed(S.REVIEW, S.PUBLICITY)             # a review must be decided first
    assert not allowed(S.REJECTED, S.IDENTIFIED) and not allowed(S.CLOSED, S.PAID)
    assert not allowed(S.PAID, S.PAID)                    # nothing moves to itself


def test_money_moves_only_forward_and_a_reissue_follows_a_failure():
    assert allowed(S.APPROVED, S.PAID) and allowed(S.PAID, S.FAILED)   # a return after settlement
    assert allowed(S.FAILED, S.REISSUED) and allowed(S.FAILED, S.RECOVERED)
    assert not allowed(S.PAID, S.REISSUED) and not allowed(S.APPROVED, S.REISSUED)   # no second payment while live
    assert not allowed(S.REVERIFIED, S.PAID)              # nothing is paid without approval


@pytest.mark.parametrize(("decision", "dispatch", "account", "expected"), [
    ("eligible", False, True, S.IDENTIFIED),
    ("eligible", True, True, S.DISPATCH),
    ("eligible", False, False, S.ACCOUNT_HELD),
    ("eligible", True, False, S.DISPATCH),               # dispatch first, then the account
    ("review", False, True, S.REVIEW),
    ("review", True, False, S.REVIEW),                   # review before anything else
    ("ineligible", False, True, S.REJECTED),
    ("ineligible", True, False, S.REJECTED),
])
def test_route(decision, dispatch, account, expected):
    assert route(Gates(decision, dispatch, account)) is expected


def test_cleared_gates_are_not_asked_again():
    assert route(Gates("review", True, False, review_accepted=True)) is S.DISPATCH
    assert route(Gates("review", True, False, True, dispatch_confirmed=True)) is S.ACCOUNT_HELD
    assert route(Gates("review", True, False, True, True, account_confirmed=True)) is S.IDENTIFIED
    with pytest.raises(ValueError):
        route(Gates("maybe", False, True))


def fresh(decision="eligible", amount="1440.00", dispatch=False, account=True, reasons=""):
    return Fresh(decision, Decimal(amount), reasons, dispatch, account)


def test_a_comparison_round_moves_only_cases_not_yet_published():
    gates = Gates("eligible", False, True)
    assert after_comparison(S.IDENTIFIED, gates, fresh()) is None
    assert after_comparison(S.IDENTIFIED, gates, fresh("ineligible", "0.00", reasons="flag:x"))[0] is S.REJECTED
    assert after_comparison(S.IDENTIFIED, gates, fresh("review"))[0] is S.REVIEW
    assert after_comparison(S.IDENTIFIED, gates, fresh(account=False))[0] is S.ACCOUNT_HELD
    assert after_comparison(S.IDENTIFIED, gates, None)[0] is S.REVIEW
    assert after_comparison(S.REVIEW, Gates("review", False, True), None) is None
    assert after_comparison(S.ACCOUNT_HELD, Gates("eligible", False, False), fresh())[0] is S.IDENTIFIED
    for later in set(State) - PRE_PUBLICITY:
        assert after_comparison(later, gates, fresh("ineligible", "0.00")) is None


def test_a_confirmed_gate_survives_a_comparison_round():
    confirmed = Gates("eligible", True, True, dispatch_confirmed=True)
    assert after_comparison(S.IDENTIFIED, confirmed, fresh(dispatch=True)) is None


@pytest.mark.parametrize(("new", "expected"), [
    (fresh("eligible", "1440.00"), S.REVERIFIED),      # same decision, same amount
    (fresh("eligible", "1440.01"), S.REVIEW),          # one fen more leaves the batch
    (fresh("eligible", "1439.99"), S.REVIEW),          # one fen less too
    (fresh("review", "1440.00"), S.REVIEW),
    (fresh("ineligible", "0.00", reasons="flag:dishonest_debtor"), S.REJECTED),
    (None, S.REVIEW),
])
def test_reverification(new, expected):
    state, reason = after_reverification("eligible", Decimal("1440.00"), new)
    assert state is expected and reason
    if new is not None and expected is not S.REVERIFIED:
        assert "1440.00 →" in reason


def test_every_step_moves_only_as_the_table_allows_and_every_open_state_has_one():
    from wengang.domain.cases import STEPS, steps

    for step in STEPS:
        assert all(a == b or allowed(a, b) for a in step.sources for b in step.targets), step.key
    for state in State:
        assert bool(steps(state)) == (state not in TERMINAL), state
    assert [s.key for s in steps(S.REVIEW)][:2] == ["review.decide", "review.supply"]     # the case's forms first
    assert not any(s.on_case for s in steps(S.PUBLICITY))                               # a cycle's step, not a form
