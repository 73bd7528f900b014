"""The case state machine as pure code: every state, every legal move, and where a decision routes a unit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from wengang.domain.errors import IllegalTransition


class State(StrEnum):
    """Where a unit's case stands in a cycle (the values are stored in the database)."""

    IDENTIFIED = "identified"                     # passed; waits for the next publicity
    REVIEW = "review"                             # application + manual review (key supervision)
    REVIEW_LISTED = "review-listed"               # in review while on a public list (where the pack says so)
    DISPATCH = "dispatch-confirmation"            # labour-dispatch firm: actual employer must confirm
    ACCOUNT_HELD = "account-held"                 # no usable account: held, not dropped
    PUBLICITY = "publicity"                       # on a public list
    OBJECTION = "objection-raised"                # someone objected; staff investigate
    REVERIFIED = "re-verified"                    # third checkpoint passed
    APPROVED = "approved-for-payment"
    PAID = "paid"
    FAILED = "failed"
    REISSUED = "reissued"
    RECOVERED = "recovered"
    CLOSED = "closed"
    REJECTED = "rejected"                         # out, with its reason


S = State
PRE_PUBLICITY = frozenset({S.IDENTIFIED, S.REVIEW, S.DISPATCH, S.ACCOUNT_HELD})

# Exhaustive: every state is a key; a move not listed here is illegal.
TRANSITIONS: Mapping[State, frozenset[State]] = {
    S.IDENTIFIED: frozenset({S.REVIEW, S.DISPATCH, S.ACCOUNT_HELD, S.PUBLICITY, S.REJECTED}),
    S.REVIEW: frozenset({S.IDENTIFIED, S.DISPATCH, S.ACCOUNT_HELD, S.REJECTED}),
    S.DISPATCH: frozenset({S.IDENTIFIED, S.REVIEW, S.ACCOUNT_HELD, S.REJECTED}),
    S.ACCOUNT_HELD: frozenset({S.IDENTIFIED, S.REVIEW, S.DISPATCH, S.REJECTED}),
    S.REVIEW_LISTED: frozenset({S.PUBLICITY, S.OBJECTION, S.DISPATCH, S.ACCOUNT_HELD, S.REJECTED}),
    S.PUBLICITY: frozenset({S.OBJECTION, S.REVERIFIED, S.REVIEW, S.REJECTED}),
    S.OBJECTION: frozenset({S.PUBLICITY, S.REJECTED}),
    S.REVERIFIED: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.PAID, S.FAILED, S.REVERIFIED}),   # re-verified: its batch cancelled before it left
    S.PAID: frozenset({S.CLOSED, S.RECOVERED, S.FAILED}),   # failed: returned by the bank after settlement
    S.FAILED: frozenset({S.REISSUED, S.RECOVERED}),
    S.REISSUED: frozenset({S.PAID, S.FAILED}),                # failed also when the re-issue's batch is cancelled
    S.RECOVERED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.REJECTED: frozenset(),
}
# Moves legal only where the pack lets review run during publicity (Haikou: "边公示边审核"): a case in review goes on
# the list with the identified ones, its review decided while the list is up (then out of REVIEW_LISTED as above:
# to OBJECTION when the public objected to it meanwhile and that objection is still open).
DURING_PUBLICITY: Mapping[State, frozenset[State]] = {S.REVIEW: frozenset({S.REVIEW_LISTED})}
IN_REVIEW = frozenset({S.REVIEW, S.REVIEW_LISTED})
# A case is born in the state its decision routes it to (None → …).
OPENING = frozenset({S.IDENTIFIED, S.REVIEW, S.DISPATCH, S.ACCOUNT_HELD, S.REJECTED})
TERMINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
LISTED = frozenset({S.PUBLICITY, S.REVIEW_LISTED, S.OBJECTION, S.REVERIFIED, S.APPROVED, S.PAID, S.FAILED, S.REISSUED,
                    S.RECOVERED, S.CLOSED})
DECISIONS = ("eligible", "review", "ineligible")


def allowed(from_state: State | str | None, to_state: State | str, *, review_during_publicity: bool = False) -> bool:
    """True when the table connects the two states (None is a case not yet opened); the moves of DURING_PUBLICITY
    only where the pack lets review run during publicity."""
    to = State(to_state)
    if from_state is None:
        return to in OPENING
    if review_during_publicity and to in DURING_PUBLICITY.get(State(from_state), frozenset()):
        return True
    return to in TRANSITIONS[State(from_state)]


def require(from_state: State | str | None, to_state: State | str, case_id: int | None = None, *,
            review_during_publicity: bool = False) -> State:
    """The target state, or IllegalTransition naming the case and both states."""
    if not allowed(from_state, to_state, review_during_publicity=review_during_publicity):
        raise IllegalTransition(case_id, None if from_state is None else str(from_state), str(to_state))
    return State(to_state)


class Gates(NamedTuple):
    """What a unit must still clear before it can be published (each cleared once, by staff or by data)."""

    decision: str
    labor_dispatch: bool
    has_account: bool
    review_accepted: bool = False
    dispatch_confirmed: bool = False
    account_confirmed: bool = False


def route(g: Gates) -> State:
    """Ineligible → rejected; review → review; dispatch firm → confirmation; no account → held; else identified."""
    decision, dispatch, account, accepted, dispatch_ok, account_ok = g
    if decision == "eligible" or (decision == "review" and accepted):
        if dispatch and not dispatch_ok:
            return S.DISPATCH
        return S.IDENTIFIED if account or account_ok else S.ACCOUNT_HELD
    if decision == "review":
        return S.REVIEW
    if decision == "ineligible":
        return S.REJECTED
    raise ValueError(f"unknown decision {decision!r}")


ROUTE_REASONS = {
    S.IDENTIFIED: "符合条件 / eligible",
    S.REVIEW: "转申请与人工审核 / routed to application and manual review",
    S.DISPATCH: "劳务派遣单位待用工单位确认 / labour dispatch: waits for the actual employer's confirmation",
    S.ACCOUNT_HELD: "无可用账户, 暂缓 / no usable account: held until confirmed",
    S.REJECTED: "不符合条件 / ineligible",
}


def after_review(state: State, target: State, *, objected: bool = False) -> State:
    """Where an accepted review goes: a case reviewed while on a list stays on it once it would be identified (in
    publicity, or awaiting the decision on an objection still open to it); any other gate takes it off the list; a
    case in plain review goes where `route` sends it."""
    if state is S.REVIEW_LISTED and target is S.IDENTIFIED:
        return S.OBJECTION if objected else S.PUBLICITY
    return target


def route_reason(state: State, reasons: str | None) -> str:
    """Why a case went where it did: the route, plus the rules' reason codes when there are any."""
    text = ROUTE_REASONS[state]
    return f"{text}: {reasons}" if reasons and state in (S.REVIEW, S.REJECTED) else text


class Fresh(NamedTuple):
    """A unit's decision from a newer evaluation (None where the unit is missing from the newer data)."""

    decision: str
    amount: Decimal
    reasons: str
    labor_dispatch: bool
    has_account: bool


def after_comparison(state: State, gates: Gates, fresh: Fresh | None) -> tuple[State, str] | None:
    """Checkpoint 1, another round: the new state and why, or None where the case stays put."""
    if state not in PRE_PUBLICITY:
        return None
    if fresh is None:
        if state is S.IDENTIFIED:
            return S.REVIEW, "新一轮比对中缺失 / missing from the newer snapshot"
        return None
    target = route(Gates(fresh.decision, fresh.labor_dispatch, fresh.has_account, gates.review_accepted,
                         gates.dispatch_confirmed, gates.account_confirmed))
    if target is state:
        return None
    return target, f"比对轮 / comparison round: {route_reason(target, fresh.reasons)}"


def after_reverification(old_decision: str, old_amount: Decimal, fresh: Fresh | None) -> tuple[State, str]:
    """Checkpoint 3: unchanged → re-verified; now ineligible → rejected; any other change → back to review."""
    if fresh is None:
        return S.REVIEW, "复核: 最新数据中缺失 / re-verification: unit missing from the newest snapshot"
    if fresh.decision == old_decision and fresh.amount == old_amount:
        return S.REVERIFIED, "复核无变化 / re-verified: unchanged"
    change = (f"{old_decision} {old_amount} → {fresh.decision} {fresh.amount}"
              + (f" ({fresh.reasons})" if fresh.reasons else ""))
    if fresh.decision == "ineligible":
        return S.REJECTED, f"复核后不符合 / re-verification: now ineligible: {change}"
    return S.REVIEW, f"复核有变化, 移出批次 / re-verification changed, left the batch: {change}"


@dataclass(frozen=True)
class Case:
    """One unit in one cycle of one program, as stored."""

    id: int
    program: str
    cycle_id: int
    uscc: str
    name: str
    decision: str
    amount: Decimal
    ratio_units: int | None
    reasons: str
    run_id: str
    labor_dispatch: bool
    has_account: bool
    review_accepted: bool
    dispatch_confirmed: bool
    account_confirmed: bool
    state: State
    reason: str
    batch_id: int | None
    version: int
    planned_batch: int | None = None      # the batch of the cycle's publicity plan it is planned into
    size_class: str | None = None          # the run's size class when the cycle opened; None: unknown
    changed_at: dt.datetime | None = None  # naive UTC of its last move or change (None: not recorded)
    insured: int | None = None             # the unit's insured headcount in the run (惠及职工); None: unknown
    industry: str | None = None            # the snapshot's industry (rules.criteria INDUSTRY_WORDS); None: unknown
    unit_type: str | None = None           # the snapshot's unit type (UNIT_TYPE_WORDS); None: unknown

    @property
    def gates(self) -> Gates:
        return Gates(self.decision, self.labor_dispatch, self.has_account, self.review_accepted,
                     self.dispatch_confirmed, self.account_confirmed)


class Step(NamedTuple):
    """A way a case leaves a state: who may take it (a permission), where it may lead, and whether it is a form on
    the case's own page or a step of its cycle or payment batch (taken there, for many cases at once)."""

    key: str
    sources: frozenset[State]
    targets: frozenset[State]
    permission: str
    on_case: bool


def _step(key: str, sources: set[State], targets: set[State], permission: str, on_case: bool = False) -> Step:
    return Step(key, frozenset(sources), frozenset(targets), permission, on_case)


_GATES = {S.IDENTIFIED, S.DISPATCH, S.ACCOUNT_HELD}
# The steps that exist, each within TRANSITIONS, and at least one from every state that is not terminal
# (tests/unit/test_case_states.py): the case page lists a state's steps, so no case is left without a way forward.
STEPS: tuple[Step, ...] = (
    _step("review.decide", {S.REVIEW}, {*_GATES, S.REJECTED}, "review.decide", on_case=True),
    _step("review.supply", {S.REVIEW}, {*_GATES, S.REJECTED}, "review.decide", on_case=True),
    _step("review.decide", {S.REVIEW_LISTED}, {S.PUBLICITY, S.OBJECTION, S.DISPATCH, S.ACCOUNT_HELD, S.REJECTED},
          "review.decide", on_case=True),
    _step("dispatch.confirm", {S.DISPATCH}, {S.IDENTIFIED, S.ACCOUNT_HELD}, "dispatch.confirm", on_case=True),
    _step("account.release", {S.ACCOUNT_HELD}, {S.IDENTIFIED, S.DISPATCH}, "account.release", on_case=True),
    _step("objection.decide", {S.OBJECTION}, {S.PUBLICITY, S.REJECTED}, "objection.decide", on_case=True),
    # an objection to a case in review while on a list: sustained → rejected; dismissed → it stays in review
    _step("objection.decide", {S.REVIEW_LISTED}, {S.REVIEW_LISTED, S.REJECTED}, "objection.decide", on_case=True),
    _step("cycle.compare", set(PRE_PUBLICITY), set(PRE_PUBLICITY) | {S.REJECTED}, "cycle.run"),
    _step("publicity.start", {S.IDENTIFIED}, {S.PUBLICITY}, "publicity.run"),
    _step("objection.record", {S.PUBLICITY}, {S.OBJECTION}, "objection.record"),
    _step("objection.record", {S.REVIEW_LISTED}, {S.REVIEW_LISTED}, "objection.record"),   # recorded; stays in review
    _step("cycle.reverify", {S.PUBLICITY}, {S.REVERIFIED, S.REVIEW, S.REJECTED}, "cycle.run"),
    _step("batch.prepare", {S.REVERIFIED}, {S.APPROVED}, "batch.prepare"),
    _step("batch.cancel", {S.APPROVED}, {S.REVERIFIED}, "batch.cancel"),
    _step("bank.reconcile", {S.APPROVED, S.REISSUED, S.PAID}, {S.PAID, S.FAILED}, "bank.reconcile"),
    _step("exception.resolve", {S.FAILED}, {S.REISSUED}, "exception.resolve"),
    _step("payments.recover", {S.FAILED}, {S.RECOVERED}, "payments.recover"),
    _step("case.close", {S.PAID, S.RECOVERED}, {S.CLOSED}, "payments.recover", on_case=True),
)


def steps(state: State) -> tuple[Step, ...]:
    """The ways forward from a state, the case's own forms first; none only for a terminal state."""
    found = [s for s in STEPS if state in s.sources]
    return tuple(sorted(found, key=lambda s: not s.on_case))
