"""Review with data on SQLite and PostgreSQL: the preview changes nothing, confirming moves the case with the new
decision and amount and audits the facts and their evidence; bad input is refused, precisely, and changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from tests.clocks import on_day
from tests.reviewdata import ELIGIBLE, OPENING_UNKNOWN, SIZE_UNKNOWN, open_cycle
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.cases import State
from wengang.domain.errors import ConcurrentChange, Refused
from wengang.services import audit, cycles, publicity, reverify, review, supplied
from wengang.services.explanations import explain_case

STAFF_AND_REVENUE = {"employees": "300", "revenue": "100000000.00"}


@pytest.fixture
def world(db_url, review_city, tmp_path):
    settings = Settings(data_dir=review_city["data_dir"], database_url=db_url, audit_anchor_dir=tmp_path / "anchors")
    store = bootstrap.open_store(settings)
    cycle = open_cycle(store, review_city)
    with store.reading() as uow:
        ids = {u: uow.cases.find(cycle, u).id for u in (SIZE_UNKNOWN, OPENING_UNKNOWN, ELIGIBLE)}
    yield store, bootstrap.analytics(settings), ids
    store.close()


def _case(store, case_id):
    with store.reading() as uow:
        return uow.cases.get(case_id), len(uow.audit.for_case(case_id))


def test_the_preview_shows_the_new_decision_and_changes_nothing(world):
    store, analytics, ids = world
    before = _case(store, ids[SIZE_UNKNOWN])
    assert (before[0].state, before[0].amount) == (State.REVIEW, Decimal("0.00"))
    facts = supplied.supplied_facts(STAFF_AND_REVENUE, "2020年度财务报表 (税务局)")
    made = review.preview(ids[SIZE_UNKNOWN], facts, store=store, analytics=analytics)
    assert (made.decision, made.amount, made.target, made.refusal) == ("eligible", Decimal("720.00"),
                                                                      State.IDENTIFIED, None)   # large: 30% of 2,400
    assert made.lines[0].criterion == "supplied" and "300" in made.lines[0].read
    assert _case(store, ids[SIZE_UNKNOWN]) == before


def test_confirming_moves_the_case_with_the_new_amount_and_audits_the_facts_and_their_evidence(world):
    store, analytics, ids = world
    facts = supplied.supplied_facts({"employees": "300", "revenue": "99999999.99"}, "2020年度财务报表")
    case = review.accept_with_data(ids[SIZE_UNKNOWN], facts, store=store, analytics=analytics, by="reviewer-li",
                                   expected_version=1, expected_amount=Decimal("1440.00"))
    assert (case.state, case.decision, case.amount, case.ratio_units, case.reasons, case.review_accepted) == (
        State.IDENTIFIED, "eligible", Decimal("1440.00"), 6000, "", True)          # medium: 60%
    h = audit.history(case.id, store=store)
    last = h.entries[-1]
    assert (last.event, last.actor, last.from_state, last.to_state) == ("review_with_data", "reviewer-li", "review",
                                                                        "identified")
    data = json.loads(last.data)
    assert data["supplied"] == {"employees": "300", "revenue": "99999999.99"}
    assert data["evidence"] == "2020年度财务报表" and data["before"]["amount"] == "0.00"
    headline, lines = explain_case(case, h.entries, analytics=analytics)
    assert lines[0].criterion == "supplied" and "2020年度财务报表" in lines[0].compared_with
    assert "99,999,999.99" in lines[0].read and "1,440.00" in headline
    size = next(ln for ln in lines if ln.criterion == "size")
    assert "medium" in size.read and "99999999.99" in size.read
    with pytest.raises(Refused, match="only a case in review"):                   # once only
        review.accept_with_data(case.id, facts, store=store, analytics=analytics, by="reviewer-li",
                                expected_version=2)


def test_a_supplied_opening_headcount_that_makes_the_unit_ineligible_rejects_it_saying_so(world):
    store, analytics, ids = world
    facts = supplied.supplied_facts({"opening_insured": "107"}, "2019年12月参保花名册")
    made = review.preview(ids[OPENING_UNKNOWN], facts, store=store, analytics=analytics)
    assert (made.decision, made.amount, made.reasons) == ("ineligible", Decimal("0.00"), "layoff_rate_above_limit")
    case = review.accept_with_data(ids[OPENING_UNKNOWN], facts, store=store, analytics=analytics, by="reviewer-li",
                                   expected_version=1)
    assert (case.state, case.decision, case.amount) == (State.REJECTED, "ineligible", Decimal("0.00"))


def test_a_stale_preview_or_a_case_not_in_review_is_refused(world):
    store, analytics, ids = world
    facts = supplied.supplied_facts(STAFF_AND_REVENUE, "财务报表")
    before = _case(store, ids[SIZE_UNKNOWN])
    with pytest.raises(ConcurrentChange):
        review.accept_with_data(ids[SIZE_UNKNOWN], facts, store=store, analytics=analytics, by="r",
                                expected_version=1, expected_amount=Decimal("1440.00"))
    with pytest.raises(ConcurrentChange):
        review.accept_with_data(ids[SIZE_UNKNOWN], facts, store=store, analytics=analytics, by="r",
                                expected_version=7)
    with pytest.raises(Refused, match="only a case in review"):
        review.preview(ids[ELIGIBLE], facts, store=store, analytics=analytics)
    assert _case(store, ids[SIZE_UNKNOWN]) == before


def test_nothing_supplied_that_decides_leaves_unknown_unknown_and_is_not_accepted(world):
    store, analytics, ids = world
    facts = supplied.supplied_facts({"assets": "5000000"}, "资产负债表")        # software_it never reads assets
    made = review.preview(ids[SIZE_UNKNOWN], facts, store=store, analytics=analytics)
    assert (made.decision, made.amount) == ("review", Decimal("0.00")) and "unknown never pays" in made.refusal
    with pytest.raises(Refused, match="unknown never pays"):
        review.accept_with_data(ids[SIZE_UNKNOWN], facts, store=store, analytics=analytics, by="r",
                                expected_version=1)


@pytest.mark.parametrize(("form", "evidence", "said"), [
    ({"employees": "-3"}, "x", "从业人员数 须为不小于 0 的整数 / staff count must be a whole number, 0 or more"),
    ({"employees": "12.5"}, "x", "staff count must be a whole number"),
    ({"revenue": "1,000"}, "x", "revenue (yuan) must be yuan with at most two decimals"),
    ({"revenue": "10.005"}, "x", "营业收入 (元) 须为元"),
    ({"assets": "1e9"}, "x", "total assets (yuan) must be yuan"),
    ({"size_class": "huge"}, "x", "must be one of large, medium, small, micro"),
    ({"opening_insured": "abc"}, "x", "opening insured headcount must be a whole number"),
    ({}, "x", "请至少补充一项数据 / supply at least one fact"),
    ({"employees": "5"}, "  ", "请写明依据 (文件、来源) / name the evidence"),
])
def test_bad_input_is_refused_with_its_reason_in_chinese_then_english(form, evidence, said):
    with pytest.raises(Refused) as err:
        supplied.supplied_facts(form, evidence)
    assert said in str(err.value)


def test_good_input_is_read_exactly():
    facts = supplied.supplied_facts({"employees": " 0 ", "revenue": "1200000.5", "size_class": "small"}, " 报表 ")
    assert facts.values == {"employees": 0, "revenue": Decimal("1200000.5"), "size_class": "small"}
    assert facts.evidence == "报表"


def test_supplied_facts_hold_in_a_later_round_and_at_re_verification_and_the_unit_is_paid_their_amount(
        world, db_url, review_city):
    store, analytics, ids = world
    settings = Settings(data_dir=review_city["data_dir"], database_url=db_url)
    facts = supplied.supplied_facts({"employees": "300", "revenue": "99999999.99"}, "2020年度财务报表")
    review.accept_with_data(ids[SIZE_UNKNOWN], facts, store=store, analytics=analytics, by="reviewer-li",
                            expected_version=1)
    cycle = _case(store, ids[SIZE_UNKNOWN])[0].cycle_id
    rounds = cycles.compare(cycle, store=store, analytics=analytics, settings=settings, by="clerk")
    after_round, _ = _case(store, ids[SIZE_UNKNOWN])
    assert (after_round.state, after_round.amount, after_round.decision) == (State.IDENTIFIED, Decimal("1440.00"),
                                                                            "eligible")
    assert rounds.round == 2 and _case(store, ids[OPENING_UNKNOWN])[0].state is State.REVIEW   # nothing supplied
    with on_day(store, dt.date(2021, 7, 1)):
        batch = publicity.start(cycle, store=store, by="clerk")
    with on_day(store, dt.date(2021, 7, 9)):
        publicity.close(batch.number, store=store, by="clerk")
        done = reverify.reverify(cycle, store=store, analytics=analytics, settings=settings,
                                 by="reviewer-li")
    case, _ = _case(store, ids[SIZE_UNKNOWN])
    assert (case.state, case.amount) == (State.REVERIFIED, Decimal("1440.00"))
    assert case.id not in {left.case_id for left in done.changed}
