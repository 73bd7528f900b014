"""The application path and the holds on both databases; illegal moves refused; two reviewers, one winner."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest

from tests.builders import uscc
from tests.clocks import on_day
from tests.conftest import CITY
from wengang import bootstrap
from wengang.adapters.db.tables import cases
from wengang.domain.cases import State
from wengang.domain.errors import ConcurrentChange, IllegalTransition, NotFound, Refused
from wengang.services import cycles, publicity, review, tell

pytestmark = pytest.mark.slow
LETTER = "本单位承诺所报信息真实, 履行稳岗承诺。/ We commit that the data is true and jobs are kept."


def case(store, key):
    with store.reading() as uow:
        return uow.cases.find(1, uscc(CITY[key]))


def audit_count(store, case_id):
    with store.reading() as uow:
        return len(uow.audit.for_case(case_id))


def apply(store, settings, key="review", **kw):
    return review.apply(1, uscc(CITY[key]), store=store, analytics=bootstrap.analytics(settings),
                        settings=settings, commitment=LETTER, accepted=True,
                        by="unit", **kw)


def test_an_application_needs_the_accepted_commitment_letter(db_store, db_settings, opened):
    for letter, accepted in ((LETTER, False), ("  ", True)):
        with pytest.raises(Refused, match="commitment"):
            review.apply(1, uscc(CITY["review"]), store=db_store, analytics=bootstrap.analytics(db_settings),
                         settings=db_settings, commitment=letter,
                         accepted=accepted, by="unit")
    with pytest.raises(Refused, match="only a case in review"):
        apply(db_store, db_settings, "eligible")
    filed = apply(db_store, db_settings)
    assert filed.late is False
    with pytest.raises(Refused, match="pending application"):
        apply(db_store, db_settings)


def test_a_reviewer_accepts_with_a_reason_and_the_case_joins_the_next_publicity(db_store, db_settings, opened, case_city):
    target = case(db_store, "review")
    with pytest.raises(Refused, match="no application"):
        review.decide(target.id, store=db_store, accept=True, reason="ok", by="reviewer")
    apply(db_store, db_settings)
    with pytest.raises(Refused, match="reason"):
        review.decide(target.id, store=db_store, accept=True, reason="", by="reviewer")
    accepted = review.decide(target.id, store=db_store, accept=True, reason="承诺已履行", by="reviewer")
    assert accepted.state is State.IDENTIFIED and accepted.review_accepted and accepted.version == 2
    cycles.compare(1, store=db_store, analytics=bootstrap.analytics(db_settings), settings=db_settings,
                   snapshot=case_city["snapshots"][2])
    with on_day(db_store, dt.date(2021, 10, 8)):
        batch = publicity.start(1, store=db_store, starts_on=dt.date(2021, 10, 8), by="clerk")
    assert case(db_store, "review").batch_id == batch.id
    with db_store.reading() as uow:
        assert [a.status for a in uow.applications.of_case(target.id)] == ["accepted"]


def test_a_reviewer_rejects_with_a_reason(db_store, db_settings, opened):
    target = case(db_store, "review")
    rejected = review.decide(target.id, store=db_store, accept=False, reason="未履行承诺", by="reviewer")
    assert rejected.state is State.REJECTED and "未履行承诺" in rejected.reason
    tell.tell(store=db_store, settings=db_settings)                  # the unit is told, with the reviewer's reason
    with db_store.reading() as uow:
        told = uow.notifications.of_kind("not_granted")
    assert [(m.uscc, m.case_id) for m in told] == [(target.uscc, target.id)]
    assert "不能享受" in told[0].text and "理由: 未履行承诺" in told[0].text and "12333" in told[0].text
    assert "the reason: 未履行承诺" in told[0].text and "/portal/cycles/1" in told[0].text


@pytest.mark.parametrize(("amount", "accepted"), [(Decimal("0.00"), False), (Decimal("0.01"), True)])
def test_unknown_never_pays_a_zero_amount_cannot_be_accepted(db_store, db_settings, opened, amount, accepted):
    target = case(db_store, "review")
    with db_store.engine.begin() as conn:
        conn.execute(cases.update().where(cases.c.id == target.id).values(amount=amount))
    apply(db_store, db_settings)
    if accepted:
        assert review.decide(target.id, store=db_store, accept=True, reason="ok", by="r").state is State.IDENTIFIED
    else:
        with pytest.raises(Refused, match="unknown never pays"):
            review.decide(target.id, store=db_store, accept=True, reason="ok", by="r")


def test_a_late_filer_applies_from_the_newer_snapshot(db_store, db_settings, opened, case_city):
    with pytest.raises(NotFound, match="late"):
        apply(db_store, db_settings, "late")
    with pytest.raises(NotFound, match="either"):
        review.apply(1, uscc(77), store=db_store, analytics=bootstrap.analytics(db_settings),
                     settings=db_settings, commitment=LETTER, accepted=True,
                     by="unit", late_snapshot=case_city["snapshots"][3])
    filed = apply(db_store, db_settings, "late", late_snapshot=case_city["snapshots"][3])
    late = case(db_store, "late")
    assert filed.late and late.state is State.REVIEW and late.amount == Decimal("1440.00")
    assert late.run_id != opened.cycle.run_id
    with db_store.reading() as uow:
        assert [e.event for e in uow.audit.for_case(late.id)] == ["late_filing", "applied"]


def test_dispatch_and_account_holds_are_released_by_confirmation(db_store, opened):
    dispatched = review.confirm_dispatch(case(db_store, "dispatch").id, store=db_store, employer="某用工单位",
                                         by="clerk")
    assert dispatched.state is State.IDENTIFIED and dispatched.dispatch_confirmed
    released = review.confirm_account(case(db_store, "no_account").id, store=db_store, note_text="税务提供社保账户",
                                      by="clerk")
    assert released.state is State.IDENTIFIED and released.account_confirmed
    with pytest.raises(Refused, match="employer"):
        review.confirm_dispatch(dispatched.id, store=db_store, employer=" ", by="clerk")


@pytest.mark.parametrize(("key", "action"), [
    ("eligible", lambda s, c: review.decide(c, store=s, accept=True, reason="x", by="r")),
    ("ineligible", lambda s, c: review.decide(c, store=s, accept=False, reason="x", by="r")),
    ("review", lambda s, c: review.confirm_dispatch(c, store=s, employer="x", by="r")),
    ("dispatch", lambda s, c: review.confirm_account(c, store=s, note_text="x", by="r")),
])
def test_illegal_transitions_are_refused_and_change_nothing(db_store, opened, key, action):
    before = case(db_store, key)
    entries = audit_count(db_store, before.id)
    with pytest.raises(IllegalTransition) as err:
        action(db_store, before.id)
    assert err.value.case_id == before.id and err.value.from_state == before.state.value
    after = case(db_store, key)
    assert (after.state, after.version) == (before.state, before.version)
    assert audit_count(db_store, before.id) == entries


def test_two_reviewers_at_the_same_moment_cannot_both_succeed(db_store, db_settings, opened):
    target = case(db_store, "review")
    apply(db_store, db_settings)
    seen = case(db_store, "review").version
    barrier, outcomes = threading.Barrier(2), []

    def reviewer(accept: bool) -> None:
        barrier.wait()
        try:
            outcomes.append(review.decide(target.id, store=db_store, accept=accept, reason="同时 / at once",
                                          by=f"reviewer-{accept}", expected_version=seen))
        except (ConcurrentChange, IllegalTransition, Refused) as err:   # whoever comes second loses, however
            outcomes.append(err)

    threads = [threading.Thread(target=reviewer, args=(flag,)) for flag in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(outcomes) == 2 and len(winners) == 1
    with db_store.reading() as uow:
        events = [e.event for e in uow.audit.for_case(target.id)]
    assert events.count("review_accepted") + events.count("review_rejected") == 1
    assert case(db_store, "review").version == seen + 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_on_postgresql_the_second_of_two_open_transactions_loses(db_store, opened):
    """Two connections read the same version; the second UPDATE waits for the first, then finds nothing."""
    target = case(db_store, "review")
    first, second = db_store.transaction(), db_store.transaction()
    with first, second:
        a, b = first.cases.get(target.id), second.cases.get(target.id)
        assert a.version == b.version
        first.cases.transition(a, State.REJECTED, "first")
        result = []
        waiter = threading.Thread(target=lambda: result.append(_try(second, b)))
        waiter.start()
        waiter.join(1.0)
        assert waiter.is_alive()               # blocked on the row lock of the first transaction
        first.commit()
        waiter.join(30)
        assert isinstance(result[0], ConcurrentChange)
    assert case(db_store, "review").reason == "first"


def _try(uow, seen):
    try:
        return uow.cases.transition(seen, State.IDENTIFIED, "second")
    except ConcurrentChange as err:
        return err
