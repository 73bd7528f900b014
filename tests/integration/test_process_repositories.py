"""The case process's typed repositories on both databases: records in and out as domain types, lists found by
number or id, and decisions stored only once (a stale second one is told, not applied)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wengang.domain.errors import NotFound
from wengang.domain.process import (
    UNSAVED,
    ApplicationStatus,
    ObjectionStatus,
    PublicityBatch,
    Reverification,
)

pytestmark = pytest.mark.slow
START, END = dt.date(2021, 10, 8), dt.date(2021, 10, 14)
AT = dt.datetime(2021, 10, 8, 1, 30)


def first_case(uow):
    return next(iter(uow.cases.of_cycle(1, limit=1)))


def test_a_batch_is_found_by_number_or_id_and_closes_only_once(db_store, opened):
    with db_store.transaction() as uow:
        made = uow.publicity_batches.add(cycle_id=1, number="C1-P1", starts_on=START, ends_on=END, days=7,
                                         entries=0, started_by="clerk", started_at=AT)
        uow.publicity_batches.set_entries(made.id, 3)
        uow.commit()
    with db_store.transaction() as uow:
        batch = uow.publicity_batches.by_ref("C1-P1", lock=True)
        assert isinstance(batch, PublicityBatch) and batch.entries == 3 and batch.is_open
        assert uow.publicity_batches.by_ref(str(batch.id)) == batch == uow.publicity_batches.get(batch.id)
        assert uow.publicity_batches.of_cycle(1) == [batch] == uow.publicity_batches.all()
        with pytest.raises(NotFound, match="no publicity batch 'C9-P9'"):
            uow.publicity_batches.by_ref("C9-P9")
        with pytest.raises(NotFound, match="no publicity batch 999"):
            uow.publicity_batches.by_ref("999")
        closed = batch.close(None, today=END + dt.timedelta(days=1), by="clerk")
        assert uow.publicity_batches.save_closing(closed)
        assert not uow.publicity_batches.save_closing(closed)        # already closed: nothing stored twice
        uow.commit()
    with db_store.reading() as uow:
        assert uow.publicity_batches.get(batch.id) == closed


def test_an_objection_is_decided_once_and_a_stale_second_decision_is_not_stored(db_store, opened):
    with db_store.transaction() as uow:
        batch = uow.publicity_batches.add(cycle_id=1, number="C1-P1", starts_on=START, ends_on=END, days=7,
                                          entries=1, started_by="clerk", started_at=AT)
        case = first_case(uow)
        made = uow.objections.add(batch_id=batch.id, case_id=case.id, objector=None, contact="13812345678",
                                  text="?", raised_on=START, raised_at=AT, status=ObjectionStatus.OPEN)
        uow.commit()
    assert made.status is ObjectionStatus.OPEN and made.decided_by is None
    with db_store.transaction() as uow:
        seen = uow.objections.get(made.id)
        assert uow.objections.of_batch(batch.id) == [seen] == uow.objections.open_of_case(case.id)
        assert uow.objections.count_open(batch.id) == 1
        assert uow.objections.save_decision(seen.decide(sustain=False, by="a", at=AT, reason="查无实据"))
        assert not uow.objections.save_decision(seen.decide(sustain=True, by="b", at=AT, reason="late"))
        uow.commit()
    with db_store.reading() as uow:
        stored = uow.objections.get(made.id)
        assert (stored.status, stored.decided_by) == (ObjectionStatus.DISMISSED, "a")
        assert uow.objections.open_of_case(case.id) == [] and uow.objections.count_open(batch.id) == 0
        with pytest.raises(NotFound, match="no objection 999"):
            uow.objections.get(999)


def test_an_application_is_decided_once(db_store, opened):
    with db_store.transaction() as uow:
        case = first_case(uow)
        filed = uow.applications.add(case_id=case.id, commitment="承诺", commitment_accepted=True, late=False,
                                     filed_by="unit", filed_at=AT, status=ApplicationStatus.PENDING)
        assert uow.applications.of_case(case.id) == [filed] and filed.is_pending
        assert uow.applications.save_decision(filed.decide(accept=True, by="r", at=AT, reason="ok"))
        assert not uow.applications.save_decision(filed.decide(accept=False, by="s", at=AT, reason="late"))
        uow.commit()
    with db_store.reading() as uow:
        [stored] = uow.applications.of_case(case.id)
    assert (stored.status, stored.decided_by, stored.decision_reason) == (ApplicationStatus.ACCEPTED, "r", "ok")


def test_re_verifications_are_stored_in_bulk_with_exact_money(db_store, opened):
    with db_store.transaction() as uow:
        case = first_case(uow)
        rows = [Reverification(UNSAVED, 1, case.id, "run-a", "run-b", "eligible", "eligible", Decimal("1440.00"),
                               Decimal("2160.01"), "", "review", AT),
                Reverification(UNSAVED, 1, case.id, "run-b", "run-c", "eligible", None, Decimal("2160.01"), None,
                               None, "rejected", AT)]
        assert uow.reverifications.add_many(rows) == 2 and uow.reverifications.add_many([]) == 0
        uow.commit()
    with db_store.reading() as uow:
        stored = uow.reverifications.of_case(case.id)
    assert [r.id for r in stored] != [UNSAVED, UNSAVED] and len({r.id for r in stored}) == 2
    assert [(r.new_amount, r.outcome) for r in stored] == [(Decimal("2160.01"), "review"), (None, "rejected")]
    assert all(isinstance(r.old_amount, Decimal) for r in stored)
