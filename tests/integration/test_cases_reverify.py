"""Checkpoint 3 on both databases: what changed on the newest data leaves the batch, with both explanations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.builders import uscc
from tests.conftest import CITY, PUBLISHED_ON
from wengang import bootstrap
from wengang.domain.cases import State
from wengang.domain.errors import Refused
from wengang.services import audit, cycles, objections, publicity, reverify

pytestmark = pytest.mark.slow
START = PUBLISHED_ON
AFTER = START + dt.timedelta(days=7)


def case(store, key):
    with store.reading() as uow:
        return uow.cases.find(1, uscc(CITY[key]))




def test_nothing_is_re_verified_before_its_publicity_closed(db_store, db_settings, published, case_city):
    with pytest.raises(Refused, match="closed"):
        reverify.reverify(1, store=db_store, analytics=bootstrap.analytics(db_settings),
                          settings=db_settings, snapshot=case_city["snapshots"][3])


@pytest.mark.parametrize("chunk", [50_000, 1])   # one case a chunk: the same outcome, the same audit
def test_unchanged_passes_changed_leaves_with_both_runs_now_ineligible_is_rejected(db_store, db_settings, published,
                                                                                   case_city, chunk, monkeypatch):
    monkeypatch.setattr(reverify, "CHUNK", chunk)
    publicity.close("C1-P1", store=db_store, closed_on=AFTER, by="clerk")
    newest = case_city["snapshots"][3]
    result = reverify.reverify(1, store=db_store, analytics=bootstrap.analytics(db_settings),
                               settings=db_settings, snapshot=newest, by="checker")
    assert result.unchanged == 1 and len(result.changed) == 2
    assert case(db_store, "eligible").state is State.REVERIFIED
    moved = case(db_store, "changes_amount")
    assert moved.state is State.REVIEW and moved.amount == Decimal("2160.00") and not moved.review_accepted
    assert "1440.00 → eligible 2160.00" in moved.reason
    assert case(db_store, "objected").state is State.REJECTED
    by_case = {c.case_id: c for c in result.changed}
    record = by_case[moved.id]
    assert (record.old_amount, record.new_amount) == (Decimal("1440.00"), Decimal("2160.00"))
    assert record.old_run_id == decided_by(db_store) and record.new_run_id == result.run_id
    explained = reverify.explanations(moved.id, store=db_store, analytics=bootstrap.analytics(db_settings))
    assert len(explained) == 1
    lines = explained[0][1]
    assert lines[0][0] == "决定 decision" and "1,440.00" in lines[0][1] and "2,160.00" in lines[0][2]
    assert len(lines) > 1
    assert audit.verify_log(store=db_store).ok
    with pytest.raises(Refused, match="waiting for re-verification"):
        reverify.reverify(1, store=db_store, analytics=bootstrap.analytics(db_settings),
                          settings=db_settings, snapshot=newest)


def decided_by(store):
    """Round 2 changed nothing for this unit, so its decision is still the one of round 1."""
    return cycles.status(1, store=store).rounds[0].run_id


def test_an_open_objection_holds_its_case_back_until_decided(db_store, db_settings, published, case_city):
    o = objections.add("C1-P1", uscc(CITY["eligible"]), store=db_store, contact="13812345678", text="?",
                       raised_on=START)
    publicity.close("C1-P1", store=db_store, closed_on=AFTER, by="clerk")
    reverify.reverify(1, store=db_store, analytics=bootstrap.analytics(db_settings), settings=db_settings,
                      snapshot=case_city["snapshots"][3])
    assert case(db_store, "eligible").state is State.OBJECTION
    objections.decide(o.id, store=db_store, sustain=False, reason="查无实据", by="investigator")
    again = reverify.reverify(1, store=db_store, analytics=bootstrap.analytics(db_settings),
                              settings=db_settings, snapshot=case_city["snapshots"][3])
    assert again.unchanged == 1 and case(db_store, "eligible").state is State.REVERIFIED
