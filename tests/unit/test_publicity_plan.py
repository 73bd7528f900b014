"""The publicity plan as pure code: splits by district, size and count, its days, no early start, no re-plan after
a start; and the moves of review during publicity (Haikou) legal only where the pack says so."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.builders import uscc
from wengang.domain.cases import LISTED, STEPS, State, after_review, allowed, require
from wengang.domain.errors import IllegalTransition, Refused
from wengang.domain.publicity_plan import (
    Entry,
    PlannedBatch,
    extra_day,
    next_to_start,
    replannable,
    rule,
    split,
)

TODAY = dt.date(2021, 10, 8)
S = State


def entries() -> list[Entry]:
    """Seven cases: 1, 3, 5, 7 in district 630102; 2, 4, 6 in 630105; the even ones large, 1 and 5 small, 3 micro,
    7 of a size nobody knows."""
    sizes = {1: "small", 3: "micro", 5: "small", 7: "unknown"}
    return [Entry(n, uscc(n, "91630102" if n % 2 else "91630105"), Decimal(n * 100), sizes.get(n, "large"))
            for n in (7, 3, 1, 5, 2, 6, 4)]


def test_by_district_one_batch_per_district_in_code_order_each_a_day_apart():
    groups = split(entries(), rule("district", None, TODAY, 1, today=TODAY))
    assert [(g.seq, g.key, g.case_ids, g.scheduled_on) for g in groups] == [
        (1, "630102", (1, 3, 5, 7), TODAY), (2, "630105", (2, 4, 6), TODAY + dt.timedelta(days=1))]
    assert [g.amount for g in groups] == [Decimal("1600.00"), Decimal("1200.00")]


def test_a_district_larger_than_per_becomes_several_batches():
    groups = split(entries(), rule("district", 3, TODAY + dt.timedelta(days=2), 7, today=TODAY))
    assert [(g.key, g.case_ids) for g in groups] == [("630102", (1, 3, 5)), ("630102", (7,)), ("630105", (2, 4, 6))]
    assert [g.scheduled_on.day for g in groups] == [10, 17, 24]


def test_by_size_smallest_first_unknown_last_and_by_count_in_case_number_order():
    by_size = split(entries(), rule("size", None, TODAY, 0, today=TODAY))
    assert [(g.key, g.case_ids) for g in by_size] == [("micro", (3,)), ("small", (1, 5)), ("large", (2, 4, 6)),
                                                      ("unknown", (7,))]
    assert {g.scheduled_on for g in by_size} == {TODAY}          # 0 days apart: all on the first day
    by_count = split(entries(), rule("count", 3, None, 2, today=TODAY))
    assert [g.case_ids for g in by_count] == [(1, 2, 3), (4, 5, 6), (7,)]
    assert sum(len(g.case_ids) for g in by_count) == 7 and [g.key for g in by_count] == ["", "", ""]


@pytest.mark.parametrize(("args", "words"), [
    (("region", None, TODAY, 1), "split by district, size or count"),
    (("count", None, TODAY, 1), "needs how many cases"),
    (("count", 0, TODAY, 1), "1 to 1,000,000"),
    (("district", None, TODAY, -1), "0 to 90"),
    (("district", None, TODAY, 91), "0 to 90"),
    (("district", None, TODAY - dt.timedelta(days=1), 1), "cannot be back-dated"),
])
def test_a_bad_rule_is_refused_in_words(args, words):
    with pytest.raises(Refused, match=words):
        rule(*args, today=TODAY)
    assert rule("count", 1, TODAY, 90, today=TODAY).every_days == 90         # both edges accepted


def planned(seq: int, day: dt.date, started: bool = False, gap: int = 7) -> PlannedBatch:
    return PlannedBatch(seq, 1, seq, "district", "630102", day, gap, seq if started else None, "clerk",
                        dt.datetime(2021, 10, 8))


def test_a_planned_batch_starts_on_its_day_or_later_never_early_and_once():
    p = planned(1, TODAY)
    p.may_start(TODAY)
    p.may_start(TODAY + dt.timedelta(days=3))
    assert p.due(TODAY) and not p.due(TODAY - dt.timedelta(days=1))
    with pytest.raises(Refused, match="cannot start early"):
        p.may_start(TODAY - dt.timedelta(days=1))
    with pytest.raises(Refused, match="has started already"):
        planned(1, TODAY, started=True).may_start(TODAY)


def test_replanning_is_refused_once_a_batch_started_and_latecomers_join_the_next_to_start():
    waiting = [planned(1, TODAY), planned(2, TODAY + dt.timedelta(days=7))]
    replannable(waiting)
    with pytest.raises(Refused, match="planned batch 1 has started"):
        replannable([planned(1, TODAY, started=True), waiting[1]])
    assert next_to_start(waiting) == waiting[0]
    assert next_to_start([planned(1, TODAY, started=True), waiting[1]]) == waiting[1]
    done = [planned(1, TODAY, started=True), planned(2, TODAY + dt.timedelta(days=7), started=True)]
    assert next_to_start(done) is None
    assert extra_day(done, TODAY) == TODAY + dt.timedelta(days=14)           # the plan's rhythm after its last day
    assert extra_day(done, TODAY + dt.timedelta(days=30)) == TODAY + dt.timedelta(days=30)   # never before today


def test_review_goes_on_the_list_only_where_the_pack_says_so():
    assert not allowed(S.REVIEW, S.REVIEW_LISTED)
    with pytest.raises(IllegalTransition):
        require(S.REVIEW, S.REVIEW_LISTED)
    assert require(S.REVIEW, S.REVIEW_LISTED, review_during_publicity=True) is S.REVIEW_LISTED
    assert not allowed(S.IDENTIFIED, S.REVIEW_LISTED, review_during_publicity=True)   # the flag adds only this move
    assert not allowed(S.REVIEW, S.PUBLICITY, review_during_publicity=True)
    assert S.REVIEW_LISTED in LISTED


def test_a_review_decided_during_publicity_stays_on_the_list_or_leaves_it():
    assert after_review(S.REVIEW_LISTED, S.IDENTIFIED) is S.PUBLICITY
    assert after_review(S.REVIEW_LISTED, S.DISPATCH) is S.DISPATCH          # another gate: off the list
    assert after_review(S.REVIEW, S.IDENTIFIED) is S.IDENTIFIED
    for target in (S.PUBLICITY, S.REJECTED, S.DISPATCH, S.ACCOUNT_HELD):
        assert allowed(S.REVIEW_LISTED, target)
    assert not allowed(S.REVIEW_LISTED, S.REVERIFIED)                       # an open review is never payable
    assert not allowed(S.REVIEW_LISTED, S.IDENTIFIED)
    assert any(S.REVIEW_LISTED in s.sources and s.on_case for s in STEPS)


def test_an_accepted_review_with_an_objection_open_waits_for_it_and_the_objection_is_a_step_of_the_case():
    assert after_review(S.REVIEW_LISTED, S.IDENTIFIED, objected=True) is S.OBJECTION
    assert after_review(S.REVIEW_LISTED, S.DISPATCH, objected=True) is S.DISPATCH    # the service refuses this one
    assert after_review(S.REVIEW, S.IDENTIFIED, objected=True) is S.IDENTIFIED       # not on a list: no objection
    assert allowed(S.REVIEW_LISTED, S.OBJECTION) and allowed(S.OBJECTION, S.PUBLICITY)
    decide = [s for s in STEPS if s.key == "objection.decide" and S.REVIEW_LISTED in s.sources]
    assert decide and decide[0].on_case and S.REJECTED in decide[0].targets
