"""The unit of work and the store: one transaction per use case, the only place that commits."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from functools import partial

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from wengang.adapters.clock import SystemClock
from wengang.adapters.db.audit_log import SqlAuditLog
from wengang.adapters.db.cases import SqlCases
from wengang.adapters.db.engine import PATIENCE, WRITE, WalCheckpointer, make_engine, upgrade
from wengang.adapters.db.figures import SqlFigures
from wengang.adapters.db.payments import SqlPayments
from wengang.adapters.db.repositories.calls import SqlCalls, SqlSpecialists
from wengang.adapters.db.repositories.contact import (
    SqlCallbacks,
    SqlDeliveries,
    SqlNotifications,
    SqlOffices,
    SqlReminders,
)
from wengang.adapters.db.repositories.cycles import SqlCycles, SqlRounds
from wengang.adapters.db.repositories.departments import SqlDepartmentReviews
from wengang.adapters.db.repositories.jobs import SqlJobs
from wengang.adapters.db.repositories.money import (
    SqlBankFiles,
    SqlPaymentAccounts,
    SqlPaymentBatches,
    SqlPaymentExceptions,
    SqlRecoveries,
)
from wengang.adapters.db.repositories.people import (
    SqlAccountRequests,
    SqlActivationCodes,
    SqlLoginFailures,
    SqlLookupCodes,
    SqlSessions,
    SqlUsers,
)
from wengang.adapters.db.repositories.process import (
    SqlApplicationAttachments,
    SqlApplications,
    SqlObjections,
    SqlPlannedBatches,
    SqlPublicityBatches,
    SqlReverifications,
)
from wengang.adapters.db.tables import metadata
from wengang.domain.audit import Head
from wengang.domain.errors import StoreBusy
from wengang.domain.ports import AuditAnchors, AuditLog, Cases, Clock, Keys, Payments
from wengang.domain.repositories import (
    AccountRequests,
    ActivationCodes,
    ApplicationAttachments,
    Applications,
    BankFiles,
    Callbacks,
    Calls,
    Cycles,
    Deliveries,
    DepartmentReviews,
    Figures,
    Jobs,
    LoginFailures,
    LookupCodes,
    Notifications,
    Objections,
    Offices,
    PaymentAccounts,
    PaymentBatches,
    PaymentExceptions,
    PlannedBatches,
    PublicityBatches,
    Recoveries,
    Reminders,
    Reverifications,
    Rounds,
    Sessions,
    Specialists,
    Users,
)

log = logging.getLogger(__name__)


class SqlUnitOfWork:
    """A transaction with its repositories; leaving without commit() rolls everything back."""

    # Typed as the ports, so mypy checks that each Sql repository implements its Protocol.
    cases: Cases
    cycles: Cycles
    rounds: Rounds
    jobs: Jobs
    publicity_batches: PublicityBatches
    planned_batches: PlannedBatches
    objections: Objections
    applications: Applications
    application_attachments: ApplicationAttachments
    reverifications: Reverifications
    users: Users
    sessions: Sessions
    activation_codes: ActivationCodes
    login_failures: LoginFailures
    lookup_codes: LookupCodes
    account_requests: AccountRequests
    callbacks: Callbacks
    offices: Offices
    reminders: Reminders
    notifications: Notifications
    deliveries: Deliveries
    calls: Calls
    specialists: Specialists
    department_reviews: DepartmentReviews
    figures: Figures
    audit: AuditLog
    payments: Payments
    accounts: PaymentAccounts
    payment_batches: PaymentBatches
    bank_files: BankFiles
    payment_exceptions: PaymentExceptions
    recoveries: Recoveries

    def __init__(self, engine: Engine, *, write: bool = True, after_commit: Callable[[], None] | None = None,
                 audit_key: Callable[[], bytes | None] = lambda: None, anchors: AuditAnchors | None = None,
                 clock: Clock | None = None, patience: float | None = None):
        self._engine, self._write, self._after_commit = engine, write, after_commit
        self._patience = patience
        self._audit_key, self._anchors = audit_key, anchors
        self._clock = clock or SystemClock()
        self._conn: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        options = {WRITE: self._write} | ({} if self._patience is None else {PATIENCE: self._patience * 1000})
        conn = self._conn = self._engine.connect().execution_options(**options)
        try:
            conn.begin()
        except OperationalError as err:             # SQLite: another writer held the database past our patience
            self._conn = None
            conn.close()
            if self._patience is None:
                raise
            raise StoreBusy() from err
        self._now = self._clock.now()
        self.cases = SqlCases(conn, self._now)
        self.cycles, self.rounds, self.jobs = SqlCycles(conn), SqlRounds(conn), SqlJobs(conn)
        self.publicity_batches, self.objections = SqlPublicityBatches(conn), SqlObjections(conn)
        self.planned_batches = SqlPlannedBatches(conn)
        self.applications, self.reverifications = SqlApplications(conn), SqlReverifications(conn)
        self.application_attachments = SqlApplicationAttachments(conn)
        # people and contact
        self.users, self.sessions = SqlUsers(conn), SqlSessions(conn)
        self.activation_codes, self.login_failures = SqlActivationCodes(conn), SqlLoginFailures(conn)
        self.account_requests, self.lookup_codes = SqlAccountRequests(conn), SqlLookupCodes(conn)
        self.callbacks, self.notifications = SqlCallbacks(conn), SqlNotifications(conn)
        self.deliveries = SqlDeliveries(conn)
        self.calls, self.specialists = SqlCalls(conn), SqlSpecialists(conn)
        self.department_reviews = SqlDepartmentReviews(conn)
        self.figures = SqlFigures(conn)
        self.offices, self.reminders = SqlOffices(conn), SqlReminders(conn)
        at = self._now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.audit = self._audit_log = SqlAuditLog(conn, at, self._audit_key)
        self.payments = SqlPayments(conn, self._now)
        # money records: accounts, payment batches, bank files, payment exceptions, recoveries
        self.accounts, self.payment_batches = SqlPaymentAccounts(conn), SqlPaymentBatches(conn)
        self.bank_files, self.recoveries = SqlBankFiles(conn), SqlRecoveries(conn)
        self.payment_exceptions = SqlPaymentExceptions(conn)
        return self

    def __exit__(self, *exc: object) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()

    def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit() outside the unit of work's `with` block")
        self._conn.commit()
        moved, self._audit_log.moved = self._audit_log.moved, None
        if moved is not None and self._anchors is not None:
            self._anchor(self._anchors, moved)
        if self._after_commit is not None:
            self._after_commit()

    def _anchor(self, anchors: AuditAnchors, head: Head) -> None:
        """Checkpoint the head this commit left outside the database. The change is committed whatever happens
        here: a failure (or a crash) only leaves these newest entries unanchored, which `audit verify` reports."""
        try:
            anchors.record(chain=head.chain, seq=head.seq, head_hash=head.hash, keyed_from=head.keyed_from)
        except OSError as err:
            log.error("审计锚点未写入 / audit checkpoint not written for entry #%s: %s", head.seq, err)

    def now(self) -> dt.datetime:
        """The transaction's time (UTC), the same for every row and audit entry it writes."""
        return self._now

    @property
    def connection(self):
        """For tests and benchmarks that must reach under the ports (tampering, timing)."""
        return self._conn


class SqlStore:
    """The operational store on one engine, migrated to head when opened; its audit chain keyed by `keys` and
    checkpointed outside the database by `anchors` (both wired by bootstrap; without keys it can only read)."""

    def __init__(self, engine: Engine, *, keys: Keys | None = None, anchors: AuditAnchors | None = None,
                 clock: Clock | None = None):
        self.engine = engine
        self.keys, self.anchors = keys, anchors
        self.clock = clock or SystemClock()   # where each unit of work takes its time (a demo may set it back)
        self._key: bytes | None = None
        self._checkpointer = WalCheckpointer.for_engine(engine)
        self._marks = threading.local()       # per thread: a driver connection is not shared between threads

    @classmethod
    def open(cls, url: str, *, migrate: bool = True, keys: Keys | None = None,
             anchors: AuditAnchors | None = None, clock: Clock | None = None) -> SqlStore:
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine, keys=keys, anchors=anchors, clock=clock)

    def opener(self) -> Callable[[], SqlStore]:
        """How another process opens this same database (picklable; already migrated, so no migration there)."""
        return partial(SqlStore.open, self.engine.url.render_as_string(hide_password=False), migrate=False,
                       keys=self.keys, anchors=self.anchors, clock=self.clock)

    def audit_key(self) -> bytes | None:
        """The audit chain's HMAC key, derived once when first needed."""
        if self._key is None and self.keys is not None:
            self._key = self.keys.key("audit")
        return self._key

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def transaction(self, patience: float | None = None) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, after_commit=self._checkpointer.soon if self._checkpointer else None,
                             audit_key=self.audit_key, anchors=self.anchors, clock=self.clock, patience=patience)

    def reading(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, write=False, audit_key=self.audit_key, clock=self.clock)

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
        driver = raw.driver_connection
        assert driver is not None, "a checked-out pool connection always has its driver's connection"
        if self.dialect == "postgresql":
            driver.autocommit = True
        cursor = driver.cursor()
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

    def settle(self, *tables: str) -> None:
        """Bring PostgreSQL's statistics and visibility map of tables just filled in bulk up to date (VACUUM
        ANALYZE, outside any transaction), so the pages read right after a 500,000-case cycle opens are planned on
        counts of the whole table and read its covering indexes without visiting each row (autovacuum would come by
        minutes later). SQLite plans without statistics and needs nothing."""
        if self.dialect != "postgresql":
            return
        known = set(metadata.tables)
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in tables:
                if name not in known:
                    raise ValueError(f"no such table: {name}")
                conn.exec_driver_sql(f'VACUUM (ANALYZE) "{name}"')

    def close(self) -> None:
        self._drop_mark_connection()
        if self._checkpointer is not None:
            self._checkpointer.close()
        self.engine.dispose()
