"""The outbox file channel: one JSON line per message, written where a gateway (or a person, in the demo) reads it.

A message that carries a secret (an activation code) arrives here sealed and is written sealed: the file holds its
masked text and the sealed blob, so a copy of the file opens nothing; the gateway, which holds the key, opens it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from wengang.domain.contact import HANDED_SENT, Delivery, Handed
from wengang.domain.identifiers import mask_email, mask_phone
from wengang.domain.ports import Sealer


class OutboxFile:
    """Appends messages to a JSON-lines file and fsyncs, so a message handed over is not lost in a crash."""

    def __init__(self, path: Path, *, sealer: Sealer | None = None):
        self.path, self._sealer = path, sealer

    def send(self, messages: Iterable[Mapping[str, Any]]) -> int:
        """Append every message as it is handed over (a secret stays in its sealed field)."""
        lines = [json.dumps(dict(m), ensure_ascii=False, default=str) + "\n" for m in messages]
        if not lines:
            return 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.writelines(lines)
            out.flush()
            os.fsync(out.fileno())
        return len(lines)

    def read(self) -> list[dict[str, Any]]:
        """The lines as written: secrets still sealed."""
        if not self.path.is_file():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def opened(self) -> list[dict[str, Any]]:
        """The lines as the gateway sends them: a sealed message opened to its full text and recipient."""
        if self._sealer is None:
            raise RuntimeError("this outbox has no key to open sealed messages")
        found = []
        for line in self.read():
            if line.get("sealed"):
                inside = json.loads(self._sealer.open(line["sealed"], line["seal_context"]))
                line = {**line, "text": inside["text"], "recipient": inside["recipient"], "sealed": None}
            found.append(line)
        return found


def masked(channel: str, recipient: str) -> str:
    """A recipient as a file or log may show it: a phone 138****5678, an e-mail z***@example.cn, an openid's start."""
    if channel == "email":
        return mask_email(recipient)
    if channel == "wechat":
        return recipient[:4] + "****"
    return mask_phone(recipient)


class OutboxSender:
    """A channel whose provider is the gateway reading the outbox file (no SMS, mail or WeChat account set up, as in
    the demo): each delivery is one line, its recipient and text sealed whole under its key's context, masked in
    clear; the gateway drops a key it has seen (the file itself keeps a resend)."""

    def __init__(self, channel: str, outbox: OutboxFile, sealer: Sealer):
        self.channel, self._outbox, self._sealer = channel, outbox, sealer

    def send(self, batch: Sequence[Delivery]) -> list[Handed]:
        lines = [{"key": d.key, "channel": d.channel, "kind": d.event, "recipient": masked(d.channel, d.recipient),
                  "subject": d.subject, "text": d.text, "seal_context": f"delivery:{d.key}",
                  "sealed": self._sealer.seal(json.dumps({"text": d.text, "recipient": d.recipient},
                                                         ensure_ascii=False), f"delivery:{d.key}")} for d in batch]
        self._outbox.send(lines)
        return [Handed(d.key, HANDED_SENT, d.key) for d in batch]
