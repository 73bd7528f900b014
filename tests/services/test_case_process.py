"""The case process on the in-memory store: open, compare, publicity, objections, close, re-verify."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.clocks import on_day
from tests.services.conftest import AFTER, END, FLAGGED, PACK, START, code, state_of
from wengang.domain.errors import NotFound, Refused
from wengang.services import audit, cycles, objections, publicity, reverify

pytestmark = pytest.mark.services
PHONE = "13812345678"


def test_opening_routes_every_unit_by_its_decision_and_audits_each_case(store, opened):
    expected = {"eligible": "identified", "review": "review", "dispatch": "dispatch-confirmation",
                "no_account": "account-held", "ineligible": "rejected"}
    assert {k: state_of(store, k) for k in expected} == expected
    status = cycles.status(opened, store=store)
    assert status.cases == 8 and [r.round_no for r in status.rounds] == [1]
    with store.reading() as uow:
        events = [e[3] for e in uow.audit.entries()]
    assert events.count("case_opened") == 8 and events[-1] == "cycle_opened"
    assert audit.verify_log(store=store).ok


def test_a_pack_opens_once_and_a_refused_opening_leaves_nothing_behind(store, analytics, settings, opened):
    with pytest.raises(Refused, match="already has a cycle"):
        cycles.open_cycle(PACK, dt.date(2021, 9, 1), store=store, analytics=analytics, settings=settings,
                          snapshot="v1", by="clerk")
    assert len(cycles.list_cycles(store=store)) == 1 and cycles.status(opened, store=store).cases == 8


def test_publicity_waits_for_the_rounds_the_pack_asks_for_and_round_two_drops_the_flagged_unit(
        store, analytics, settings, opened):
    with pytest.raises(Refused, match="2 comparison rounds"), on_day(store, START):
        publicity.start(opened, store=store, starts_on=START, by="clerk")
    assert cycles.status(opened, store=store).batches == []             # the refused start left no list
    result = cycles.compare(opened, store=store, analytics=analytics, settings=settings, snapshot="v2",
                            by="clerk")
    assert (result.round, result.changed, result.moved) == (2, 1, 1)
    with store.reading() as uow:
        flagged = uow.cases.find(opened, code("flagged_later"))
    assert flagged.state.value == "rejected" and FLAGGED in flagged.reason and flagged.run_id == result.run_id
    with pytest.raises(Refused, match="all 2 comparison rounds"):
        cycles.compare(opened, store=store, analytics=analytics, settings=settings, snapshot="v2", by="clerk")


def test_the_list_holds_every_identified_case_for_seven_days_and_a_second_has_nothing_to_list(store, published):
    assert (published.number, published.days, published.starts_on, published.ends_on) == ("C1-P1", 7, START, END)
    assert published.entries == 3
    for key in ("eligible", "objected", "changes_amount"):
        assert state_of(store, key) == "publicity"
    for key, held in (("review", "review"), ("dispatch", "dispatch-confirmation"), ("no_account", "account-held")):
        assert state_of(store, key) == held
    _, rows = publicity.public_rows("C1-P1", store=store)
    assert sorted(r[2] for r in rows) == sorted(code(k) for k in ("eligible", "objected", "changes_amount"))
    with pytest.raises(Refused, match="no identified case"), on_day(store, START):
        publicity.start(published.cycle_id, store=store, starts_on=START, by="clerk")
    assert [b.number for b in cycles.status(1, store=store).batches] == ["C1-P1"]    # the refused batch is gone


def test_a_list_is_never_back_dated(store, analytics, settings, opened):
    cycles.compare(opened, store=store, analytics=analytics, settings=settings, snapshot="v2", by="clerk")
    with pytest.raises(Refused, match="back-dated"), on_day(store, START):
        publicity.start(opened, store=store, starts_on=START - dt.timedelta(days=1), by="clerk")


@pytest.mark.parametrize(("day", "taken"), [(START - dt.timedelta(days=1), False), (START, True), (END, True),
                                            (AFTER, False)])
def test_objections_are_taken_only_within_the_period(store, published, day, taken):
    def raise_it():
        return objections.add("C1-P1", code("objected"), store=store, contact=PHONE, text="没有在岗职工",
                              raised_on=day)
    if taken:
        raised = raise_it()
        assert raised.contact == "138****5678" and state_of(store, "objected") == "objection-raised"
    else:
        with pytest.raises(Refused, match="taken from"):
            raise_it()
        assert state_of(store, "objected") == "publicity"


def test_a_closed_list_refuses_objections_and_closes_only_once_after_its_last_day(store, published):
    with pytest.raises(Refused, match="the period runs to"), on_day(store, END):
        publicity.close("C1-P1", store=store, closed_on=END, by="clerk")
    with pytest.raises(Refused, match="has not come yet"), on_day(store, END):
        publicity.close("C1-P1", store=store, closed_on=AFTER, by="clerk")
    with on_day(store, AFTER):
        closed = publicity.close("C1-P1", store=store, closed_on=AFTER, by="clerk")
        assert (closed.closed_on, closed.closed_by, closed.open_objections) == (AFTER, "clerk", 0)
        with pytest.raises(Refused, match="already closed"):
            publicity.close("C1-P1", store=store, by="clerk")
    with pytest.raises(Refused, match="taken from"):
        objections.add("C1-P1", code("eligible"), store=store, contact=PHONE, text="迟到的异议", raised_on=END)


def test_an_objection_needs_an_entry_of_the_list(store, published):
    with pytest.raises(NotFound, match="not on list"):
        objections.add("C1-P1", code("review"), store=store, contact=PHONE, text="x", raised_on=START)
    with pytest.raises(NotFound, match="no publicity batch"):
        objections.add("C1-P9", code("eligible"), store=store, contact=PHONE, text="x", raised_on=START)


def test_sustained_rejects_the_case_and_moots_the_rest_dismissed_puts_it_back(store, published):
    first = objections.add("C1-P1", code("objected"), store=store, contact=PHONE, text="空壳公司", raised_on=START,
                           objector="张三")
    second = objections.add("C1-P1", code("objected"), store=store, contact="13900001111", text="同上",
                            raised_on=START)
    other = objections.add("C1-P1", code("eligible"), store=store, contact=PHONE, text="?", raised_on=START)
    with pytest.raises(Refused, match="needs a reason"):
        objections.decide(first.id, store=store, sustain=True, reason=" ", by="reviewer")
    decided = objections.decide(first.id, store=store, sustain=True, reason="核实属实", by="reviewer")
    assert (decided.status.value, decided.case_state) == ("sustained", "rejected")
    with pytest.raises(Refused, match="already decided"):
        objections.decide(second.id, store=store, sustain=False, reason="晚了", by="reviewer")
    back = objections.decide(other.id, store=store, sustain=False, reason="不属实", by="reviewer")
    assert back.case_state == "publicity"
    listed = {o.id: o for o in objections.listing("C1-P1", store=store)}
    assert listed[second.id].status.value == "moot" and listed[first.id].contact == "138****5678"
    assert listed[first.id].objector == "张*" and PHONE not in repr(listed[first.id])


def test_nothing_is_re_verified_before_its_list_closed(store, analytics, settings, published):
    with pytest.raises(Refused, match="no publicity batch of this cycle has closed"):
        reverify.reverify(1, store=store, analytics=analytics, settings=settings, snapshot="v3", by="checker")


def test_re_verification_passes_the_unchanged_and_takes_out_the_changed_with_both_runs(store, analytics, settings, published):
    held = objections.add("C1-P1", code("eligible"), store=store, contact=PHONE, text="?", raised_on=START)
    with on_day(store, AFTER):
        publicity.close("C1-P1", store=store, closed_on=AFTER, by="clerk")
    done = reverify.reverify(1, store=store, analytics=analytics, settings=settings, snapshot="v3",
                             by="checker")
    assert state_of(store, "eligible") == "objection-raised"              # an open objection holds its case back
    assert state_of(store, "objected") == "rejected"                      # flagged in v3
    left = {x.uscc: x for x in done.changed}
    assert set(left) == {code("objected"), code("changes_amount")} and done.unchanged == 0
    moved = left[code("changes_amount")]
    assert (moved.old_amount, moved.new_amount) == (1000, 1500) and moved.new_run_id == done.run_id
    with store.reading() as uow:
        case = uow.cases.find(1, code("changes_amount"))
        assert case.amount == 1500 and case.state.value != "re-verified"
        assert [r.new_amount for r in uow.reverifications.of_case(case.id)] == [1500]
    objections.decide(held.id, store=store, sustain=False, reason="不属实", by="reviewer")
    again = reverify.reverify(1, store=store, analytics=analytics, settings=settings, snapshot="v3",
                              by="checker")
    assert again.unchanged == 1 and state_of(store, "eligible") == "re-verified"
