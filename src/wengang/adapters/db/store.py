"""The unit of work and the store: one transaction per use case, the only place that commits."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from functools import partial

from sqlalchemy import Engine

from wengang.adapters.clock import SystemClock
from wengang.adapters.db.audit_log import SqlAuditLog
from wengang.adapters.db.cases import SqlCases
from wengang.adapters.db.engine import WRITE, WalCheckpointer, make_engine, upgrade
from wengang.adapters.db.payments import SqlPayments
from wengang.adapters.db.records import SqlRecords
from wengang.domain.ports import Clock


class SqlUnitOfWork:
    """A transaction with its repositories; leaving without commit() rolls everything back."""

    def __init__(self, engine: Engine, *, write: bool = True, after_commit: Callable[[], None] | None = None,
                 clock: Clock | None = None):
        self._engine, self._write, self._after_commit = engine, write, after_commit
        self._clock = clock or SystemClock()
        self._conn = None

    def __enter__(self) -> SqlUnitOfWork:
        self._conn = self._engine.connect().execution_options(**{WRITE: self._write})
        self._conn.begin()
        self._now = self._clock.now()
        self.cases = SqlCases(self._conn)
        self.records = SqlRecords(self._conn)
        self.audit = SqlAuditLog(self._conn, self._now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        self.payments = SqlPayments(self._conn, self._now)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._conn.in_transaction():
                self._conn.rollback()
        finally:
            self._conn.close()
            self._conn = None

    def commit(self) -> None:
        self._conn.commit()
        if self._after_commit is not None:
            self._after_commit()

    def now(self) -> dt.datetime:
        """The transaction's time (UTC), the same for every row and audit entry it writes."""
        return self._now

    @property
    def connection(self):
        """For tests and benchmarks that must reach under the ports (tampering, timing)."""
        return self._conn


class SqlStore:
    """The operational store on one engine, migrated to head when opened."""

    def __init__(self, engine: Engine, clock: Clock | None = None):
        self.engine = engine
        self.clock = clock or SystemClock()   # where each unit of work takes its time (a demo may set it back)
        self._checkpointer = WalCheckpointer.for_engine(engine)
        self._marks = threading.local()       # per thread: a driver connection is not shared between threads

    @classmethod
    def open(cls, url: str, *, migrate: bool = True, clock: Clock | None = None) -> SqlStore:
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine, clock)

    def opener(self) -> Callable[[], SqlStore]:
        """How another process opens this same database (picklable; already migrated, so no migration there)."""
        return partial(SqlStore.open, self.engine.url.render_as_string(hide_password=False), migrate=False,
                       clock=self.clock)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def transaction(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, after_commit=self._checkpointer and self._checkpointer.soon,
                             clock=self.clock)

    def reading(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, write=False, clock=self.clock)

    def change_mark(self) -> int:
        """The audit chain's length in one round trip on a connection kept for it (no transaction around one
        read of one row: a web request asks this every time, 0.09 ms instead of 0.7 ms on PostgreSQL)."""
        try:
            return self._read_mark()
        except self.engine.dialect.loaded_dbapi.Error:
            self._drop_mark_connection()           # dropped (a database restart): one more try on a new one
            return self._read_mark()

    def _read_mark(self) -> int:
        raw = getattr(self._marks, "conn", None)
        if raw is None:
            raw = self._marks.conn = self.engine.raw_connection()
            if self.dialect == "postgresql":
                raw.driver_connection.autocommit = True
        cursor = raw.driver_connection.cursor()
        try:
            cursor.execute("SELECT seq FROM audit_head WHERE id = 1")
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()

    def _drop_mark_connection(self) -> None:
        raw = getattr(self._marks, "conn", None)
        self._marks.conn = None
        if raw is not None:
            raw.invalidate()

    def close(self) -> None:
        self._drop_mark_connection()
        if self._checkpointer is not None:
            self._checkpointer.close()
        self.engine.dispose()
