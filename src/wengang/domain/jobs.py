"""A long step run by a worker process instead of a web request: a typed job with its legal moves and its errors.

queued → running (claimed by a worker, under a lease it renews) → done | failed; queued → cancelled. A running job
whose lease ran out (its worker was killed) is claimed again and run again: every kind's step is safe to repeat."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from wengang.domain.errors import DomainError, Refused

Params = Mapping[str, str]      # a job's inputs (and its result) as flat words: stored as JSON, shown to staff


class JobKind(StrEnum):
    """What a job does (the values are stored); each is one of the long steps of a cycle."""

    OPEN_CYCLE = "open_cycle"
    COMPARE = "compare"
    PUBLICITY_START = "publicity_start"
    REVERIFY = "reverify"
    PREPARE_BATCHES = "prepare_batches"
    RECONCILE = "reconcile"
    IMPORT_SNAPSHOT = "import_snapshot"
    CANCEL_CYCLE = "cancel_cycle"
    WRITE_BANK_FILES = "write_bank_files"
    SIMULATE = "simulate"                   # a policy simulation (issue 19.1): read-only, kept as aggregates


K = JobKind
# The parameters each kind needs (others are optional), and whether it acts on one cycle (given at submission).
REQUIRED: dict[JobKind, tuple[str, ...]] = {
    K.OPEN_CYCLE: ("pack", "as_of"), K.COMPARE: (), K.PUBLICITY_START: (), K.REVERIFY: (), K.PREPARE_BATCHES: (),
    K.RECONCILE: ("files",), K.IMPORT_SNAPSHOT: ("folder",), K.CANCEL_CYCLE: ("reason",), K.WRITE_BANK_FILES: (),
    K.SIMULATE: ("run",),
}
ON_A_CYCLE = frozenset({K.COMPARE, K.PUBLICITY_START, K.REVERIFY, K.PREPARE_BATCHES, K.CANCEL_CYCLE,
                        K.WRITE_BANK_FILES})


class JobState(StrEnum):
    """Where a job stands (the values are stored)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


S = JobState
ACTIVE = (S.QUEUED, S.RUNNING)          # at most one such job per scope (a database index holds it too)
FINISHED = (S.DONE, S.FAILED, S.CANCELLED)


class JobBusy(Refused):
    """A second job asked for a cycle (or scope) that already has one queued or running."""

    def __init__(self, scope: str, job_id: int):
        self.scope, self.job_id = scope, job_id
        super().__init__(f"该周期已有任务在排队或运行 (任务 {job_id}), 请等它结束 / {scope} already has job {job_id} "
                         "queued or running: wait for it to finish")


class JobLost(DomainError):
    """A worker reported on a job it no longer holds: its lease ran out and another worker claimed the job."""


class IllegalJobMove(Refused):
    """A job asked for a move its state does not allow (cancel a running job, finish a queued one …)."""


def scope_of(kind: JobKind, cycle_id: int | None, params: Params) -> str:
    """What a job excludes others from: its cycle; for opening, the programme and pack; one import, one bank-return
    reading (without a cycle) at a time."""
    if cycle_id is not None:
        return f"cycle:{cycle_id}"
    if kind is K.OPEN_CYCLE:
        return f"open:{params.get('program', '')}:{params['pack']}"
    return f"{kind.value}"


def check_params(kind: JobKind, cycle_id: int | None, params: Params) -> None:
    """A job is refused at submission, not in the worker, when it lacks what its kind needs."""
    missing = [p for p in REQUIRED[kind] if not params.get(p)]
    if missing:
        raise Refused(f"任务缺少参数 {', '.join(missing)} / a {kind.value} job needs {', '.join(missing)}")
    if kind in ON_A_CYCLE and cycle_id is None:
        raise Refused(f"任务需指定周期 / a {kind.value} job acts on a cycle: give its id")


@dataclass(frozen=True, slots=True)
class Job:
    """One long step: what, on which cycle, with which inputs; who asked; how far it is; how it ended."""

    id: int
    kind: JobKind
    cycle_id: int | None
    scope: str
    params: Params
    state: JobState
    attempts: int                        # claims so far; a worker holds the job only while its attempt is the last
    step: str                            # the step under way, in words (from the Progress port)
    done: int
    total: int
    submitted_by: str
    submitted_at: dt.datetime
    started_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    lease_until: dt.datetime | None
    worker: str | None
    finished_at: dt.datetime | None
    error: str | None
    result: Params | None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def resumed(self) -> bool:
        """Claimed again after a worker died holding it: its step may already have committed."""
        return self.attempts > 1

    @property
    def percent(self) -> int | None:
        """How far the current step is, 0–100, or None while it has not said how much there is."""
        if self.state is S.DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total > 0 else None

    def claimable(self, now: dt.datetime) -> bool:
        """Queued, or running under a lease that ran out (its worker is gone)."""
        return self.state is S.QUEUED or (self.state is S.RUNNING and self.lease_until is not None
                                          and self.lease_until < now)

    def claim(self, worker: str, now: dt.datetime, lease: dt.timedelta) -> Job:
        """The job held by `worker` until now + lease (renewed by its heartbeat), one attempt more."""
        if not self.claimable(now):
            raise IllegalJobMove(f"任务 {self.id} 为 {self.state}, 不能领取 / job {self.id} is {self.state} and its "
                                 "lease holds: it cannot be claimed")
        return replace(self, state=S.RUNNING, attempts=self.attempts + 1, worker=worker, lease_until=now + lease,
                       heartbeat_at=now, started_at=self.started_at or now, error=None)

    def held_by(self, worker: str, attempt: int) -> None:
        """JobLost unless this worker's attempt is still the running one."""
        if self.state is not S.RUNNING or self.worker != worker or self.attempts != attempt:
            raise JobLost(f"任务 {self.id} 已不由本进程持有 / job {self.id} is no longer held by {worker} "
                          f"(attempt {attempt}; now {self.state}, attempt {self.attempts} by {self.worker})")

    def finish(self, worker: str, attempt: int, now: dt.datetime, result: Params) -> Job:
        self.held_by(worker, attempt)
        return replace(self, state=S.DONE, finished_at=now, result=dict(result), lease_until=None, error=None,
                       done=max(self.done, self.total))

    def fail(self, worker: str, attempt: int, now: dt.datetime, error: str, result: Params | None = None) -> Job:
        """Failed, with why in words and, where the failure left something to read (a fault report), what."""
        self.held_by(worker, attempt)
        return replace(self, state=S.FAILED, finished_at=now, error=error[:2000], lease_until=None, result=result)

    def cancel(self, now: dt.datetime) -> Job:
        """Only a queued job is cancelled; a running one finishes (its step commits whole or not at all)."""
        if self.state is not S.QUEUED:
            raise IllegalJobMove(f"任务 {self.id} 为 {self.state}, 只有排队中的任务可取消 / job {self.id} is "
                                 f"{self.state}: only a queued job can be cancelled")
        return replace(self, state=S.CANCELLED, finished_at=now)
