"""Reminders before a deadline (issue 16.2), on the in-memory store: a unit in review that has not applied is reminded
once, `remind_days` days before its deadline to apply (never twice, never too early), through its contacts."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.clocks import on_day
from tests.services.conftest import code
from wengang.domain.cases import State
from wengang.domain.days import beijing_date
from wengang.services import delivery, reminders

pytestmark = pytest.mark.services
REVIEW = code("review")


def queued(store) -> list:
    with store.reading() as uow:
        return [n for n in uow.notifications.of_unit(REVIEW, limit=100) if n.kind == "deadline_reminder"]


def test_a_unit_in_review_is_reminded_once_before_its_deadline_to_apply(store, settings, opened, analytics):
    with store.reading() as uow:
        case = uow.cases.find(opened, REVIEW)
        assert case.state is State.REVIEW
        entered = beijing_date(dt.datetime.fromisoformat(uow.audit.for_case(case.id)[0].at.rstrip("Z")))
    deadline = entered + dt.timedelta(days=settings.apply_days)
    with on_day(store, deadline - dt.timedelta(days=settings.remind_days + 1)):
        assert reminders.remind(store=store, settings=settings) == 0                 # too early
    with on_day(store, deadline - dt.timedelta(days=settings.remind_days)):
        assert reminders.remind(store=store, settings=settings) == 1
        assert reminders.remind(store=store, settings=settings) == 0                 # never twice
    with on_day(store, deadline - dt.timedelta(days=1)):
        assert reminders.remind(store=store, settings=settings) == 0                 # the same deadline: told
    [sent] = queued(store)
    params = json.loads(sent.params or "{}")
    assert params == {"task": "apply", "deadline": deadline.isoformat(), "days": settings.remind_days,
                      "link": f"{settings.public_url}/portal/cycles/{opened}/apply"}
    assert sent.case_id == case.id and "在线申请并签署承诺书" in sent.text and "apply online" in sent.text
    assert str(deadline.year) + "年" in sent.text and deadline.isoformat() not in sent.text
    with on_day(store, deadline + dt.timedelta(days=1)):
        assert reminders.remind(store=store, settings=settings) == 0                 # past: nothing to remind of
    from wengang.domain.analytics import SnapshotContact
    analytics.people[REVIEW] = [SnapshotContact("legal_representative", "张伟", "13812345678")]
    assert delivery.fan_out(store=store, analytics=analytics) >= 1                   # to the unit's contacts
    with store.reading() as uow:
        assert [d.recipient for d in uow.deliveries.of_notification(sent.id)] == ["13812345678"]
