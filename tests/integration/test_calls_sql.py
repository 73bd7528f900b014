"""The call list's tables and queries on SQLite and PostgreSQL (issue 16.4, migration 0023): assignments (one caller
per unit and cycle), calls with a check that only a call back carries a time, specialists (one per unit), and the
reach of each case's messages read from notifications and deliveries."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from tests.builders import uscc
from tests.conftest import CITY
from tests.staff import staff_tokens
from wengang import bootstrap
from wengang.services import calllist, delivery, specialists, tell

UNIT, DISPATCH, OBJECTED = uscc(CITY["eligible"]), uscc(CITY["dispatch"]), uscc(CITY["objected"])


def test_the_call_list_and_specialists_on_each_database(db_store, db_settings, opened):
    cycle = opened.cycle.id
    tell.tell(store=db_store, settings=db_settings)
    analytics = bootstrap.analytics(db_settings)
    delivery.fan_out(store=db_store, analytics=analytics)          # only the eligible unit named anyone
    with db_store.transaction() as uow:                               # its copy failed for good
        [mine] = uow.notifications.of_unit(UNIT, limit=5)
        copies = uow.deliveries.of_notification(mine.id)
        uow.deliveries.save_handed([d.handed(_failed(d.key), uow.now()) for d in copies])
        uow.commit()
    with db_store.reading() as uow:
        case = uow.cases.find(cycle, UNIT)
        reach = uow.deliveries.reach([case.id])[case.id]
        unreached = uow.deliveries.unreached(cycle, 100)
        events = uow.deliveries.by_event(cycle)
        told, reached = uow.deliveries.reached_units(cycle)
    assert reach.messages == 1 and reach.failed == 1 and reach.delivered == 0 and reach.unreached
    assert case.id in unreached and len(unreached) == told          # nobody was reached
    assert events == {("identified", "sms", "failed"): 1} and reached == 0

    staff_tokens(db_store, clerk_wang="clerk")
    assert calllist.assign(cycle, [UNIT, DISPATCH], to="clerk-wang", by="clerk-wang", store=db_store) == 2
    assert calllist.assign(cycle, [UNIT], to="clerk-wang", by="clerk-wang", store=db_store) == 1   # again: one row
    later = dt.datetime(2100, 1, 1, 1, 0)
    calllist.record(cycle, UNIT, outcome="call_back", call_back_at=later, note="下午再打", by="clerk-wang",
                    store=db_store)
    rows = {r.case.uscc: r for r in calllist.call_list(cycle, store=db_store, analytics=analytics,
                                                        assigned_to="clerk-wang")}
    assert set(rows) == {UNIT, DISPATCH} and rows[UNIT].call_back_due == later
    assert rows[UNIT].reasons == ("not_reached",) and rows[DISPATCH].reasons == ("not_confirmed",)
    assert rows[UNIT].phones == (("张伟", "138****5678"), ("李娜", "159****1111"))
    calllist.record(cycle, UNIT, outcome="reached", by="clerk-wang", store=db_store)
    assert UNIT not in {r.case.uscc for r in calllist.call_list(cycle, store=db_store)}

    specialists.assign(DISPATCH, to="clerk-wang", key=True, by="clerk-wang", store=db_store)
    specialists.assign(DISPATCH, to="clerk-wang", key=False, by="clerk-wang", store=db_store)
    [held] = specialists.portfolio("clerk-wang", cycle, store=db_store)
    assert held.case.uscc == DISPATCH and not held.specialist.key

    with db_store.transaction() as uow, pytest.raises(IntegrityError):      # a call back needs its time
        uow.calls.add(cycle_id=cycle, uscc=OBJECTED, outcome="call_back", note="", call_back_at=None,
                      called_by="clerk-wang", called_at=uow.now())


def _failed(key: str):
    from wengang.domain.contact import HANDED_FAILED, Handed

    return Handed(key, HANDED_FAILED, error="no such number")


def test_units_served_are_counted_by_the_database_each_unit_once(db_store, opened):
    """The reach figures' self-service and call-back units (issue 16.6), counted through the audit log's partial
    index: a unit that signed in twice and looked its progress up counts once; staff, the public and a unit outside
    the cycle not at all."""
    from wengang.domain.audit import Draft
    from wengang.services import reach

    stranger = uscc(99_999)
    with db_store.transaction() as uow:
        uow.audit.append([Draft(UNIT, "signed_in", "session", reason="登录"),
                          Draft(UNIT, "signed_in", "session", reason="登录"),
                          Draft("public", "progress_looked_up", f"unit:{UNIT}", reason="查询"),
                          Draft("public", "progress_looked_up", f"unit:{OBJECTED}", reason="查询"),
                          Draft(DISPATCH, "callback_requested", "callback:1", reason="回电", data={"uscc": DISPATCH}),
                          Draft("public", "callback_requested", "callback:2", reason="回电", data={"uscc": None}),
                          Draft("clerk-wang", "signed_in", "session", reason="登录"),
                          Draft(stranger, "signed_in", "session", reason="登录"),
                          Draft(UNIT, "case_opened", f"unit:{DISPATCH}", reason="不是服务")])
        uow.commit()
    with db_store.reading() as uow:
        assert uow.figures.served(opened.cycle.id) == (2, 1)
        assert uow.figures.served(opened.cycle.id + 1) == (0, 0)               # no such cycle: nobody
    found = reach.figures(opened.cycle.id, store=db_store)
    assert (found.self_service, found.callback) == (2, 1)
