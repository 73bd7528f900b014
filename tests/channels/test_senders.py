"""Every channel's sender fits the port: its channel is one of the system's, and an empty batch is no call."""

from __future__ import annotations

from wengang.adapters.channels.mail import SmtpSender
from wengang.adapters.channels.sms_gateway import SmsGatewaySender
from wengang.adapters.channels.wechat import WeChatSender
from wengang.domain.contact import CHANNELS
from wengang.domain.ports import Sender


def test_each_sender_is_a_sender_of_its_channel_and_an_empty_batch_touches_nothing():
    nowhere = "http://127.0.0.1:9"                          # the discard port: nothing may be called
    senders: list[Sender] = [
        SmsGatewaySender(nowhere, "id", "secret", "稳岗返还", {"paid": "SMS_1"}),
        SmtpSender("127.0.0.1", 9, "noreply@wengang.local"),
        WeChatSender(nowhere, "wx", "secret", {"paid": "TPL"}),
    ]
    assert [s.channel for s in senders] == ["sms", "email", "wechat"]
    assert set(s.channel for s in senders) <= set(CHANNELS)
    assert all(s.send([]) == [] for s in senders)
