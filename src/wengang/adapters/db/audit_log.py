"""The audit chain in SQL: the head row is locked, entries are keyed and chained in memory and inserted in bulk."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence

from sqlalchemy import Connection, select, update

from wengang.adapters.db.bulk import insert_rows
from wengang.adapters.db.tables import AUDIT_COLUMNS, audit_head, audit_log
from wengang.domain.audit import Draft, Entry, Head, chain


class AuditKeyMissing(RuntimeError):
    """A store opened without the keys can read the chain but must not add unkeyed entries to it."""


class SqlAuditLog:
    """The AuditLog port on one connection: appends commit or roll back with the change they record."""

    def __init__(self, conn: Connection, at: str, key: Callable[[], bytes | None] = lambda: None):
        self.conn = conn
        self.at = at
        self._key = key                    # asked for when needed: a read that never hashes never loads the key
        self.moved: Head | None = None     # the head this transaction's appends left (anchored after commit)

    @property
    def key(self) -> bytes | None:
        """The chain's HMAC key, from the keys outside the database (None for a store opened without them)."""
        return self._key()

    def state(self, *, lock: bool = False) -> Head:
        """The head row whole, in one read (locked when appending)."""
        query = (select(audit_head.c.seq, audit_head.c.hash, audit_head.c.keyed_from, audit_head.c.chain)
                 .where(audit_head.c.id == 1))
        if lock:
            query = query.with_for_update()  # PostgreSQL: appenders queue here; SQLite holds the write lock
        seq, digest, keyed_from, chain_id = self.conn.execute(query).one()
        return Head(int(seq), digest, int(keyed_from), chain_id)

    def head(self, *, lock: bool = False) -> tuple[int, str]:
        """Where the chain ends: (seq, hash)."""
        return self.state(lock=lock)[:2]

    def _locked_head(self) -> tuple[Head, bytes]:
        """The head, locked for appending, and the key; refused without one (an unkeyed entry reads as tampering)."""
        key = self.key
        if key is None:
            raise AuditKeyMissing("审计密钥未提供, 不能追加 / no audit key: this store was opened without the keys "
                                  "(open it through bootstrap.open_store), so it cannot append to the keyed chain")
        return self.state(lock=True), key

    def append(self, drafts: Iterable[Draft]) -> int:
        """Chain and insert every draft after the current head; returns how many were written."""
        head, key = self._locked_head()
        return self._insert(chain(drafts, after_seq=head.seq, after_hash=head.hash, at=self.at, key=key), head)

    def append_soon(self, drafts: Iterable[Draft]) -> Callable[[], int]:
        """Like append, but the entries are hashed in a thread while the caller's next statements run (the drivers
        let go of the GIL while the database works); calling what it returns inserts them and says how many."""
        head, key = self._locked_head()
        placed: list[Entry] = []
        failed: list[BaseException] = []

        def hashing() -> None:
            try:
                placed.extend(chain(drafts, after_seq=head.seq, after_hash=head.hash, at=self.at, key=key))
            except BaseException as err:  # noqa: BLE001 - handed to the caller's thread, raised there
                failed.append(err)

        worker = threading.Thread(target=hashing, name="audit-chain", daemon=True)
        worker.start()

        def finish() -> int:
            worker.join()
            if failed:
                raise failed[0]
            return self._insert(placed, head)

        return finish

    def _insert(self, entries: Iterable[Entry], head: Head) -> int:
        """Insert placed entries (streamed) and move the head to the last of them."""
        last: list[Entry | None] = [None]

        def noted() -> Iterator[Entry]:
            for entry in entries:
                last[0] = entry
                yield entry

        count = insert_rows(self.conn, audit_log, AUDIT_COLUMNS, noted())
        newest = last[0]
        if count and newest is not None:
            self.conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=newest.seq,
                                                                                    hash=newest.hash))
            self.moved = head._replace(seq=newest.seq, hash=newest.hash)
        return count

    def entries(self) -> Iterator[tuple]:
        """Every entry in sequence order, streamed (a server-side cursor on PostgreSQL)."""
        query = select(*(audit_log.c[c] for c in AUDIT_COLUMNS)).order_by(audit_log.c.seq)
        result = self.conn.execution_options(stream_results=True, yield_per=50_000).execute(query)
        for partition in result.partitions():
            yield from (tuple(r) for r in partition)

    def for_case(self, case_id: int) -> list[Entry]:
        query = (select(*(audit_log.c[c] for c in AUDIT_COLUMNS)).where(audit_log.c.case_id == case_id)
                 .order_by(audit_log.c.seq))
        return [Entry(*r) for r in self.conn.execute(query)]

    def for_subject(self, subject: str) -> list[Entry]:
        query = (select(*(audit_log.c[c] for c in AUDIT_COLUMNS)).where(audit_log.c.subject == subject)
                 .order_by(audit_log.c.seq))
        return [Entry(*r) for r in self.conn.execute(query)]

    def since(self, seq: int, events: Sequence[str], limit: int) -> list[Entry]:
        query = (select(*(audit_log.c[c] for c in AUDIT_COLUMNS))
                 .where(audit_log.c.seq > seq, audit_log.c.event.in_(list(events)))
                 .order_by(audit_log.c.seq).limit(limit))
        return [Entry(*r) for r in self.conn.execute(query).all()]      # one fetch, not one per row

    def count(self) -> int:
        return self.head()[0]
