"""An objection to a unit in review while on a list (Haikou, "边公示边审核") on SQLite, PostgreSQL and the fake: it is
recorded and the case stays in review; sustained → rejected, dismissed → still in review; a review accepted while it
is open waits for it (objection state) and re-verification holds the case back until it is decided; a review
rejected while it is open leaves it moot, so the objection desk has nothing left to decide."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tests.builders import uscc
from tests.clocks import on_day
from tests.conftest import each_store
from tests.services.conftest import AFTER, AS_OF, START, FakeAnalytics, code
from wengang.config import Settings
from wengang.domain.cases import State
from wengang.domain.errors import IllegalTransition, Refused
from wengang.domain.ports import NewCase
from wengang.domain.process import ObjectionStatus
from wengang.services import audit, cycles, evaluation, objections, publicity, reverify, review

PACKS = str(Path(__file__).resolve().parents[1] / "packs")
LIST = "C1-P1"
DISPATCHED = uscc(20)          # a labour-dispatch firm routed to review: an accepted review takes it off the list


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "fake"])
def store(request, tmp_path, monkeypatch):
    """The haikou-2021 test pack (review during publicity on) on the policy path; each store kind."""
    monkeypatch.setenv("WENGANG_POLICY_PATH", PACKS)
    yield from each_store(request, tmp_path)


@pytest.fixture
def analytics() -> FakeAnalytics:
    return FakeAnalytics()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "var")


@pytest.fixture
def listed(store, analytics, settings) -> int:
    """A haikou-2021 cycle on v1 and its list C1-P1 from START: the review unit (and a dispatch firm in review) on it
    in review; each of the two has applied."""
    first = evaluation.evaluate("v1", "haikou-2021", AS_OF, analytics=analytics, settings=settings)
    cycle_id = cycles.open_from_decided(first.decided, store=store, pack_id="haikou-2021", as_of=AS_OF,
                                        snapshot_id="v1", run_id=first.summary.id, by="clerk").cycle.id
    with store.transaction() as uow:
        uow.cases.insert_many([NewCase("ui-return", cycle_id, DISPATCHED, "派遣有限公司", "review", Decimal("300.00"),
                                       6000, "", first.summary.id, True, True, False, False, False,
                                       State.REVIEW.value, "routed to review", None, 1, "small")])
        uow.commit()
    with on_day(store, START):
        publicity.start(cycle_id, store=store, starts_on=START, by="clerk")
    for unit in (code("review"), DISPATCHED):
        review.apply(cycle_id, unit, store=store, analytics=analytics, settings=settings, commitment="承诺书",
                     accepted=True, by="unit")
    return cycle_id


def case_of(store, cycle_id: int, unit: str = ""):
    with store.reading() as uow:
        return uow.cases.find(cycle_id, unit or code("review"))


def object_to(store, unit: str = "") -> objections.Raised:
    return objections.add(LIST, unit or code("review"), store=store, contact="13812345678", text="该单位已停业",
                          raised_on=START + dt.timedelta(days=1))


def events(store, case_id: int) -> list[str]:
    return [e.event for e in audit.history(case_id, store=store).entries]


def test_the_public_may_object_to_a_unit_in_review_on_the_list_and_the_case_stays_in_review(store, listed):
    assert case_of(store, listed).state is State.REVIEW_LISTED
    raised = object_to(store)
    assert (raised.batch, raised.contact) == (LIST, "138****5678")             # the answer any listed unit gets
    case = case_of(store, listed)
    assert case.state is State.REVIEW_LISTED and raised.case_id == case.id
    assert events(store, case.id)[-1] == "objection_raised"
    shown = objections.listing(LIST, store=store)
    assert [(o.id, o.status, o.case_state) for o in shown] == [(raised.id, ObjectionStatus.OPEN, "review-listed")]
    with store.reading() as uow:
        assert uow.objections.count_open(case.batch_id) == 1
        assert [o.id for o in uow.objections.open_of_cases([case.id, case.id + 999])] == [raised.id]


def test_sustained_rejects_the_case_in_review_with_the_objection_s_reason(store, listed):
    raised = object_to(store)
    made = objections.decide(raised.id, store=store, sustain=True, reason="核实已停业", by="reviewer")
    case = case_of(store, listed)
    assert made.case_state == "rejected" and case.state is State.REJECTED
    assert "objection sustained: 核实已停业" in case.reason
    apps = audit.history(case.id, store=store).applications
    assert [a.status.value for a in apps] == ["rejected"]          # no application left waiting on a case that is out
    with pytest.raises(IllegalTransition):                          # the review is over with it
        review.decide(case.id, store=store, accept=True, reason="材料齐全", by="reviewer")


def test_dismissed_leaves_the_case_in_review(store, listed):
    raised = object_to(store)
    made = objections.decide(raised.id, store=store, sustain=False, reason="核实正常经营", by="reviewer")
    case = case_of(store, listed)
    assert made.case_state == "review-listed" and case.state is State.REVIEW_LISTED
    assert events(store, case.id)[-1] == "objection_dismissed"
    accepted = review.decide(case.id, store=store, accept=True, reason="材料齐全", by="reviewer")
    assert accepted.state is State.PUBLICITY                       # nothing open: back on its list as usual


def test_accepted_with_an_objection_open_waits_for_it_and_re_verification_holds_it(store, listed, analytics,
                                                                                   settings):
    raised = object_to(store)
    case_id = case_of(store, listed).id
    accepted = review.decide(case_id, store=store, accept=True, reason="材料齐全", by="reviewer")
    assert accepted.state is State.OBJECTION and f"#{raised.id}" in accepted.reason
    with on_day(store, AFTER):
        publicity.close(LIST, store=store, closed_on=AFTER, by="clerk")
        done = reverify.reverify(listed, store=store, analytics=analytics, settings=settings, snapshot="v1",
                                 by="checker")
    assert case_of(store, listed).state is State.OBJECTION          # held back, as any case with an open objection
    assert case_of(store, listed, code("eligible")).state is State.REVERIFIED and done.unchanged >= 1
    made = objections.decide(raised.id, store=store, sustain=False, reason="核实正常经营", by="reviewer")
    assert made.case_state == "publicity"
    with on_day(store, AFTER):
        again = reverify.reverify(listed, store=store, analytics=analytics, settings=settings, snapshot="v1",
                                  by="checker")
    assert again.unchanged == 1 and case_of(store, listed).state is State.REVERIFIED


def test_an_open_objection_holds_a_review_listed_case_back_from_re_verification(store, listed, analytics, settings):
    object_to(store)
    with on_day(store, AFTER):
        publicity.close(LIST, store=store, closed_on=AFTER, by="clerk")
        done = reverify.reverify(listed, store=store, analytics=analytics, settings=settings, snapshot="v1",
                                 by="checker")
    assert done.in_review == 2 and case_of(store, listed).state is State.REVIEW_LISTED


def test_rejected_in_review_makes_the_open_objection_moot_in_words(store, listed):
    raised = object_to(store)
    case_id = case_of(store, listed).id
    out = review.decide(case_id, store=store, accept=False, reason="承诺未履行", by="reviewer")
    assert out.state is State.REJECTED
    (objection,) = audit.history(case_id, store=store).objections
    assert objection.id == raised.id and objection.status is ObjectionStatus.MOOT
    assert objection.decision_reason == "审核不通过, 案件已不予返还 / the review rejected the case: 承诺未履行"
    with store.reading() as uow:
        assert uow.objections.count_open(out.batch_id) == 0         # nothing left waiting at the objection desk
    with pytest.raises(Refused, match="already decided"):
        objections.decide(raised.id, store=store, sustain=True, reason="迟到的决定", by="reviewer")


def test_an_accepted_review_may_not_take_a_case_with_an_open_objection_off_the_list(store, listed):
    object_to(store, DISPATCHED)
    dispatched = case_of(store, listed, DISPATCHED)
    with pytest.raises(Refused, match="decide the objection first"):
        review.decide(dispatched.id, store=store, accept=True, reason="材料齐全", by="reviewer")
    assert case_of(store, listed, DISPATCHED).state is State.REVIEW_LISTED
