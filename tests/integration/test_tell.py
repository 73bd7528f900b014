"""Telling each unit at every step (issue 16.2), on SQLite and PostgreSQL: after a whole cycle (opened, listed,
re-verified, approved, paid, one payment returned), every paid unit has been told it qualified and how much, that it
is on the list with the dates, that its payment was approved and that it was paid (amount, account tail, date), each
once; a second telling, or one after a crash, tells nothing twice; a returned payment's message says why in words."""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.test_payments import bank_answers, prepare_and_approve
from tests.paycity import PAY_UNITS
from wengang import bootstrap
from wengang.adapters.banks.simulator import RETURNED, BankSimulator, Outcome
from wengang.services import reconcile, tell

pytestmark = pytest.mark.slow


def messages(store) -> list:
    with store.reading() as uow:
        return [m for kind in ("identified", "listed", "approved", "paid", "payment_failed")
                for m in uow.notifications.of_kind(kind)]


def test_every_paid_unit_is_told_each_step_once_in_words(pay_store, pay_settings, reverified, tmp_path):
    done = prepare_and_approve(pay_store, pay_settings, reverified)
    with pay_store.reading() as uow:
        attempts = uow.payments.attempts(batch_id=None)
    returned = attempts[0]
    bank = BankSimulator(reject_share=0, return_share=0,
                         force={returned.end_to_end_id: Outcome(returned.end_to_end_id, RETURNED, "AC04")})
    reconcile.ingest(bank_answers(bank, done.batches, pay_store, pay_settings, tmp_path), store=pay_store,
                     banks=bootstrap.banks(), settings=pay_settings, by="clerk-wang")

    first = tell.tell(store=pay_store, settings=pay_settings, chunk=7)        # small chunks: resumes between them
    assert first.queued == {"identified": PAY_UNITS, "listed": PAY_UNITS, "approved": PAY_UNITS,
                            "paid": PAY_UNITS - 1}
    assert tell.tell(store=pay_store, settings=pay_settings).total == 0      # told once, never twice
    told = messages(pay_store)
    by_unit: dict[str, list[str]] = {}
    for m in told:
        by_unit.setdefault(m.uscc, []).append(m.kind)
    paid_units = {a.uscc for a in attempts} - {returned.uscc}
    assert all(sorted(by_unit[u]) == ["approved", "identified", "listed", "paid"] for u in paid_units)
    assert sorted(by_unit[returned.uscc]) == ["approved", "identified", "listed", "payment_failed"]

    paid = next(m for m in told if m.kind == "paid" and m.uscc == attempts[1].uscc)
    tail = attempts[1].account_no[-4:]
    assert f"{attempts[1].amount:,.2f}元已于" in paid.text and f"尾号{tail}的账户" in paid.text
    assert re.search(r"已于\d{4}年\d{1,2}月\d{1,2}日转入", paid.text) and "paid on" in paid.text
    assert json.loads(paid.params)["tail"] == tail and attempts[1].account_no not in paid.text
    listed = next(m for m in told if m.kind == "listed")
    assert re.search(r"公示名单\(\d{4}年第1批\).*公示期\d{4}年\d{1,2}月\d{1,2}日至", listed.text)
    assert "/publicity/C" in listed.text and "None" not in listed.text
    failed = next(m for m in told if m.kind == "payment_failed")
    assert "账户已销户" in failed.text and "AC04" not in failed.text and "请于" in failed.text


def test_a_telling_that_crashed_resumes_without_telling_twice(pay_store, pay_settings, reverified, monkeypatch):
    calls = {"n": 0}
    real = tell._notices

    def crash_on_third(uow, entries, settings, words):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed")
        return real(uow, entries, settings, words)

    monkeypatch.setattr(tell, "_notices", crash_on_third)
    with pytest.raises(RuntimeError):
        tell.tell(store=pay_store, settings=pay_settings, chunk=10)
    partial = len(messages(pay_store))
    assert 0 < partial < 2 * PAY_UNITS                           # two chunks committed, the third rolled back
    monkeypatch.setattr(tell, "_notices", real)
    tell.tell(store=pay_store, settings=pay_settings, chunk=10)
    told = messages(pay_store)
    assert len(told) == 2 * PAY_UNITS                            # identified and listed, each once
    assert len({m.audit_seq for m in told}) == len(told)


def test_a_told_message_reaches_the_registered_mobile_once_in_sql(db_store, db_settings, opened, case_city):
    """The delivery tables on both databases: fanned out to the one mobile not opted out, handed over, its receipt
    applied once (the provider faked at its boundary)."""
    from tests.builders import uscc
    from tests.clocks import in_sending_hours
    from tests.conftest import CITY
    from tests.services.test_delivery import Provider
    from wengang.domain.contact import Receipt
    from wengang.services import delivery

    tell.tell(store=db_store, settings=db_settings)
    analytics = bootstrap.analytics(db_settings)
    assert delivery.fan_out(store=db_store, analytics=analytics) == 1
    assert delivery.fan_out(store=db_store, analytics=analytics) == 0
    sms = Provider("sms")
    with in_sending_hours(db_store):
        assert delivery.send_due(store=db_store, senders={"sms": sms}).sent == {"sms": 1}
    [sent] = sms.got.values()
    assert sent.recipient == "13812345678" and sent.params["pack"] and "元" in sent.text
    with db_store.reading() as uow:
        [mine] = uow.notifications.of_unit(uscc(CITY["eligible"]), limit=5)
    assert sent.event == mine.kind and mine.status == "sent"
    receipt = Receipt(f"P-{sent.key}", True, mine.created_at)
    assert delivery.apply_receipts([receipt], store=db_store) == 1
    assert delivery.apply_receipts([receipt], store=db_store) == 0
    with db_store.reading() as uow:
        assert uow.deliveries.counts() == {("sms", "delivered"): 1}
    with db_store.transaction() as uow:                  # a copy handed, its handing not recorded (killed), then
        uow.deliveries.add_many([(mine.id, "k-late", "sms", "13900000000", mine.created_at, mine.created_at)])
        uow.commit()                                     # its receipt, which names our key
    late = Receipt("P-late", False, mine.created_at, key="k-late", error="MOBILE_NOT_ON_SERVICE")
    assert delivery.apply_receipts([late], store=db_store) == 1
    assert delivery.apply_receipts([late], store=db_store) == 0
    with in_sending_hours(db_store):
        assert delivery.send_due(store=db_store, senders={"sms": sms}).handed == 0
    with db_store.reading() as uow:
        assert uow.deliveries.counts() == {("sms", "delivered"): 1, ("sms", "failed"): 1}


def test_told_with_the_contacts_each_message_is_written_fanned_out_in_the_same_transaction(
        db_store, db_settings, opened, case_city):
    """Telling given the units' contacts (as the worker tells): each message is written already handed on, with its
    copies, so fan-out finds nothing left; its one SMS copy then goes once; telling again writes nothing."""
    from tests.builders import uscc
    from tests.clocks import in_sending_hours
    from tests.conftest import CITY
    from tests.services.test_delivery import Provider
    from wengang.services import delivery

    analytics = bootstrap.analytics(db_settings)
    told = tell.tell(store=db_store, settings=db_settings, analytics=analytics)
    assert told.total >= 1 and told.copies == 1
    assert delivery.fan_out(store=db_store, analytics=analytics) == 0
    with db_store.reading() as uow:
        [mine] = uow.notifications.of_unit(uscc(CITY["eligible"]), limit=5)
        [copy] = uow.deliveries.of_notification(mine.id)
        assert not uow.notifications.to_fan_out(100)
    assert mine.status == "sent" and mine.sent_at is not None and mine.audit_seq is not None
    assert (copy.channel, copy.recipient, copy.status, copy.key) == ("sms", "13812345678", "pending", f"n{mine.id}-sms-0")
    again = tell.tell(store=db_store, settings=db_settings, analytics=analytics)
    assert again.total == 0 and again.copies == 0
    sms = Provider("sms")
    with in_sending_hours(db_store):
        assert delivery.send_due(store=db_store, senders={"sms": sms}).sent == {"sms": 1}
        assert delivery.send_due(store=db_store, senders={"sms": sms}).handed == 0
    assert [d.key for d in sms.got.values()] == [copy.key]
