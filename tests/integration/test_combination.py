"""Issue 17, combination rules: the general and the difficult-enterprise return pay a unit once a year between them
(the larger by default), enforced when a cycle opens and again before payment, on SQLite and PostgreSQL; the unit is
told why in words. The packs say so (`combination:` in cn-2019, inherited by both families)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.builders import imported_world, steady_contributions, uscc, write_snapshot
from tests.clocks import on_day
from tests.conftest import ACCOUNT
from wengang.domain.cases import State
from wengang.services import cycles, payments, publicity, reverify
from wengang.services.snapshots import import_folder
from wengang.web.words import reason_words

PACKS = Path(__file__).resolve().parents[1] / "packs"
AS_OF = dt.date(2019, 7, 1)
BOTH, GENERAL_ONLY, PENDING = uscc(1), uscc(2), uscc(3)   # certified (both programmes); not certified; region unset
START = dt.date(2019, 7, 8)


def city(folder: Path) -> Path:
    employers = [{"uscc": u, "name": f"单位{n}", "industry": "other", "employees": "20", "region": region, **ACCOUNT}
                 for n, (u, region) in enumerate(((BOTH, "610104"), (GENERAL_ONLY, "610104"), (PENDING, "110105")))]
    contributions = [row for u in (BOTH, GENERAL_ONLY, PENDING)
                     for row in steady_contributions(u, insured=20, first="2017-12", last="2019-06")]
    flags = [{"uscc": u, "source": "hrss", "flag": "difficulty_certified", "listed_on": "2019-01-01", "removed_on": ""}
             for u in (BOTH, PENDING)]
    return write_snapshot(folder, employers=employers, contributions=contributions, flags=flags, separations=[])


@pytest.fixture
def world(tmp_path, db_url, monkeypatch):
    monkeypatch.setenv("WENGANG_POLICY_PATH", str(PACKS))
    with imported_world(tmp_path, city(tmp_path / "city"), db_url) as found:
        yield found


def open_(world, pack: str) -> int:
    store, analytics, settings, snapshot = world
    return cycles.open_cycle(pack, AS_OF, store=store, analytics=analytics, settings=settings, snapshot=snapshot,
                             by="clerk").cycle.id


def case(store, cycle_id: int, unit: str):
    with store.reading() as uow:
        return uow.cases.find(cycle_id, unit)


def to_reverified(world, cycle_id: int) -> None:
    """The ordinary path (the national pack asks for one comparison round): a list, its close after the period,
    re-verification."""
    store, analytics, settings, snapshot = world
    with on_day(store, START):
        batch = publicity.start(cycle_id, store=store, starts_on=START, by="clerk")
    with on_day(store, START + dt.timedelta(days=8)):
        publicity.close(batch.number, store=store, closed_on=START + dt.timedelta(days=8), by="clerk")
        reverify.reverify(cycle_id, store=store, analytics=analytics, settings=settings, snapshot=snapshot,
                          by="checker")


def test_the_larger_case_keeps_the_money_whichever_cycle_opens_first(world):
    store = world[0]
    general = open_(world, "cn-2019")
    assert case(store, general, BOTH).state == State.IDENTIFIED
    difficult = open_(world, "xian-difficult-2019")                 # 183,600.00 > the general return's amount
    kept, gave_way = case(store, difficult, BOTH), case(store, general, BOTH)
    assert kept.state == State.IDENTIFIED and kept.amount == Decimal("183600.00")
    assert gave_way.state == State.REJECTED and "combination:difficult-return" in gave_way.reasons
    assert gave_way.amount < kept.amount
    assert reason_words("combination:difficult-return")[0] == "同一年度只能享受其一, 已按较高金额享受「困难企业稳岗返还」"
    assert case(store, general, GENERAL_ONLY).state == State.IDENTIFIED     # no rival: untouched
    with store.reading() as uow:
        entries = [e for e in uow.audit.for_case(gave_way.id) if e.event == "case_combined"]
    assert len(entries) == 1 and json.loads(entries[0].data)["kept_case"] == kept.id


def test_only_the_units_with_a_case_in_both_cycles_are_read_for_the_rule(world, tmp_path):
    store, analytics, settings, _ = world
    general = open_(world, "cn-2019")
    fewer = city(tmp_path / "fewer")                  # the difficult cycle opened on a snapshot without one unit
    for name in ("employers", "contributions"):
        path = fewer / f"{name}.csv"
        path.write_text("".join(line for line in path.read_text().splitlines(keepends=True)
                                if GENERAL_ONLY not in line))
    snapshot = import_folder(fewer, analytics=analytics, settings=settings).snapshot.id
    difficult = cycles.open_cycle("xian-difficult-2019", AS_OF, store=store, analytics=analytics, settings=settings,
                                  snapshot=snapshot, by="clerk").cycle.id
    with store.reading() as uow:
        units = {cyc: {c.uscc: c.id for c in uow.cases.of_cycle(cyc)} for cyc in (general, difficult)}
        shared = uow.cases.shared_units(general, [difficult])
    both = units[general].keys() & units[difficult].keys()
    assert both and units[general].keys() - both                    # some units are in one cycle only
    assert sorted((cyc, c.id) for cyc, c in shared) == sorted(
        (cyc, units[cyc][u]) for cyc in (general, difficult) for u in both)
    assert all(c.uscc in both for _, c in shared)


def test_opened_the_other_way_round_the_smaller_one_is_rejected_as_it_opens(world):
    store = world[0]
    difficult = open_(world, "xian-difficult-2019")
    general = open_(world, "cn-2019")
    assert case(store, general, BOTH).state == State.REJECTED
    assert case(store, difficult, BOTH).state == State.IDENTIFIED


def test_a_case_in_review_decides_nothing_at_opening_and_gives_way_to_a_payment_prepared(world):
    store = world[0]
    general = open_(world, "cn-2019")
    difficult = open_(world, "xian-difficult-2019")
    assert case(store, difficult, PENDING).state == State.REVIEW         # its region's standard not known yet
    assert case(store, general, PENDING).state == State.IDENTIFIED       # so nothing is decided when it opens
    to_reverified(world, general)
    store_, analytics, settings, _ = world
    made = payments.prepare_batches(general, store=store, analytics=analytics, settings=settings, by="clerk")
    assert made.batches
    with store.transaction() as uow:                 # stands for a review accepted and a re-verification passed
        uow.cases.move_each([(case(store, difficult, PENDING).id, State.REVIEW, State.REVERIFIED)], "test")
        uow.commit()
    payments.prepare_batches(difficult, store=store, analytics=analytics, settings=settings, by="clerk")
    assert case(store, difficult, PENDING).state == State.REJECTED
    assert "combination:ui-return" in case(store, difficult, PENDING).reasons
    with store.reading() as uow:                     # never paid twice: one live payment for the unit
        ids = [case(store, c, PENDING).id for c in (general, difficult)]
        live = [a for a in uow.payments.attempts(case_ids=ids) if a.status != "cancelled"]
    assert [a.case_id for a in live] == [ids[0]]


def test_a_unit_whose_smaller_case_is_already_in_a_batch_keeps_it_and_the_larger_gives_way(world):
    store, analytics, settings, _ = world
    general = open_(world, "cn-2019")
    to_reverified(world, general)
    payments.prepare_batches(general, store=store, analytics=analytics, settings=settings, by="clerk")
    with store.transaction() as uow:                 # money committed: approved for payment
        uow.cases.move_each([(case(store, general, BOTH).id, State.REVERIFIED, State.APPROVED)], "test")
        uow.commit()
    difficult = open_(world, "xian-difficult-2019")
    assert case(store, difficult, BOTH).state == State.REJECTED          # the larger, but too late: never twice
    assert case(store, general, BOTH).state == State.APPROVED
