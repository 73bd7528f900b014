"""What people do on the site is dated by the store's clock, not the machine's: a demo playing a 2021 cycle (or a
simulation) runs its server on that cycle's days, so an objection made on it is raised on the cycle's day and a list
that has ended by that day takes none (issue 15, part 7)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.clocks import beijing
from tests.web.conftest import csrf_of
from wengang import bootstrap
from wengang.adapters.clock import RunningClock
from wengang.services import publicity


def _object(client: TestClient, number: str, uscc: str):
    return client.post(f"/publicity/{number}/object", data={"uscc": uscc, "contact": "13812345678",
                                                            "text": "该单位已停业", "csrf": csrf_of(client)})


def test_an_objection_is_dated_by_the_stores_clock_on_both_sides_of_the_lists_last_day(client, world_settings, facts):
    store, number = bootstrap.store(world_settings), facts["open_list"]
    batch, rows = publicity.public_rows(number, store=store)
    first, second = rows[0][2], rows[1][2]
    public, before = TestClient(client.app), store.clock
    try:
        store.clock = RunningClock(beijing(batch.ends_on + dt.timedelta(days=1), 10))    # the day after the last
        late = _object(public, number, first)
        assert late.status_code == 422 and "公示期为" in late.text and "异议已受理" not in late.text
        store.clock = RunningClock(beijing(batch.ends_on, 16))                           # the last day itself
        taken = _object(public, number, second)
        assert taken.status_code == 200 and "异议已受理" in taken.text
    finally:
        store.clock = before
    with store.reading() as uow:
        cases = {uow.cases.find(batch.cycle_id, u).id: u for u in (first, second)}
        raised = [(cases[o.case_id], o.raised_on) for o in uow.objections.of_batch(batch.id) if o.case_id in cases]
    assert raised == [(second, batch.ends_on)]
