"""The audit chain in memory: entries chained and keyed by the domain's own code, appended with the change."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from wengang.domain.audit import GENESIS, Draft, Entry, Head, chain

CHAIN = "fakechain"


class AuditTrail:
    """A store's entries (a list shared copy-on-write by the units of work) and where the chain ends."""

    def __init__(self, entries: list[Entry] | None = None):
        self.entries: list[Entry] = entries if entries is not None else []

    def copy(self) -> AuditTrail:
        return AuditTrail(list(self.entries))

    @property
    def head(self) -> tuple[int, str]:
        return (self.entries[-1].seq, self.entries[-1].hash) if self.entries else (0, GENESIS)


class FakeAuditLog:
    """The AuditLog port over the unit of work's trail; `key` None refuses appends, as the SQL log does."""

    def __init__(self, trail: AuditTrail, at: str, key: bytes | None):
        self.trail, self.at, self.key = trail, at, key

    def _key(self) -> bytes:
        if self.key is None:
            raise RuntimeError("审计密钥未提供, 不能追加 / no audit key: this store cannot append to the keyed chain")
        return self.key

    def append(self, drafts: Iterable[Draft]) -> int:
        seq, digest = self.trail.head
        placed = list(chain(drafts, after_seq=seq, after_hash=digest, at=self.at, key=self._key()))
        self.trail.entries.extend(placed)
        return len(placed)

    def append_soon(self, drafts: Iterable[Draft]) -> Callable[[], int]:
        """The entries are placed after the head as it is now, as the SQL log's hashing thread places them."""
        seq, digest = self.trail.head
        placed = list(chain(drafts, after_seq=seq, after_hash=digest, at=self.at, key=self._key()))

        def finish() -> int:
            if self.trail.head != (seq, digest):
                raise RuntimeError("the chain moved between append_soon and its finish")
            self.trail.entries.extend(placed)
            return len(placed)

        return finish

    def head(self) -> tuple[int, str]:
        return self.trail.head

    def state(self) -> Head:
        return Head(*self.trail.head, 1, CHAIN)

    def entries(self) -> Iterator[tuple]:
        yield from (tuple(e) for e in self.trail.entries)

    def for_subject(self, subject: str) -> list[Entry]:
        return [e for e in self.trail.entries if e.subject == subject]

    def for_case(self, case_id: int) -> list[Entry]:
        return [e for e in self.trail.entries if e.case_id == case_id]

    def since(self, seq: int, events, limit: int) -> list[Entry]:
        return [e for e in self.trail.entries if e.seq > seq and e.event in events][:limit]

    def count(self) -> int:
        return self.trail.head[0]
