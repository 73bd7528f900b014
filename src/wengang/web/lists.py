"""The publicity xlsx anyone may download, kept per list version: writing it costs seconds of CPU, reading it none."""

from __future__ import annotations

import threading
from typing import NamedTuple

from wengang.domain.ports import Store
from wengang.services import publicity


class Kept(NamedTuple):
    """One list's file: the audit-chain length it was last checked at, what it shows (hashed), its bytes."""

    mark: int
    fingerprint: str
    number: str
    data: bytes


class ListFiles:
    """Per process, per list: while the audit chain stands still the kept file is served as it is; once the chain
    moves the list's rows are read again (cheap) and the file is written afresh only if they changed (dear)."""

    def __init__(self, size: int = 32):
        self.size = size
        self._kept: dict[str, Kept] = {}
        self._lock = threading.Lock()

    def file(self, ref: str, *, store: Store) -> tuple[str, bytes]:
        """The list's number and xlsx bytes; the mark is read first, so a kept file is never newer than its mark."""
        mark = store.change_mark()
        kept = self._kept.get(ref)
        if kept is not None and kept.mark == mark:
            return kept.number, kept.data
        batch, rows = publicity.public_rows(ref, store=store)
        fingerprint = publicity.fingerprint(batch, rows)
        data = kept.data if kept is not None and kept.fingerprint == fingerprint else publicity.workbook(batch, rows)
        with self._lock:
            if ref not in self._kept and len(self._kept) >= self.size:
                self._kept.clear()                       # bounded: start afresh rather than track ages
            self._kept[ref] = Kept(mark, fingerprint, batch.number, data)
        return batch.number, data
