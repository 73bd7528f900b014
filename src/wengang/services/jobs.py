"""Long steps as jobs: submitted by staff, claimed and run by a worker process under a lease it renews, audited from
submission to the end. A killed worker's job is claimed again once its lease runs out, and run again: each kind's
step (services/job_steps.py) skips what a committed earlier attempt already did."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping

from wengang.domain.audit import SYSTEM, Draft
from wengang.domain.errors import DomainError
from wengang.domain.jobs import Job, JobBusy, JobKind, JobLost, Params, check_params, scope_of
from wengang.domain.ports import Store, UnitOfWork
from wengang.domain.progress import Progress

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=120)     # a worker silent this long is taken for dead (its heartbeat renews it)
BEAT_SECONDS = 0.5                    # progress reaches the job row at most this often
POLL_SECONDS = 1.0
DUE_SECONDS = 60.0                    # how often the worker looks for scheduled work whose day has come
Handler = Callable[[Job, Progress], Params]
Baseline = Callable[[JobKind, int | None, Params, UnitOfWork], Params]
# Who may submit each kind: the permission its CLI command already asks for.
PERMISSION: dict[JobKind, str] = {
    JobKind.OPEN_CYCLE: "cycle.run", JobKind.COMPARE: "cycle.run", JobKind.REVERIFY: "cycle.run",
    JobKind.IMPORT_SNAPSHOT: "cycle.run", JobKind.PUBLICITY_START: "publicity.run",
    JobKind.PREPARE_BATCHES: "batch.prepare", JobKind.RECONCILE: "bank.reconcile",
    JobKind.CANCEL_CYCLE: "cycle.run", JobKind.WRITE_BANK_FILES: "batch.files", JobKind.SIMULATE: "policy.simulate",
}


def submit(kind: JobKind, *, store: Store, by: str, cycle_id: int | None = None, params: Params | None = None,
           baseline: Baseline | None = None) -> Job:
    """Queue a job; refused (JobBusy) while its cycle has another queued or running. `baseline` adds what a re-run
    needs to know of the state before (services/job_steps.baseline)."""
    given = {k: str(v) for k, v in (params or {}).items() if v is not None and str(v) != ""}
    check_params(kind, cycle_id, given)
    scope = scope_of(kind, cycle_id, given)
    with store.transaction() as uow:
        if cycle_id is not None:
            uow.cycles.get(cycle_id)
        found = uow.jobs.active(scope)
        if found is not None:
            raise JobBusy(scope, found.id)
        if baseline is not None:
            given |= baseline(kind, cycle_id, given, uow)
        job = uow.jobs.add(kind=kind, cycle_id=cycle_id, scope=scope, params=given, submitted_by=by,
                           submitted_at=uow.now())
        uow.audit.append([Draft(by, "job_submitted", f"job:{job.id}", reason=f"提交任务 / job submitted: {kind}",
                                data={"kind": kind.value, "cycle": cycle_id, "params": dict(given)})])
        uow.commit()
    return job


def cancel(job_id: int, *, store: Store, by: str) -> Job:
    """Cancel a job still waiting in the queue (a running one finishes: its step commits whole or not at all)."""
    with store.transaction() as uow:
        job = uow.jobs.get(job_id, lock=True).cancel(uow.now())
        uow.jobs.save(job)
        uow.audit.append([Draft(by, "job_cancelled", f"job:{job.id}", reason=f"取消任务 / job cancelled: {job.kind}",
                                data={"kind": job.kind.value, "cycle": job.cycle_id})])
        uow.commit()
    return job


def get(job_id: int, *, store: Store) -> Job:
    with store.reading() as uow:
        return uow.jobs.get(job_id)


def recent(*, store: Store, limit: int = 50, cycle_id: int | None = None) -> list[Job]:
    with store.reading() as uow:
        return uow.jobs.recent(limit=limit, cycle_id=cycle_id)


def claim(*, store: Store, worker: str, lease: dt.timedelta = LEASE) -> Job | None:
    """The oldest waiting job (or one whose worker died), now held by `worker`; None when there is none."""
    with store.reading() as uow:                         # a look first: an idle poll takes no write lock
        if uow.jobs.next_claimable(uow.now()) is None:
            return None
    with store.transaction() as uow:
        found = uow.jobs.next_claimable(uow.now())
        if found is None:
            return None
        job = found.claim(worker, uow.now(), lease)
        uow.jobs.save(job)
        event, words = ("job_resumed", "重新运行 / resumed") if job.resumed else ("job_started", "开始 / started")
        uow.audit.append([Draft(SYSTEM, event, f"job:{job.id}", reason=f"任务{words}: {job.kind}",
                                data={"kind": job.kind.value, "cycle": job.cycle_id, "worker": worker,
                                      "attempt": job.attempts})])
        uow.commit()
    return job


def finish(job: Job, *, store: Store, result: Params) -> Job:
    """The job done with its result (JobLost if another worker claimed it meanwhile)."""
    with store.transaction() as uow:
        done = uow.jobs.get(job.id, lock=True).finish(job.worker or "", job.attempts, uow.now(), result)
        uow.jobs.save(done)
        uow.audit.append([Draft(SYSTEM, "job_finished", f"job:{job.id}", reason=f"任务完成 / job done: {job.kind}",
                                data={"kind": job.kind.value, "cycle": job.cycle_id, "result": dict(result),
                                      "attempt": job.attempts})])
        uow.commit()
    return done


def fail(job: Job, *, store: Store, error: str, result: Params | None = None) -> Job:
    """The job failed, with why in words staff can act on and what it left them to read (`result`, e.g. a refused
    import's fault report); JobLost if another worker claimed it meanwhile."""
    with store.transaction() as uow:
        failed = uow.jobs.get(job.id, lock=True).fail(job.worker or "", job.attempts, uow.now(), error, result)
        uow.jobs.save(failed)
        uow.audit.append([Draft(SYSTEM, "job_failed", f"job:{job.id}", reason=f"任务失败 / job failed: {job.kind}",
                                data={"kind": job.kind.value, "cycle": job.cycle_id, "error": failed.error,
                                      "attempt": job.attempts})])
        uow.commit()
    return failed


class JobProgress:
    """The Progress port for a job: the step thread only notes where it is; a heartbeat thread of its own writes
    that to the job row (at most every `every` seconds) and renews the lease, so a step never waits for it. On
    SQLite the heartbeat waits while the step holds the write lock and catches up when it commits."""

    def __init__(self, job: Job, *, store: Store, lease: dt.timedelta = LEASE, every: float = BEAT_SECONDS):
        self.job, self.store, self.lease, self.every = job, store, lease, every
        self._step, self._done, self._total = job.step, job.done, job.total
        self._written: tuple[str, int, int] | None = None
        self._last = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job.id}-heartbeat", daemon=True)
        self.lost = False

    def step(self, label: str) -> None:
        self._step, self._done, self._total = label, 0, 0

    def advance(self, done: int, total: int) -> None:
        self._done, self._total = done, total

    def __enter__(self) -> JobProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=max(5.0, self.every * 4))

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            seen = (self._step, self._done, self._total)
            if seen == self._written and time.monotonic() - self._last < self.lease.total_seconds() / 4:
                continue
            try:
                self._beat(*seen)
            except Exception:  # noqa: BLE001 - a missed heartbeat is retried; the lease is longer than a few
                log.warning("任务 %s 心跳未写入 / heartbeat of job %s not written", self.job.id, self.job.id,
                            exc_info=True)

    def _beat(self, step: str, done: int, total: int) -> None:
        with self.store.transaction() as uow:
            held = uow.jobs.beat(self.job.id, worker=self.job.worker or "", attempt=self.job.attempts, at=uow.now(),
                                 lease_until=uow.now() + self.lease, step=step[:500], done=max(done, 0),
                                 total=max(total, 0))
            uow.commit()
        self._written, self._last = (step, done, total), time.monotonic()
        if not held and not self.lost:
            self.lost = True
            log.warning("任务 %s 已被另一进程领取 / job %s was claimed by another worker", self.job.id, self.job.id)


def run_next(*, store: Store, handlers: Mapping[JobKind, Handler], worker: str, lease: dt.timedelta = LEASE,
             every: float = BEAT_SECONDS) -> Job | None:
    """Claim one job and run it to its end (done or failed); None when the queue is empty."""
    job = claim(store=store, worker=worker, lease=lease)
    if job is None:
        return None
    result: Params | None = None
    error, left = "", None
    try:
        with JobProgress(job, store=store, lease=lease, every=every) as progress:
            result = handlers[job.kind](job, progress)
    except (DomainError, LookupError, ValueError, OSError) as err:
        error, left = str(err) or type(err).__name__, getattr(err, "job_result", None)
    except Exception as err:  # noqa: BLE001 - the job fails with words; the trace goes to the worker's log
        log.exception("任务 %s 出错 / job %s failed", job.id, job.id)
        error = (f"任务内部错误, 详见工作进程日志 / internal error ({type(err).__name__}): see the worker's log")
    try:
        if result is not None:
            return finish(job, store=store, result=result)
        return fail(job, store=store, error=error, result=left)
    except JobLost as err:
        log.warning("%s", err)
        return get(job.id, store=store)


def work(*, store: Store, handlers: Mapping[JobKind, Handler], worker: str, stop: threading.Event,
         poll: float = POLL_SECONDS, lease: dt.timedelta = LEASE, every: float = BEAT_SECONDS,
         due: Callable[[], object] | None = None, due_every: float = DUE_SECONDS) -> int:
    """The worker loop: run jobs until `stop` is set (a job under way finishes first); how many it ran. `due`, when
    given, is scheduled work (publicity batches whose day has come) done at the start and every `due_every` seconds."""
    ran, next_due = 0, time.monotonic()
    while not stop.is_set():
        if due is not None and time.monotonic() >= next_due:
            next_due = time.monotonic() + due_every
            try:
                due()
            except Exception:  # noqa: BLE001 - scheduled work is tried again next time; the queue goes on
                log.exception("排期任务失败 / scheduled work failed")
        try:
            job = run_next(store=store, handlers=handlers, worker=worker, lease=lease, every=every)
        except Exception:  # noqa: BLE001 - the database away for a while: wait and try again, do not die
            log.exception("工作进程无法领取任务 / the worker cannot claim a job")
            stop.wait(poll * 5)
            continue
        if job is None:
            stop.wait(poll)
        else:
            ran += 1
            log.info("任务 %s %s: %s", job.id, job.kind, job.state)
    return ran
