"""A publicity plan on SQLite, PostgreSQL and the fake: planned batches start on their day and never early, only
their cases move, later-identified cases join the next batch to start, a plan cannot be remade once a batch started;
review during publicity (Haikou) on and off."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest

from tests.builders import uscc
from tests.clocks import on_day
from tests.conftest import each_store
from wengang.domain.cases import State
from wengang.domain.errors import Refused
from wengang.domain.ports import NewCase
from wengang.services import jobs, publicity, publicity_plan, review

DAY = dt.date(2021, 10, 8)
AT = dt.datetime(2021, 10, 8, 1, 0)
PACKS = str(__import__("pathlib").Path(__file__).resolve().parents[1] / "packs")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "fake"])
def store(request, tmp_path, monkeypatch):
    """SQLite, PostgreSQL (as tests/conftest.py's db_url empties it) and the in-memory fake; the test packs on the
    policy path (haikou-2021 lets review run during publicity)."""
    monkeypatch.setenv("WENGANG_POLICY_PATH", PACKS)
    yield from each_store(request, tmp_path)


def city(store, pack: str = "beijing-2021") -> int:
    """Twelve cases: odd ones in district 630102, even ones in 460105; 11 and 12 in review; amounts 100 × n; 3, 6, 9
    large (30%), the others small (60%), 10 of unknown size."""
    with store.transaction() as uow:
        cycle_id = uow.cycles.add(program="ui-return", pack=pack, as_of=DAY, snapshot_id="s", run_id="r",
                                  rounds_required=0, opened_by="clerk", opened_at=AT).id
        rows = []
        for n in range(1, 13):
            state = State.REVIEW if n > 10 else State.IDENTIFIED
            rows.append(NewCase("ui-return", cycle_id, uscc(n, "91630102" if n % 2 else "91460105"), f"单位{n}",
                                "review" if n > 10 else "eligible", Decimal(100 * n), 6000 if n % 3 else 3000, "",
                                "r", False, True, False, False, False, state.value, "passed", None, 1,
                                "unknown" if n == 10 else "large" if n % 3 == 0 else "small"))
        uow.cases.insert_many(rows)
        uow.commit()
    return cycle_id


def states(store, cycle_id: int) -> dict[int, str]:
    with store.reading() as uow:
        return {int(c.name[2:]): c.state.value for c in uow.cases.of_cycle(cycle_id)}


def test_batches_start_only_on_their_day_and_move_only_their_cases(store):
    cycle_id = city(store)
    with on_day(store, DAY):
        saved = publicity_plan.plan(cycle_id, store=store, by="district", per=None, first_day=DAY + dt.timedelta(1),
                                    every_days=7, by_user="clerk")
        assert [(p.seq, p.key, p.scheduled_on) for p in saved] == [(1, "460105", DAY + dt.timedelta(1)),
                                                                    (2, "630102", DAY + dt.timedelta(8))]
        with pytest.raises(Refused, match="cannot start early"):
            publicity_plan.start_planned(saved[0].id, store=store, by="clerk")
        assert publicity_plan.start_due(store=store) == ([], [])
        with pytest.raises(Refused, match="has a publicity plan"):
            publicity.start(cycle_id, store=store, by="clerk")       # no way around the plan
    with on_day(store, DAY + dt.timedelta(1)):
        started, passed = publicity_plan.start_due(store=store, by="worker")
        assert passed == [] and [b.starts_on for b in started] == [DAY + dt.timedelta(1)] and started[0].entries == 5
        with pytest.raises(Refused, match="batch 2 is scheduled for 2021-10-16"):
            publicity_plan.start_planned(saved[1].id, store=store)
        shown = publicity_plan.show(cycle_id, store=store)
    now = states(store, cycle_id)
    assert {n for n, s in now.items() if s == "publicity"} == {2, 4, 6, 8, 10}
    assert {n for n, s in now.items() if s == "identified"} == {1, 3, 5, 7, 9}
    assert [(r.state, r.cases, r.due) for r in shown.rows] == [("started", 5, False), ("planned", 5, False)]
    assert shown.rows[1].amount == Decimal("2500.00") and shown.joins == saved[1]
    with store.reading() as uow:
        events = [e[3] for e in uow.audit.entries()]
    assert events.count("publicity_planned") == 1 and events.count("planned_batch_started") == 1


def test_a_plan_is_remade_until_a_batch_starts_then_refused(store):
    cycle_id = city(store)
    with on_day(store, DAY):
        publicity_plan.plan(cycle_id, store=store, by="count", per=4, first_day=DAY, every_days=1)
        again = publicity_plan.plan(cycle_id, store=store, by="size", per=None, first_day=DAY, every_days=3)
        assert [(p.seq, p.key) for p in again] == [(1, "small"), (2, "large"), (3, "unknown")]
        shown = publicity_plan.show(cycle_id, store=store)
        assert [r.cases for r in shown.rows] == [6, 3, 1]                 # by the case's size class; old plan gone
        publicity_plan.start_planned(again[0].id, store=store)
        with pytest.raises(Refused, match="can no longer be made again"):
            publicity_plan.plan(cycle_id, store=store, by="count", per=4, first_day=DAY, every_days=1)
    assert len(publicity_plan.show(cycle_id, store=store).rows) == 3


def test_cases_identified_after_the_plan_join_the_next_batch_to_start_or_a_new_one(store):
    cycle_id = city(store)
    with on_day(store, DAY):
        first, second = publicity_plan.plan(cycle_id, store=store, by="count", per=5, first_day=DAY, every_days=1)
        publicity_plan.start_planned(first.id, store=store)
        with store.transaction() as uow:                     # a later round identifies case 11
            c = uow.cases.find(cycle_id, uscc(11, "91630102"))
            uow.cases.transition(c, State.IDENTIFIED, "accepted")
            uow.commit()
        assert publicity_plan.show(cycle_id, store=store).later == (1, Decimal("1100.00"))
        with pytest.raises(Refused, match="join planned batch 2"):
            publicity_plan.add_batch(cycle_id, store=store)
    with on_day(store, DAY + dt.timedelta(1)):
        batch = publicity_plan.start_planned(second.id, store=store)
        assert batch.entries == 6                              # its five and the latecomer
        with store.transaction() as uow:                     # and case 12 after every batch started
            c = uow.cases.find(cycle_id, uscc(12, "91460105"))
            uow.cases.transition(c, State.IDENTIFIED, "accepted")
            uow.commit()
        added = publicity_plan.add_batch(cycle_id, store=store, by_user="clerk")
        assert (added.seq, added.scheduled_on) == (3, DAY + dt.timedelta(2))    # one day after the last, as planned
    with on_day(store, DAY + dt.timedelta(2)):
        (third,), _ = publicity_plan.start_due(store=store)
    assert third.entries == 1 and states(store, cycle_id)[12] == "publicity"


@pytest.mark.parametrize("pack", ["beijing-2021", "haikou-2021"])
def test_review_runs_during_publicity_only_where_the_pack_says_so(store, pack):
    cycle_id = city(store, pack)
    parallel = pack == "haikou-2021"
    with on_day(store, DAY):
        batch = publicity.start(cycle_id, store=store, by="clerk")
    now = states(store, cycle_id)
    assert batch.entries == (12 if parallel else 10)
    assert now[11] == now[12] == ("review-listed" if parallel else "review")
    if not parallel:
        return
    with store.transaction() as uow:
        for n in (11, 12):
            uow.applications.add(case_id=uow.cases.find(cycle_id, uscc(n, "91630102" if n % 2 else "91460105")).id,
                                 commitment="承诺", commitment_accepted=True, late=False, filed_by="unit",
                                 filed_at=AT, status="pending")
        uow.commit()
    with store.reading() as uow:
        ids = {n: uow.cases.find(cycle_id, uscc(n, "91630102" if n % 2 else "91460105")).id for n in (11, 12)}
    kept = review.decide(ids[11], store=store, accept=True, reason="材料齐全", by="reviewer")
    out = review.decide(ids[12], store=store, accept=False, reason="承诺未履行", by="reviewer")
    assert kept.state is State.PUBLICITY and kept.batch_id == batch.id          # stays on its list
    assert out.state is State.REJECTED                                          # leaves the list


def _worker_looks_once(store) -> int:
    """The worker loop as `wengang worker` runs it, stopped after its first look for scheduled work."""
    stop = threading.Event()

    def due() -> None:
        publicity_plan.start_due(store=store)
        stop.set()
    return jobs.work(store=store, handlers={}, worker="w", stop=stop, poll=0.01, due=due)


def test_the_worker_starts_a_planned_batch_by_itself_on_its_day_and_not_before(store):
    cycle_id = city(store)
    with on_day(store, DAY):
        publicity_plan.plan(cycle_id, store=store, by="count", per=5, first_day=DAY + dt.timedelta(1), every_days=7)
        _worker_looks_once(store)
        assert [r.state for r in publicity_plan.show(cycle_id, store=store).rows] == ["planned", "planned"]
    with on_day(store, DAY + dt.timedelta(1)):
        _worker_looks_once(store)
        shown = publicity_plan.show(cycle_id, store=store)
    assert [r.state for r in shown.rows] == ["started", "planned"] and shown.rows[0].batch.starts_on == DAY + dt.timedelta(1)
