"""Issue 17, the retention-training subsidy's light touch (POLICIES.md §3): a unit that qualifies is listed for
confirmation, confirms and commits online (an application with its commitment letter), staff check and accept, and
only then is it listed publicly, re-verified and paid — on SQLite and PostgreSQL. A unit that never confirms is never
paid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tests.builders import imported_world, steady_contributions, uscc, write_snapshot
from tests.clocks import on_day
from tests.conftest import ACCOUNT
from wengang.domain.cases import State
from wengang.domain.errors import Refused
from wengang.services import cycles, payments, portal, publicity, reverify, review

AS_OF, START = dt.date(2022, 6, 15), dt.date(2022, 6, 20)
CONFIRMS, SILENT = uscc(71), uscc(72)
LETTER = "本单位确认名单信息并承诺依法履行稳定就业承诺 / we confirm and commit"


def city(folder: Path) -> Path:
    employers = [{"uscc": u, "name": f"留工{n}公司", "industry": "other", "employees": "30", **ACCOUNT}
                 for n, u in enumerate((CONFIRMS, SILENT))]
    contributions = [row for u in (CONFIRMS, SILENT)
                     for row in steady_contributions(u, insured=30, first="2020-12", last="2022-05")]
    flags = [{"uscc": u, "source": "other", "flag": "epidemic_risk_area", "listed_on": "2022-04-10", "removed_on": ""}
             for u in (CONFIRMS, SILENT)]
    return write_snapshot(folder, employers=employers, contributions=contributions, flags=flags, separations=[])


@pytest.fixture
def world(tmp_path, db_url):
    with imported_world(tmp_path, city(tmp_path / "city"), db_url) as found:
        yield found


def confirmation_line(world, cycle: int):
    """The confirmation criterion as the unit's 为什么 page words it."""
    from wengang.web import plain

    store, analytics, _, _ = world
    found = portal.explanation(CONFIRMS, cycle, store=store, analytics=analytics)
    shown = portal.case_progress(CONFIRMS, cycle, store=store)
    return next(line for line in plain.lines(found.reading, shown) if line.criterion == "confirmation")


def test_a_unit_is_paid_only_after_it_confirms_and_staff_accept(world):
    store, analytics, settings, snapshot = world
    with on_day(store, START):
        cycle = cycles.open_cycle("cn-retention-training-2022", AS_OF, store=store, analytics=analytics,
                                  settings=settings, snapshot=snapshot, by="clerk").cycle.id
        with store.reading() as uow:
            first, other = uow.cases.find(cycle, CONFIRMS), uow.cases.find(cycle, SILENT)
        assert (first.state, first.amount, first.reasons) == (State.REVIEW, Decimal("15000.00"), "confirmation_needed")
        with pytest.raises(Refused):                            # staff cannot accept what the unit never confirmed
            review.decide(first.id, store=store, accept=True, reason="核查无误", by="reviewer")
        filed = portal.apply(CONFIRMS, cycle, store=store, analytics=analytics, settings=settings,
                             commitment=LETTER, accepted=True)
        assert filed.case_id == first.id
        assert confirmation_line(world, cycle).verdict[0] == "需人工审核"      # what the unit reads before
        review.decide(first.id, store=store, accept=True, reason="核查无误 / checked", by="reviewer")
        assert confirmation_line(world, cycle).verdict[0] == "已确认, 经审核通过"   # and once accepted
        batch = publicity.start(cycle, store=store, starts_on=START, by="clerk")
    with on_day(store, START + dt.timedelta(days=8)):
        publicity.close(batch.number, store=store, closed_on=START + dt.timedelta(days=8), by="clerk")
        reverify.reverify(cycle, store=store, analytics=analytics, settings=settings, snapshot=snapshot, by="checker")
        made = payments.prepare_batches(cycle, store=store, analytics=analytics, settings=settings, by="clerk")
    with store.reading() as uow:
        paid = {a.uscc: a.amount for a in uow.payments.attempts(case_ids=[first.id, other.id])}
        assert uow.cases.get(first.id).state == State.REVERIFIED
        assert uow.cases.get(other.id).state == State.REVIEW            # never confirmed: never paid
    assert paid == {CONFIRMS: Decimal("15000.00")} and sum(b.entries for b in made.batches) == 1
