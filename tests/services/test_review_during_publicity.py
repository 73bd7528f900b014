"""Review during publicity (Haikou, "边公示边审核") on the in-memory store: a case in review goes on the list, its
review is decided while the list is up, and re-verification holds an undecided one back in words; off elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clocks import on_day
from tests.services.conftest import AFTER, AS_OF, START, code, state_of
from wengang.services import cycles, evaluation, publicity, reverify, review

pytestmark = pytest.mark.services
PACKS = Path(__file__).resolve().parents[1] / "packs"


@pytest.fixture
def haikou(store, analytics, settings, monkeypatch) -> int:
    """A haikou-2021 cycle (a test pack: review during publicity on) opened on v1, its list C1-P1 from START."""
    monkeypatch.setenv("WENGANG_POLICY_PATH", str(PACKS))
    first = evaluation.evaluate("v1", "haikou-2021", AS_OF, analytics=analytics, settings=settings)
    cycle_id = cycles.open_from_decided(first.decided, store=store, pack_id="haikou-2021", as_of=AS_OF,
                                        snapshot_id="v1", run_id=first.summary.id, by="clerk").cycle.id
    with on_day(store, START):
        publicity.start(cycle_id, store=store, starts_on=START, by="clerk")
    return cycle_id


def close_and_reverify(store, analytics, settings, cycle_id: int):
    with on_day(store, AFTER):
        with store.reading() as uow:
            open_ = [b.number for b in uow.publicity_batches.of_cycle(cycle_id) if b.is_open]
        for number in open_:
            publicity.close(number, store=store, closed_on=AFTER, by="clerk")
        return reverify.reverify(cycle_id, store=store, analytics=analytics, settings=settings, snapshot="v1",
                                 by="checker")


def case_id(store, key: str, cycle_id: int) -> int:
    with store.reading() as uow:
        return uow.cases.find(cycle_id, code(key)).id


def test_an_open_review_is_not_payable_and_an_accepted_one_proceeds(store, analytics, settings, haikou):
    assert state_of(store, "review", haikou) == "review-listed"
    done = close_and_reverify(store, analytics, settings, haikou)
    assert done.in_review == 1 and "still in review: not payable" in done.waiting
    assert state_of(store, "review", haikou) == "review-listed"              # waits; never re-verified
    assert state_of(store, "eligible", haikou) == "re-verified"
    review.apply(haikou, code("review"), store=store, analytics=analytics, settings=settings, commitment="承诺",
                 accepted=True, by="unit")
    accepted = review.decide(case_id(store, "review", haikou), store=store, accept=True, reason="材料齐全",
                             by="reviewer")
    assert accepted.state.value == "publicity"                               # on its (closed) list already
    again = close_and_reverify(store, analytics, settings, haikou)
    assert again.in_review == 0 and again.unchanged == 1 and state_of(store, "review", haikou) == "re-verified"


def test_without_the_pack_saying_so_review_comes_before_publicity(store, opened, analytics, settings):
    cycles.compare(opened, store=store, analytics=analytics, settings=settings, snapshot="v2", by="clerk")
    with on_day(store, START):
        publicity.start(opened, store=store, starts_on=START, by="clerk")
    assert state_of(store, "review", opened) == "review"
