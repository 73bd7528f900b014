"""Delivery to the people a unit named (issue 16.3), on the in-memory store with a provider faked at its boundary:
each told message goes to every contact on each channel they gave (never SMS to one who opted out), once; a busy
provider is tried again later, a refusal is final; no SMS in quiet hours; a resend after a crash carries the same
key, so the provider sends it once; receipts say delivered or failed, and saying it twice changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.services.conftest import code
from tests.services.test_lookup import Clock
from wengang.domain.analytics import SnapshotContact
from wengang.domain.contact import HANDED_FAILED, HANDED_RETRY, HANDED_SENT, RETRY_AFTER, Handed, Receipt
from wengang.services import delivery, tell

pytestmark = pytest.mark.services
UNIT, NOBODY = code("eligible"), code("no_account")
LEGAL = SnapshotContact("legal_representative", "张伟", "13812345678", email="zhang@example.cn")
CLERK = SnapshotContact("hr_specialist", "李娜", "15900001111", wechat_openid="oWX-1234567890", sms_opt_out=True)


class Provider:
    """A channel's provider at the true boundary: takes each key once (a resend of a key is not sent again), answers
    `answer[recipient]` (default: taken), and gives each message taken an id."""

    def __init__(self, channel: str, answer: dict[str, str] | None = None):
        self.channel, self.answer, self.got = channel, answer or {}, {}

    def send(self, batch):
        out = []
        for d in batch:
            status = self.answer.get(d.recipient, HANDED_SENT)
            if status == HANDED_SENT:
                self.got.setdefault(d.key, d)
            out.append(Handed(d.key, status, f"P-{d.key}" if status == HANDED_SENT else None,
                              None if status == HANDED_SENT else "busy"))
        return out


@pytest.fixture
def told(store, analytics, settings, opened):
    """Cycle 1 told (each unit's opening message queued), the unit naming two people, at 10:00 Beijing."""
    store.clock = Clock(dt.datetime(2021, 7, 1, 2, 0))
    analytics.people[UNIT] = [LEGAL, CLERK]
    tell.tell(store=store, settings=settings)
    return store


def test_each_message_reaches_every_contact_on_each_channel_once_and_never_texts_who_opted_out(told, analytics):
    assert delivery.fan_out(store=told, analytics=analytics) == 3
    assert delivery.fan_out(store=told, analytics=analytics) == 0            # fanned out once
    with told.reading() as uow:
        [mine] = [n for n in uow.notifications.of_unit(UNIT, limit=10)]
        routes = sorted((d.channel, d.recipient) for d in uow.deliveries.of_notification(mine.id))
        nobody = uow.notifications.of_unit(NOBODY, limit=10)
    assert routes == [("email", "zhang@example.cn"), ("sms", "13812345678"), ("wechat", "oWX-1234567890")]
    assert mine.status == "sent" and all(not uow.deliveries.of_notification(n.id) for n in nobody)
    sms, mail, wechat = Provider("sms"), Provider("email"), Provider("wechat")
    done = delivery.send_due(store=told, senders={"sms": sms, "email": mail, "wechat": wechat})
    assert done.sent == {"sms": 1, "email": 1, "wechat": 1}
    [text] = sms.got.values()
    assert text.recipient == "13812345678" and text.event == mine.kind and "元" in text.text
    assert text.params["pack"] == "北京市失业保险费稳岗返还(2021年, 免申即享)" and " / " in text.subject
    assert text.params["amount"] == "1,200.00" and "1,200.00元" in text.text
    assert delivery.send_due(store=told, senders={"sms": sms}).handed == 0   # nothing due twice


def test_a_busy_provider_is_tried_again_later_and_a_refusal_is_final(told, analytics):
    delivery.fan_out(store=told, analytics=analytics)
    busy = Provider("sms", {"13812345678": HANDED_RETRY})
    assert delivery.send_due(store=told, senders={"sms": busy}).retried == {"sms": 1}
    assert delivery.send_due(store=told, senders={"sms": busy}).retried == {}     # not due before its backoff
    told.clock.move(seconds=RETRY_AFTER[0])
    assert delivery.send_due(store=told, senders={"sms": busy}).retried == {"sms": 1}
    for wait in RETRY_AFTER[1:-1]:
        told.clock.move(seconds=wait)
        assert delivery.send_due(store=told, senders={"sms": busy}).retried == {"sms": 1}
    told.clock.move(seconds=RETRY_AFTER[-1])
    assert delivery.send_due(store=told, senders={"sms": busy}).failed == {"sms": 1}   # its tries are spent
    refused = Provider("email", {"zhang@example.cn": HANDED_FAILED})
    assert delivery.send_due(store=told, senders={"email": refused}).failed == {"email": 1}
    with told.reading() as uow:
        states = {(d.channel, d.status, d.attempts) for d in uow.deliveries.of_notification(
            uow.notifications.of_unit(UNIT, limit=1)[0].id)}
    assert ("sms", "failed", len(RETRY_AFTER) + 1) in states and ("email", "failed", 1) in states


def test_no_sms_in_quiet_hours_but_mail_goes(told, analytics):
    delivery.fan_out(store=told, analytics=analytics)
    told.clock.at = dt.datetime(2021, 7, 1, 14, 30)                           # 22:30 Beijing
    sms, mail = Provider("sms"), Provider("email")
    done = delivery.send_due(store=told, senders={"sms": sms, "email": mail})
    assert done.held == ["sms"] and not sms.got and len(mail.got) == 1
    told.clock.at = dt.datetime(2021, 7, 1, 23, 59)                           # 07:59 Beijing: still quiet
    assert delivery.send_due(store=told, senders={"sms": sms}).held == ["sms"]
    told.clock.at = dt.datetime(2021, 7, 2, 0, 0)                             # 08:00 Beijing
    assert delivery.send_due(store=told, senders={"sms": sms}).sent == {"sms": 1}


def test_a_resend_after_a_crash_carries_the_same_key_so_the_provider_sends_it_once(told, analytics, monkeypatch):
    delivery.fan_out(store=told, analytics=analytics)
    sms = Provider("sms")
    real = told.transaction
    calls = {"n": 0}

    def crash_when_recording(*args, **kwargs):                              # handed over, then killed before it
        calls["n"] += 1                                                      # is recorded
        if calls["n"] == 1:
            raise RuntimeError("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(told, "transaction", crash_when_recording)
    with pytest.raises(RuntimeError):
        delivery.send_due(store=told, senders={"sms": sms})
    monkeypatch.setattr(told, "transaction", real)
    first = set(sms.got)
    assert delivery.send_due(store=told, senders={"sms": sms}).sent == {"sms": 1}
    assert set(sms.got) == first and len(sms.got) == 1                       # the same key: one text


def test_receipts_say_delivered_or_failed_once(told, analytics):
    delivery.fan_out(store=told, analytics=analytics)
    sms, mail = Provider("sms"), Provider("email")
    delivery.send_due(store=told, senders={"sms": sms, "email": mail})
    at = dt.datetime(2021, 7, 1, 2, 5)
    receipts = [Receipt(f"P-{k}", True, at) for k in sms.got] + [Receipt(f"P-{k}", False, at, error="DELIVRD_FAIL")
                                                                   for k in mail.got]
    assert delivery.apply_receipts(receipts, store=told) == 2
    assert delivery.apply_receipts(receipts, store=told) == 0
    with told.reading() as uow:
        counts = uow.deliveries.counts()
    assert counts[("sms", "delivered")] == 1 and counts[("email", "failed")] == 1


def test_a_receipt_that_beats_the_record_of_handing_still_counts_and_the_copy_is_not_sent_again(told, analytics,
                                                                                                monkeypatch):
    """The provider's receipt names our key: it can arrive before the worker has recorded the copy as handed (a
    fast gateway; a worker killed in between). The copy is delivered, and no later round texts it again."""
    delivery.fan_out(store=told, analytics=analytics)
    sms = Provider("sms")
    real = told.transaction

    def killed_before_recording(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(told, "transaction", killed_before_recording)
    with pytest.raises(RuntimeError):
        delivery.send_due(store=told, senders={"sms": sms})
    monkeypatch.setattr(told, "transaction", real)
    [key] = sms.got
    receipt = Receipt(f"P-{key}", True, dt.datetime(2021, 7, 1, 2, 1), key=key)
    assert delivery.apply_receipts([receipt], store=told) == 1
    assert delivery.apply_receipts([receipt], store=told) == 0                  # once
    again = Provider("sms")
    assert delivery.send_due(store=told, senders={"sms": again}).handed == 0 and not again.got
    with told.reading() as uow:
        assert uow.deliveries.counts()[("sms", "delivered")] == 1


def test_a_message_to_one_named_person_goes_to_that_person_only(told, analytics):
    from wengang.services.notify import notify
    with told.transaction() as uow:
        sent = notify(uow, kind="identified", text="…", uscc=UNIT, recipient="13700001111", channel="sms",
                      params={"pack": "beijing-2021", "amount": "1.00"})
        uow.commit()
    delivery.fan_out(store=told, analytics=analytics)
    with told.reading() as uow:
        assert [(d.channel, d.recipient) for d in uow.deliveries.of_notification(sent)] == [("sms", "13700001111")]


def test_told_with_the_contacts_each_message_is_fanned_out_as_it_is_queued(store, analytics, settings, opened):
    store.clock = Clock(dt.datetime(2021, 7, 1, 2, 0))
    analytics.people[UNIT] = [LEGAL, CLERK]
    told = tell.tell(store=store, settings=settings, analytics=analytics)
    assert told.copies == 3 and delivery.fan_out(store=store, analytics=analytics) == 0
    with store.reading() as uow:
        [mine] = uow.notifications.of_unit(UNIT, limit=10)
        routes = sorted((d.channel, d.recipient, d.status) for d in uow.deliveries.of_notification(mine.id))
    assert mine.status == "sent" and routes == [("email", "zhang@example.cn", "pending"),
                                                ("sms", "13812345678", "pending"), ("wechat", "oWX-1234567890", "pending")]


def test_told_while_the_analytical_store_is_being_written_the_inbox_does_not_wait(store, analytics, settings, opened):
    """An evaluation holds the store: the messages are queued pending all the same, and fan-out sends them on."""
    from wengang.domain.errors import AnalyticsBusy

    store.clock = Clock(dt.datetime(2021, 7, 1, 2, 0))
    analytics.people[UNIT] = [LEGAL, CLERK]

    class Busy:
        def contacts_of(self, usccs, run_id):
            raise AnalyticsBusy("evaluation")

    told = tell.tell(store=store, settings=settings, analytics=Busy())
    assert told.total >= 1 and told.copies == 0
    with store.reading() as uow:
        [mine] = uow.notifications.of_unit(UNIT, limit=10)
    assert mine.status == "pending"
    assert delivery.fan_out(store=store, analytics=analytics) == 3
