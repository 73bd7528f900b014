"""Cancelling a cycle on SQLite and PostgreSQL: every open case ends as not paid with the reason, audited in the
chain; refused once a payment batch is approved (money moved) or while one waits; the database keeps one live cycle
per programme and pack and a reason on every cancelled one, so a cancelled cycle can be opened again."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from tests.conftest import AS_OF, PACK
from wengang import bootstrap
from wengang.adapters.db.tables import cycles as cycle_table
from wengang.domain.errors import Refused
from wengang.services import audit, cycles, payments

pytestmark = pytest.mark.slow
AT = dt.datetime(2021, 10, 1, 2, 0)


def states(store, cycle_id: int) -> dict[str, int]:
    return {s: n for s, (n, _) in cycles.status(cycle_id, store=store).counts.items()}


def test_cancel_closes_every_open_case_audited_and_the_cycle_opens_again(db_store, opened, case_city):
    cycle_id = opened.cycle.id
    before = states(db_store, cycle_id)
    closed = cycles.cancel(cycle_id, store=db_store, reason="  快照选错 / wrong snapshot ", by="clerk")
    assert closed == sum(before.values()) - before["rejected"]
    assert states(db_store, cycle_id) == {"rejected": sum(before.values())}
    with db_store.reading() as uow:
        cycle = uow.cycles.get(cycle_id)
        reasons = {c.reason for c in uow.cases.of_cycle(cycle_id) if c.decision != "ineligible"}
        trail = [e for e in uow.audit.entries() if e[3] in ("case_closed", "cycle_cancelled")]
    assert cycle.cancelled_by == "clerk" and cycle.cancel_reason == "快照选错 / wrong snapshot"
    assert reasons == {"周期已撤销, 不予返还 / the cycle was cancelled: 快照选错 / wrong snapshot"}
    assert len(trail) == closed + 1 and audit.verify_log(store=db_store).ok
    with pytest.raises(Refused, match="已撤销"):
        cycles.cancel(cycle_id, store=db_store, reason="again", by="clerk")
    run = case_city["v1"]
    again = cycles.open_from_decided(run.decided, store=db_store, pack_id=PACK, as_of=AS_OF,
                                     snapshot_id=run.summary.snapshot_id, run_id=run.summary.id, by="clerk")
    assert again.cycle.id != cycle_id and again.cases == sum(before.values())
    with pytest.raises(Refused, match="已有周期"):
        cycles.open_from_decided(run.decided, store=db_store, pack_id=PACK, as_of=AS_OF,
                                 snapshot_id=run.summary.snapshot_id, run_id=run.summary.id, by="clerk")


def test_a_cancel_without_a_reason_changes_nothing(db_store, opened):
    before = states(db_store, opened.cycle.id)
    with pytest.raises(Refused, match="撤销原因"):
        cycles.cancel(opened.cycle.id, store=db_store, reason="  ", by="clerk")
    assert states(db_store, opened.cycle.id) == before


def test_the_database_keeps_one_live_cycle_and_a_reason_on_each_cancelled(db_store):
    row = dict(program="p", pack=PACK, as_of=AS_OF, snapshot_id="s", run_id="r", rounds_required=1,
               opened_by="clerk", opened_at=AT)
    with db_store.engine.begin() as conn:
        first = conn.execute(insert(cycle_table).values(**row).returning(cycle_table.c.id)).scalar_one()
    with pytest.raises(IntegrityError), db_store.engine.begin() as conn:
        conn.execute(insert(cycle_table).values(**row))                        # two live cycles
    with pytest.raises(IntegrityError), db_store.engine.begin() as conn:
        conn.execute(update(cycle_table).where(cycle_table.c.id == first).values(cancelled_at=AT))   # no reason
    with db_store.engine.begin() as conn:
        conn.execute(update(cycle_table).where(cycle_table.c.id == first).values(
            cancelled_at=AT, cancelled_by="clerk", cancel_reason="wrong data"))
        conn.execute(insert(cycle_table).values(**row))                        # the cancelled one steps aside


def test_cancel_is_refused_while_a_batch_waits_and_once_money_moved(pay_store, pay_settings, reverified):
    cycle_id = reverified
    made = payments.prepare_batches(cycle_id, store=pay_store, analytics=bootstrap.analytics(pay_settings),
                                    settings=pay_settings, by="clerk")
    before = states(pay_store, cycle_id)
    with pytest.raises(Refused, match="请先在支付批次页作废"):
        cycles.cancel(cycle_id, store=pay_store, reason="x", by="clerk")
    first, *rest = made.batches
    payments.approve_batch(first.number, store=pay_store, settings=pay_settings, by="approver")
    with pytest.raises(Refused, match="资金已动用"):
        cycles.cancel(cycle_id, store=pay_store, reason="x", by="clerk")
    for b in rest:
        payments.cancel_batch(b.number, store=pay_store, by="clerk", reason="test")
    with pytest.raises(Refused, match="资金已动用"):                          # the approved one still counts
        cycles.cancel(cycle_id, store=pay_store, reason="x", by="clerk")
    assert states(pay_store, cycle_id).get("approved-for-payment") == first.entries      # nothing was closed
    with pay_store.reading() as uow:
        assert uow.cycles.get(cycle_id).cancelled_at is None
    payments.cancel_batch(first.number, store=pay_store, by="clerk", reason="file never left")
    assert states(pay_store, cycle_id) == before                              # back to re-verified
    assert cycles.cancel(cycle_id, store=pay_store, reason="policy withdrawn", by="clerk") == sum(before.values())
