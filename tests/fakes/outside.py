"""Fakes of the outside things a service is handed: a sealer that keeps the context it sealed under, and a
channel that keeps what it was given (opening sealed messages as the gateway would)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from typing import Any


class FakeSealer:
    """Seals by encoding, not encryption; opening under another context fails, as AES-GCM's does."""

    def seal(self, plain: str, context: str) -> str:
        return "fake-seal:" + base64.b64encode(json.dumps([context, plain]).encode()).decode()

    def open(self, sealed: str, context: str) -> str:
        sealed_under, plain = json.loads(base64.b64decode(sealed.removeprefix("fake-seal:")))
        if sealed_under != context:
            raise ValueError("sealed under another context")
        return plain


class FakeChannel:
    """Takes every message it is handed; `received` holds them as the recipient reads them (unsealed)."""

    def __init__(self, sealer: FakeSealer):
        self.sealer = sealer
        self.received: list[dict[str, Any]] = []

    def send(self, messages: Iterable[Mapping[str, Any]]) -> int:
        count = 0
        for m in messages:
            line = dict(m)
            if line.get("sealed"):
                inside = json.loads(self.sealer.open(line["sealed"], line["seal_context"]))
                line.update(text=inside["text"], recipient=inside["recipient"], sealed=None)
            self.received.append(line)
            count += 1
        return count
