"""Offices, duties, a callback's routing and escalation, and reminders on SQLite and PostgreSQL: typed records in and
out, the duty covering a moment (the one set last), escalation once, a reminder once per case, task and deadline,
and a callback's history found by its subject in the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from wengang.domain.audit import Draft
from wengang.domain.contact import CITY, Duty, Office

T0 = dt.datetime(2026, 3, 2, 1, 0)


def test_offices_and_the_duty_covering_a_moment(db_store):
    with db_store.transaction() as uow:
        assert isinstance(uow.offices.put(CITY, "市级办公室"), Office)
        uow.offices.put("110105", "朝阳区")
        renamed = uow.offices.put("110105", "朝阳区稳岗专班")
        assert renamed.name == "朝阳区稳岗专班" and [o.code for o in uow.offices.all()] == ["110105", CITY]
        first = uow.offices.add_duty(office=CITY, username="a", phone="13900000001", starts_at=T0,
                                     ends_at=T0 + dt.timedelta(days=7), set_by="admin", set_at=T0)
        later = uow.offices.add_duty(office=CITY, username="b", phone="13900000002", starts_at=T0,
                                     ends_at=T0 + dt.timedelta(days=1), set_by="admin", set_at=T0)
        uow.commit()
    with db_store.reading() as uow:
        assert isinstance(first, Duty)
        assert uow.offices.on_duty(CITY, T0 + dt.timedelta(hours=2)).username == "b"        # set last: takes over
        assert uow.offices.on_duty(CITY, T0 + dt.timedelta(days=2)).username == "a"
        assert uow.offices.on_duty(CITY, T0 + dt.timedelta(days=8)) is None
        assert uow.offices.on_duty("110105", T0) is None
        assert [d.id for d in uow.offices.duties(since=T0 + dt.timedelta(days=2))] == [first.id]
        assert later.id != first.id and "1390000" not in repr(later)


def test_a_duty_needs_an_office_and_an_end_after_its_start(db_store):
    with pytest.raises(IntegrityError), db_store.transaction() as uow:
        uow.offices.put(CITY, "市级办公室")
        uow.offices.add_duty(office=CITY, username="a", phone="13900000001", starts_at=T0, ends_at=T0,
                             set_by="admin", set_at=T0)


def test_a_callback_keeps_its_office_and_due_time_and_is_escalated_once(db_store):
    with db_store.transaction() as uow:
        cb = uow.callbacks.add(uscc=None, name=None, phone="13812345678", question="何时到账", source="public",
                               status="open", asked_at=T0, office=CITY, due_at=T0 + dt.timedelta(days=1),
                               due_note=None)
        assert uow.callbacks.escalate(cb.id, T0 + dt.timedelta(days=2))
        assert not uow.callbacks.escalate(cb.id, T0 + dt.timedelta(days=3))
        uow.audit.append([Draft("clerk", "callback_number_revealed", f"callback:{cb.id}", reason="r"),
                          Draft("clerk", "other", "callback:999", reason="r")])
        uow.commit()
    with db_store.reading() as uow:
        got = uow.callbacks.get(cb.id)
        assert (got.office, got.due_at, got.escalated_at) == (CITY, T0 + dt.timedelta(days=1),
                                                              T0 + dt.timedelta(days=2))
        assert [e.event for e in uow.audit.for_subject(f"callback:{cb.id}")] == ["callback_number_revealed"]


def test_a_reminder_is_kept_once_per_case_task_and_deadline(db_store):
    day = dt.date(2026, 3, 10)
    with db_store.transaction() as uow:
        assert uow.reminders.add(case_id=1, task="apply", deadline=day, queued_at=T0) is not None
        assert uow.reminders.add(case_id=1, task="apply", deadline=day, queued_at=T0) is None
        assert uow.reminders.add(case_id=1, task="apply", deadline=day + dt.timedelta(days=1), queued_at=T0)
        assert uow.reminders.add(case_id=1, task="correct_account", deadline=day, queued_at=T0)
        uow.commit()
