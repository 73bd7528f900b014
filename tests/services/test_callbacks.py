"""呼我必回 that reaches a person, on the in-memory store: routed to the unit's district office (else the city's), due
within a working day, the officer on duty texted at once (never the caller's number), escalated once to the city
when missed, the number revealed only with an audit entry."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.builders import uscc
from tests.fakes import FakeStore
from tests.services.test_lookup import Clock
from wengang.domain.contact import CITY
from wengang.domain.days import BEIJING
from wengang.domain.errors import Refused
from wengang.services import callbacks, duty, people

pytestmark = pytest.mark.services
GOOD = "Good-pass-2021"
UNIT = uscc(1)                           # district: characters 3–8 of the credit code
DISTRICT = UNIT[2:8]
URL = "https://wengang.example.cn"


def bj(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING).astimezone(dt.UTC).replace(tzinfo=None)


@pytest.fixture
def clock():
    return Clock(bj(2024, 2, 2, 10))       # a Friday before the Spring Festival; Sunday the 4th is a working day


@pytest.fixture
def store(clock):
    s = FakeStore(clock=clock)
    for name in ("officer-chen", "officer-city", "admin-li"):
        people.create_staff(name, "clerk" if name != "admin-li" else "admin", store=s, by="operator", password=GOOD)
    duty.put_office(DISTRICT, "朝阳区稳岗返还专班", store=s, by="admin-li")
    start, end = bj(2024, 2, 1, 0), bj(2024, 2, 29, 0)
    duty.set_duty(CITY, "officer-city", "13900000001", starts_at=start, ends_at=end, store=s, by="admin-li")
    return s


def sms(store, kind: str) -> list:
    with store.reading() as uow:
        return [n for n in uow.notifications.pending(limit=100) if n.kind == kind]


def test_a_units_callback_goes_to_its_district_and_the_officer_there_is_texted_without_the_callers_number(store):
    duty.set_duty(DISTRICT, "officer-chen", "13900000002", starts_at=bj(2024, 2, 2, 8), ends_at=bj(2024, 2, 3, 8),
                  store=store, by="admin-li")
    asked = callbacks.request("13812345678", "何时到账? 我的手机 13812345678", store=store, uscc=UNIT, url=URL)
    with store.reading() as uow:
        cb = uow.callbacks.get(asked.id)
    assert cb.office == DISTRICT and cb.due_at == bj(2024, 2, 4, 17) and cb.due_note is None
    [text] = sms(store, "callback_duty")
    assert text.recipient == "13900000002" and text.channel == "sms"
    assert "13812345678" not in text.text and "13812345678" not in (text.params or "")
    params = json.loads(text.params or "{}")
    assert params["number"] == asked.id and params["link"] == f"{URL}/staff/callbacks#callback-{asked.id}"
    assert "2024年2月4日 17:00" in text.text and "138****5678" in text.text
    shown = callbacks.listing(store=store, status="open")[0]
    assert (shown.office, shown.phone, shown.overdue) == ("朝阳区稳岗返还专班", "138****5678", False)


def test_without_a_unit_or_without_an_officer_on_duty_the_city_office_takes_it(store):
    public = callbacks.request("13812345678", "政策咨询", store=store, url=URL)
    other = callbacks.request("13812345679", "何时到账", store=store, uscc=UNIT, url=URL)   # nobody on duty there
    with store.reading() as uow:
        assert uow.callbacks.get(public.id).office == CITY
        assert uow.callbacks.get(other.id).office == DISTRICT          # its office, the city's officer texted
    assert [n.recipient for n in sms(store, "callback_duty")] == ["13900000001", "13900000001"]


def test_an_overdue_callback_is_escalated_to_the_city_once_and_audited(store, clock):
    asked = callbacks.request("13812345678", "何时到账", store=store, uscc=UNIT, url=URL)
    assert callbacks.escalate_overdue(store=store, url=URL) == []            # not due yet
    clock.at = bj(2024, 2, 4, 17, 1)
    assert callbacks.escalate_overdue(store=store, url=URL) == [asked.id]
    assert callbacks.escalate_overdue(store=store, url=URL) == []            # once only
    [text] = sms(store, "callback_overdue")
    assert text.recipient == "13900000001" and "13812345678" not in text.text and "朝阳区" in text.text
    with store.reading() as uow:
        events = [e for e in uow.audit.entries() if e[3] == "callback_escalated"]
    assert len(events) == 1
    shown = callbacks.listing(store=store, status="open")[0]
    assert shown.overdue and shown.escalated_at == bj(2024, 2, 4, 17, 1)
    assert [s.id for s in callbacks.listing(store=store, status="open", office=CITY)] == [asked.id]
    callbacks.answer(asked.id, store=store, text="已回电说明", by="officer-city")
    clock.at = bj(2024, 2, 9, 17, 1)
    assert callbacks.escalate_overdue(store=store, url=URL) == []            # answered: nothing to escalate


def test_revealing_the_number_is_audited_with_who_and_shown_in_its_history(store):
    asked = callbacks.request("13812345678", "何时到账", store=store, uscc=UNIT, url=URL)
    assert callbacks.reveal(asked.id, store=store, by="officer-chen") == "13812345678"
    with store.reading() as uow:
        looks = [e for e in uow.audit.entries() if e[3] == "callback_number_revealed"]
    assert [e[2] for e in looks] == ["officer-chen"] and "13812345678" not in str(looks)
    history = callbacks.history(asked.id, store=store)
    assert [h.event for h in history] == ["callback_requested", "callback_number_revealed"]
    assert history[-1].by == "officer-chen" and "13812345678" not in str(history)


def test_duty_needs_a_phone_an_office_and_a_member_of_staff(store):
    start, end = bj(2024, 2, 2, 8), bj(2024, 2, 3, 8)
    with pytest.raises(Refused, match="phone"):
        duty.set_duty(CITY, "officer-chen", "12345", starts_at=start, ends_at=end, store=store, by="admin-li")
    with pytest.raises(Refused, match="no office"):
        duty.set_duty("999999", "officer-chen", "13900000002", starts_at=start, ends_at=end, store=store,
                      by="admin-li")
    with pytest.raises(Refused, match="staff"):
        duty.set_duty(CITY, "nobody", "13900000002", starts_at=start, ends_at=end, store=store, by="admin-li")
    with pytest.raises(Refused, match="after it starts"):
        duty.set_duty(CITY, "officer-chen", "13900000002", starts_at=end, ends_at=start, store=store, by="admin-li")
    with pytest.raises(Refused, match="six digits"):
        duty.put_office("12", "x", store=store, by="admin-li")
    shown = duty.duties(store=store)
    assert [d.phone for d in shown] == ["139****0001"] and shown[0].current
