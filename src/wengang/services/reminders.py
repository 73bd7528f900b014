"""Reminders before each deadline (issue 16.2): a unit whose step is due in `remind_days` days or fewer is told once
per case, task and deadline (a unique reminder row: never twice), through its contacts like every step's message.

The deadlines are the portal's: a case in review without an application must apply by the day it entered review
plus `apply_days`; a failed payment's account must be corrected by the day it failed plus `recovery_days`."""

from __future__ import annotations

import datetime as dt
import json
import logging

from wengang.config import Settings
from wengang.domain.cases import Case, State
from wengang.domain.days import beijing_date
from wengang.domain.ports import Store, UnitOfWork
from wengang.messages import render
from wengang.services.notify import message
from wengang.services.portal import _entered_review, _failed

log = logging.getLogger(__name__)
EVENT = "deadline_reminder"


def _due(uow: UnitOfWork, case: Case, settings: Settings) -> tuple[str, dt.date] | None:
    """The task a case waits for from its unit and its deadline, or None."""
    if case.state is State.REVIEW:
        if uow.applications.of_case(case.id):                # applied: the reviewer's turn, not the unit's
            return None
        entered = _entered_review(case, uow.audit.for_case(case.id))
        return None if entered is None else ("apply", entered + dt.timedelta(days=settings.apply_days))
    if case.state is State.FAILED:
        _, by = _failed(uow.payments.attempts(case_ids=[case.id]), settings.recovery_days)
        return None if by is None else ("correct_account", by)
    return None


def remind(*, store: Store, settings: Settings) -> int:
    """Queue a reminder for every unit step due within `remind_days` days (today included) not reminded of yet;
    returns how many were queued."""
    queued = 0
    url = settings.public_url.rstrip("/")
    with store.transaction() as uow:
        today = beijing_date(uow.now())
        for cycle in uow.cycles.all():
            for case in uow.cases.of_cycle(cycle.id, states=[State.REVIEW, State.FAILED]):
                due = _due(uow, case, settings)
                if due is None:
                    continue
                task, deadline = due
                left = (deadline - today).days
                if not 0 <= left <= settings.remind_days:
                    continue
                if uow.reminders.add(case_id=case.id, task=task, deadline=deadline, queued_at=uow.now()) is None:
                    continue                                  # reminded of this deadline already
                page = "apply" if task == "apply" else "account"
                params = {"task": task, "deadline": deadline.isoformat(), "days": left,
                          "link": f"{url}/portal/cycles/{case.cycle_id}/{page}"}
                notice = message(kind=EVENT, text=render(EVENT, params).text, at=uow.now(), uscc=case.uscc,
                                 case_id=case.id)
                uow.notifications.add(notice._replace(params=json.dumps(params, ensure_ascii=False)))
                queued += 1
        uow.commit()
    if queued:
        log.info("已排队 %s 条截止提醒 / %s deadline reminders queued", queued, queued)
    return queued
