"""The outbox file channel: one JSON line per message, written where a gateway (or a person, in the demo) reads it.

A message that carries a secret (an activation code) arrives here sealed and is written sealed: the file holds its
masked text and the sealed blob, so a copy of the file opens nothing; the gateway, which holds the key, opens it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

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
