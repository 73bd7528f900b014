"""Answers kept while nothing changed: every state change appends to the audit chain, so its length is the key."""

from __future__ import annotations

import threading
from typing import Any

MISSING = object()


class UntilChanged:
    """Per-process answers by key, each valid only for the audit-chain length (the mark) it was computed at.

    The mark is read before an answer is computed, so an answer can only be older than its mark says, never newer:
    a change that lands meanwhile moves the chain, and the next request computes afresh."""

    def __init__(self, size: int = 20_000):
        self.size = size
        self._data: dict[Any, tuple[int, Any]] = {}
        self._lock = threading.Lock()

    def peek(self, key: Any, mark: int) -> Any:
        """The kept answer for this mark, or MISSING."""
        found = self._data.get(key)
        return found[1] if found is not None and found[0] == mark else MISSING

    def put(self, key: Any, mark: int, value: Any) -> None:
        """Keep an answer for this mark."""
        with self._lock:
            if len(self._data) >= self.size:
                self._data.clear()                      # bounded: start afresh rather than track ages
            self._data[key] = (mark, value)
