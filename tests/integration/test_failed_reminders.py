"""A failed payment's unit is reminded before its deadline to correct its account (issue 16.2), on SQLite and
PostgreSQL: once per case and deadline, never too early, never twice; and a recovery is told through the unit's
contacts like every step (its message carries its template's values)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.clocks import on_day
from tests.integration.test_payments import prepare_and_approve
from tests.paycity import PAY_UNITS
from wengang import bootstrap
from wengang.adapters.banks.simulator import BankSimulator
from wengang.domain.cases import State
from wengang.services import payments, reconcile, reminders

pytestmark = pytest.mark.slow


def test_a_failed_payment_is_reminded_once_before_its_deadline_and_its_recovery_is_told(
        pay_store, pay_settings, reverified, tmp_path):
    done = prepare_and_approve(pay_store, pay_settings, reverified)
    bank = BankSimulator(reject_share=1.0, return_share=0)
    answers = [bank.answer(payments.write_files(b.number, store=pay_store, banks=bootstrap.banks(),
                                                settings=pay_settings, out_dir=tmp_path, by="c").path,
                           tmp_path / "bank").pain002 for b in done.batches]
    reconcile.ingest([a.path for a in answers], store=pay_store, banks=bootstrap.banks(), settings=pay_settings,
                     by="clerk-wang")
    with pay_store.reading() as uow:
        failed = list(uow.cases.of_cycle(reverified, [State.FAILED]))
        settled = max(a.settled_at for a in uow.payments.attempts(case_ids=[c.id for c in failed]))
    assert len(failed) == PAY_UNITS
    deadline = (settled + dt.timedelta(hours=8)).date() + dt.timedelta(days=pay_settings.recovery_days)
    early = deadline - dt.timedelta(days=pay_settings.remind_days + 1)
    with on_day(pay_store, early):
        assert reminders.remind(store=pay_store, settings=pay_settings) == 0           # too early
    with on_day(pay_store, early + dt.timedelta(days=1)):
        assert reminders.remind(store=pay_store, settings=pay_settings) == PAY_UNITS   # each failed unit, once
        assert reminders.remind(store=pay_store, settings=pay_settings) == 0
    with on_day(pay_store, deadline):
        assert reminders.remind(store=pay_store, settings=pay_settings) == 0           # the same deadline: told
    with pay_store.reading() as uow:
        told = [n for c in failed for n in uow.notifications.of_unit(c.uscc, limit=50)
                if n.kind == "deadline_reminder"]
    assert len(told) == PAY_UNITS
    params = json.loads(told[0].params)
    assert params["task"] == "correct_account" and params["deadline"] == deadline.isoformat()
    assert "登录更正收款账户" in told[0].text and f"/portal/cycles/{reverified}/account" in params["link"]
    reconcile.recover(reverified, store=pay_store, deadline=deadline, today=deadline + dt.timedelta(days=1),
                      by="clerk-wang")
    with pay_store.reading() as uow:
        recovered = [n for n in uow.notifications.pending(limit=10_000, templated=True) if n.kind == "recovered"]
    assert len(recovered) == PAY_UNITS                     # handed on to the contacts like every step's message
    assert json.loads(recovered[0].params)["deadline"] == deadline.isoformat() and "已收回" in recovered[0].text
