"""Codes (activation, look-up) by SMS: each sealed message is opened only on its way to the SMS gateway, sent as its
event's registered template with the code as a template value, under an idempotency key of its own (a resend after
a crash reaches the phone once). A gateway that is busy makes the whole round fail, so the seals stay for the next
one; a number the gateway refuses for good is given up (its code dies unused)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from wengang.domain.contact import HANDED_RETRY, Delivery
from wengang.domain.ports import Sealer, Sender

log = logging.getLogger("wengang.channels.secrets")


class GatewayBusy(RuntimeError):
    """The SMS gateway did not take every code: nothing is marked sent, the next round tries again."""


class SmsCodes:
    """The channel for sealed codes when an SMS gateway is set up (the outbox file is the channel otherwise)."""

    def __init__(self, sender: Sender, sealer: Sealer):
        self._sender, self._sealer = sender, sealer

    def send(self, messages: Iterable[Mapping[str, Any]]) -> int:
        """Open and send every sealed SMS; a message for the portal inbox only needs nothing sent."""
        out = [self._opened(m) for m in messages if m.get("sealed") and m.get("channel") == "sms"]
        if not out:
            return 0
        answers = self._sender.send(out)
        busy = [a for a in answers if a.status == HANDED_RETRY]
        if busy or len(answers) != len(out):
            raise GatewayBusy(f"短信网关未接收 {len(busy) or len(out) - len(answers)} 条验证码, 稍后重试 / the SMS "
                              "gateway did not take every code; the next round sends them again")
        refused = [a for a in answers if a.status != "sent"]
        for a in refused:
            log.warning("code %s refused by the SMS gateway: %s", a.key, a.error)
        return len(out) - len(refused)

    def _opened(self, message: Mapping[str, Any]) -> Delivery:
        inside = json.loads(self._sealer.open(message["sealed"], message["seal_context"]))
        values = {k: str(v) for k, v in (inside.get("params") or {}).items()}
        return Delivery(f"code-{message['id']}", "sms", inside["recipient"], message["kind"], values, inside["text"])
