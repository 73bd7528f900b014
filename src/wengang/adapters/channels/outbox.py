"""The outbox file channel: one JSON line per message, written where a gateway (or a person, in the demo) reads it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


class OutboxFile:
    """Appends messages to a JSON-lines file and fsyncs, so a message handed over is not lost in a crash."""

    def __init__(self, path: Path):
        self.path = path

    def send(self, messages: Iterable[Mapping[str, Any]]) -> int:
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
        if not self.path.is_file():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
