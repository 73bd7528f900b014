"""The call list (issue 16.4) on the in-memory store: who needs a call and why (not confirmed, deadline near, told but
not reached), assigned to a person who may call, each call's outcome recorded and audited; reached takes a unit off
the list, other outcomes keep it there; phones masked, the full number only on an audited look."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.services.conftest import code
from tests.services.test_lookup import Clock
from tests.staff import staff_tokens
from wengang.domain.analytics import SnapshotContact
from wengang.domain.contact import HANDED_SENT, Handed, Receipt
from wengang.domain.errors import Refused
from wengang.services import calllist, delivery, tell

pytestmark = pytest.mark.services
UNIT = code("eligible")
LEGAL = SnapshotContact("legal_representative", "张伟", "13812345678")
OPENED = dt.datetime(2021, 7, 1, 2, 0)            # 10:00 Beijing


class Provider:
    def send(self, batch):
        return [Handed(d.key, HANDED_SENT, f"P-{d.key}") for d in batch]


@pytest.fixture
def cycle(store, analytics, settings, request) -> int:
    """Cycle 1 opened on 1 July 2021, every unit told; only UNIT named a contact and its copy was delivered."""
    store.clock = Clock(OPENED)
    cycle_id = request.getfixturevalue("opened")
    analytics.people[UNIT] = [LEGAL]
    tell.tell(store=store, settings=settings)
    delivery.fan_out(store=store, analytics=analytics)
    delivery.send_due(store=store, senders={"sms": Provider()})
    delivery.apply_receipts([Receipt(f"P-n{n}-sms-0", True, OPENED) for n in range(1, 20)], store=store)
    staff_tokens(store, clerk_wang="clerk", clerk_li="clerk", approver_zhao="approver")
    return cycle_id


def reasons(store, cycle_id, **filters) -> dict[str, tuple[str, ...]]:
    return {r.case.uscc: r.reasons for r in calllist.call_list(cycle_id, store=store, **filters)}


def test_each_unit_that_needs_a_call_is_listed_with_why(store, cycle):
    listed = reasons(store, cycle)
    assert UNIT not in listed                                   # told, and its copy delivered
    assert listed[code("dispatch")] == ("not_confirmed",)         # waits on its actual employer (not told yet)
    assert listed[code("no_account")] == ("not_confirmed",)
    assert listed[code("objected")] == ("not_reached",)          # told, but it named nobody
    assert listed[code("review")] == ("not_reached",)             # told to apply; its deadline is far
    store.clock.move(days=13)                                    # two days before its 15 days end
    assert reasons(store, cycle, reason="deadline_near") == {code("review"): ("not_reached", "deadline_near")}
    [row] = calllist.call_list(cycle, store=store, reason="deadline_near")
    assert row.deadline == dt.date(2021, 7, 16)
    with pytest.raises(Refused):
        calllist.call_list(cycle, store=store, reason="bored")


def test_a_unit_is_assigned_and_called_until_reached(store, cycle, analytics):
    unit = code("dispatch")
    assert calllist.assign(cycle, [unit, code("objected")], to="clerk-wang", by="clerk-wang", store=store) == 2
    assert set(reasons(store, cycle, assigned_to="clerk-wang")) == {unit, code("objected")}
    assert unit not in reasons(store, cycle, unassigned=True)
    calllist.assign(cycle, [unit], to="clerk-li", by="clerk-wang", store=store)          # given to another
    assert set(reasons(store, cycle, assigned_to="clerk-wang")) == {code("objected")}
    with pytest.raises(Refused, match="no member of staff"):
        calllist.assign(cycle, [unit], to="approver-zhao", by="clerk-wang", store=store)  # an approver does not call
    calllist.record(cycle, unit, outcome="no_answer", note="响铃无人接 13812345678", by="clerk-li", store=store)
    [row] = [r for r in calllist.call_list(cycle, store=store, analytics=analytics) if r.case.uscc == unit]
    assert row.last_call.outcome == "no_answer" and row.calls == 1 and row.assigned_to == "clerk-li"
    with pytest.raises(Refused, match="call back needs a time"):
        calllist.record(cycle, unit, outcome="call_back", by="clerk-li", store=store)
    later = store.clock.now() + dt.timedelta(hours=3)
    calllist.record(cycle, unit, outcome="call_back", call_back_at=later, by="clerk-li", store=store)
    first = calllist.call_list(cycle, store=store)[0]
    assert first.case.uscc == unit and first.call_back_due == later              # a due call back comes first
    calllist.record(cycle, unit, outcome="reached", note="已告知确认方法", by="clerk-li", store=store)
    assert unit not in reasons(store, cycle)
    with store.reading() as uow:
        events = [e.event for e in uow.audit.since(0, ("call_assigned", "call_recorded"), 100)]
    assert events.count("call_assigned") == 3 and events.count("call_recorded") == 3


def test_phones_are_masked_on_the_list_and_a_full_number_is_an_audited_look(store, cycle, analytics):
    analytics.people[code("dispatch")] = [LEGAL]
    [row] = [r for r in calllist.call_list(cycle, store=store, analytics=analytics)
             if r.case.uscc == code("dispatch")]
    assert row.phones == (("张伟", "138****5678"),)
    assert calllist.reveal(cycle, code("dispatch"), by="clerk-wang", store=store,
                           analytics=analytics) == [("张伟", "13812345678")]
    with store.reading() as uow:
        [seen] = uow.audit.since(0, ("call_phone_viewed",), 10)
    assert "13812345678" not in seen.data and "138****5678" in seen.data


def test_a_specialist_is_named_for_a_unit_and_sees_it_in_their_portfolio(store, cycle):
    from wengang.services import specialists

    specialists.assign(code("dispatch"), to="clerk-li", key=True, by="clerk-wang", store=store)
    specialists.assign(UNIT, to="clerk-wang", key=False, by="clerk-wang", store=store)
    specialists.assign(UNIT, to="clerk-li", key=False, by="clerk-wang", store=store)       # named again: replaced
    with pytest.raises(Refused):
        specialists.assign(UNIT, to="approver-zhao", key=False, by="clerk-wang", store=store)
    calllist.record(cycle, UNIT, outcome="no_answer", by="clerk-li", store=store)
    held = {h.specialist.uscc: h for h in specialists.portfolio("clerk-li", cycle, store=store)}
    assert set(held) == {code("dispatch"), UNIT} and held[code("dispatch")].specialist.key
    assert held[UNIT].case.state.value == "identified" and held[UNIT].reach.delivered == 1
    assert held[UNIT].last_call.outcome == "no_answer" and held[code("dispatch")].last_call is None
    assert specialists.portfolio("clerk-wang", cycle, store=store) == []
    assert specialists.everyone(store=store) == {"clerk-li": 2}


def test_reach_figures_count_copies_by_event_and_channel_and_how_units_were_served(store, cycle):
    from wengang.services import callbacks, reach

    calllist.record(cycle, code("dispatch"), outcome="reached", by="clerk-li", store=store)
    callbacks.request("13900001111", "什么时候到账?", uscc=code("objected"), source="portal", store=store)
    found = reach.figures(cycle, store=store)
    assert [(x.event, x.channel, x.delivered, x.sent) for x in found.lines] == [("identified", "sms", 1, 1)]
    assert found.reached == 1 and found.told > 1 and found.reached_share == round(100 / Decimal(found.told), 2)
    assert (found.self_service, found.phone, found.callback) == (0, 1, 1)
    assert found.shares == (Decimal("0.00"), Decimal("50.00"), Decimal("50.00"))
    assert found.callbacks.open == 1


def test_the_list_is_read_a_page_at_a_time_in_the_same_order(store, cycle, analytics, monkeypatch):
    analytics.people[code("dispatch")] = [LEGAL]
    whole = [r.case.uscc for r in calllist.call_list(cycle, store=store)]
    assert len(whole) >= 3
    pages = [calllist.call_page(cycle, store=store, analytics=analytics, page=n, per_page=2)
             for n in range(1, -(-len(whole) // 2) + 1)]
    assert [r.case.uscc for p in pages for r in p.rows] == whole                 # every unit once, in order
    assert {p.total for p in pages} == {len(whole)} and pages[0].pages == -(-len(whole) // 2)
    assert not pages[0].more
    beyond = calllist.call_page(cycle, store=store, page=99, per_page=2)
    assert beyond.page == beyond.pages and [r.case.uscc for r in beyond.rows] == [r.case.uscc for r in pages[-1].rows]
    shown = {r.case.uscc: r.phones for p in pages for r in p.rows}
    assert shown[code("dispatch")] == (("张伟", "138****5678"),)                  # contacts read for its page
    monkeypatch.setattr(calllist, "MAX_ROWS", 2)
    assert calllist.call_page(cycle, store=store, per_page=2).more               # capped: narrow the filter
