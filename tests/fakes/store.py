"""The unit of work and the store in memory: a transaction works on its own copy of the committed state, commit
publishes the copy, leaving without commit throws it away; every repository is the fake of its SQL twin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tests.fakes import calls, cases, departments, jobs, money, payments, people, process
from tests.fakes.audit import AuditTrail, FakeAuditLog
from tests.fakes.figures import FakeFigures
from tests.fakes.table import Table
from wengang.adapters.clock import SystemClock
from wengang.domain.ports import AuditAnchors, Clock

AUDIT_KEY = b"fake-store-audit-key-32-bytes!!!"


class State:
    """Every table of the store and its audit trail: what a commit publishes as one."""

    def __init__(self, tables: dict[str, Table], trail: AuditTrail):
        self.tables, self.trail = tables, trail

    @classmethod
    def empty(cls) -> State:
        tables = {**process.tables(), **people.tables(), **money.tables(), **payments.tables(), **jobs.tables(), **calls.tables(),
                  **departments.tables(),
                  "cases": cases.table()}
        return cls(tables, AuditTrail())

    def copy(self) -> State:
        return State({name: t.copy() for name, t in self.tables.items()}, self.trail.copy())


class FakeUnitOfWork:
    """A transaction over a private copy of the store's state: its repositories see its own changes at once,
    others see them only once it commits; leaving without commit() discards them."""

    def __init__(self, store: FakeStore, *, write: bool = True):
        self._store, self._write = store, write
        self._state: State | None = None

    def __enter__(self) -> FakeUnitOfWork:
        self._now = self._store.clock.now()
        self._begin()
        return self

    def _begin(self) -> None:
        """A fresh copy of what is committed now, and repositories over it (also after each commit, as a
        connection begins a new transaction on its next statement)."""
        self._base = self._store.version
        s = self._state = self._store.state.copy()
        t = s.tables
        self.cases = cases.FakeCases(t["cases"], self._now, t["recoveries"])
        self.cycles, self.rounds = process.FakeCycles(t["cycles"]), process.FakeRounds(t["rounds"])
        self.jobs = jobs.FakeJobs(t["jobs"])
        self.publicity_batches = process.FakePublicityBatches(t["publicity_batches"])
        self.objections = process.FakeObjections(t["objections"])
        self.planned_batches = process.FakePlannedBatches(t["planned_batches"])
        self.applications = process.FakeApplications(t["applications"])
        self.reverifications = process.FakeReverifications(t["reverifications"])
        self.application_attachments = process.FakeApplicationAttachments(t["application_attachments"])
        self.users, self.sessions = people.FakeUsers(t["users"]), people.FakeSessions(t["sessions"])
        self.activation_codes = people.FakeActivationCodes(t["activation_codes"])
        self.login_failures = people.FakeLoginFailures(t["login_failures"])
        self.lookup_codes = people.FakeLookupCodes(t["lookup_codes"])
        self.account_requests = people.FakeAccountRequests(t["account_requests"])
        self.callbacks, self.notifications = people.FakeCallbacks(t["callbacks"]), people.FakeNotifications(
            t["notifications"])
        self.deliveries = people.FakeDeliveries(t["deliveries"], t["notifications"], t["cases"])
        self.calls = calls.FakeCalls(t["calls"], t["call_assignments"])
        self.specialists = calls.FakeSpecialists(t["specialists"])
        self.department_reviews = departments.FakeDepartmentReviews(t["department_reviews"])
        self.figures = FakeFigures(t["cases"], t["attempts"], t["cycles"], s.trail, t["recoveries"])
        self.offices = people.FakeOffices(t["offices"], t["duties"])
        self.reminders = people.FakeReminders(t["reminders"])
        self.audit = FakeAuditLog(s.trail, self._now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), self._store.audit_key)
        self.payments = payments.FakePayments(t["attempts"], t["ledger"], t["payment_batches"], self._now,
                                               cases=t["cases"], accounts=t["accounts"], cycles=t["cycles"])
        self.accounts = money.FakePaymentAccounts(t["accounts"])
        self.payment_batches = money.FakePaymentBatches(t["payment_batches"])
        self.bank_files, self.recoveries = money.FakeBankFiles(t["bank_files"]), money.FakeRecoveries(t["recoveries"])
        self.payment_exceptions = money.FakePaymentExceptions(t["payment_exceptions"])

    def __exit__(self, *exc: object) -> None:
        self._state = None                  # not committed: gone

    def commit(self) -> None:
        """Publish this transaction's state. Two writers never interleave on the real store (SQLite takes the write
        lock at BEGIN, PostgreSQL's row locks queue them); here a commit over a newer state fails loudly."""
        if self._state is None:
            raise RuntimeError("commit outside the unit of work")
        if not self._write:
            raise RuntimeError("a reading unit of work does not commit")
        if self._store.version != self._base:
            raise AssertionError("another unit of work committed while this one was open: the fake cannot merge")
        self._store.publish(self._state)
        self._begin()

    def now(self) -> dt.datetime:
        return self._now


class FakeStore:
    """The Store port in memory: `state` is what is committed; `clock` gives each unit of work its time."""

    anchors: AuditAnchors | None = None

    def __init__(self, *, clock: Clock | None = None, audit_key: bytes | None = AUDIT_KEY):
        self.clock = clock or SystemClock()
        self.audit_key = audit_key
        self.state = State.empty()
        self.version = 0                    # how many commits: a unit of work notices one made after it began

    def publish(self, state: State) -> None:
        self.state, self.version = state, self.version + 1

    def transaction(self, patience: float | None = None) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def reading(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self, write=False)

    def opener(self) -> Callable[[], FakeStore]:
        raise NotImplementedError("FakeStore.opener: an in-memory store cannot be opened by another process")

    def change_mark(self) -> int:
        return self.state.trail.head[0]

    def settle(self, *tables: str) -> None:
        """Memory has no statistics to bring up to date."""

    def close(self) -> None:
        """Nothing to release (the fixtures close real and fake stores alike)."""
