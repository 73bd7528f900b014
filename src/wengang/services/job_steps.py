"""What each kind of job runs, safe to run again after a worker died mid-way: the one place the worker calls the
long services (open, compare, publicity, re-verify, prepare, reconcile, import, cancel, bank files) with their ports.

Each service commits its step in one transaction, so a killed attempt either committed all of it or nothing. A
re-run (job.resumed) first asks whether the step is already in the database and, if so, reports it instead of
doing it twice; the kinds that are idempotent by themselves (preparing batches: a live attempt blocks a second one;
reconciling: a file read before changes nothing; importing: the same content is found by its hash; bank files: a
batch sent is written byte for byte again, or its file taken as it lies, and recorded once) simply run again. The result of a resumed job is read from the database the same way as an uninterrupted one's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from wengang.config import Settings
from wengang.domain.cases import State
from wengang.domain.errors import Refused
from wengang.domain.jobs import Job, JobKind, Params
from wengang.domain.ports import Analytics, Banks, Store, UnitOfWork
from wengang.domain.progress import Progress
from wengang.services import (
    cycle_files,
    cycles,
    payments,
    publicity,
    publicity_plan,
    reconcile,
    reverify,
    simulation_page,
    snapshots,
)
from wengang.services.jobs import Handler

K = JobKind


def baseline(kind: JobKind, cycle_id: int | None, params: Params, uow: UnitOfWork) -> Params:
    """What a re-run must know of the state before the job (taken at submission), and refusals known then."""
    if kind is K.OPEN_CYCLE:
        program = params.get("program") or cycles.programme_for(params["pack"])
        if uow.cycles.of_program(program, params["pack"]) is not None:
            raise Refused(f"政策包 {params['pack']} 已有周期 / program {program} already has a cycle for "
                          f"{params['pack']}")
        return {"program": program}
    if kind is K.COMPARE and cycle_id is not None:
        return {"rounds_before": str(len(uow.rounds.of_cycle(cycle_id)))}
    if kind is K.PUBLICITY_START and cycle_id is not None:
        return {"batches_before": str(len(uow.publicity_batches.of_cycle(cycle_id)))}
    if kind is K.CANCEL_CYCLE and cycle_id is not None:
        cycles.check_cancel(uow, cycle_id, params["reason"])     # a reason, not twice, no money moved, no batch waiting
    if kind is K.WRITE_BANK_FILES and cycle_id is not None:
        return {"batches": cycle_files.approved(uow, cycle_id)}
    return {}


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def handlers(*, store: Store, analytics: Analytics, settings: Settings,
             banks: Banks) -> dict[JobKind, Handler]:
    """The step of each kind on these ports (bootstrap wires them for the worker)."""

    def open_cycle(job: Job, progress: Progress) -> Params:
        p = job.params
        with store.reading() as uow:
            found = uow.cycles.of_program(p["program"], p["pack"]) if job.resumed else None
        if found is None:
            found = cycles.open_cycle(p["pack"], dt.date.fromisoformat(p["as_of"]), store=store, analytics=analytics,
                                      settings=settings, snapshot=p.get("snapshot"), by=job.submitted_by, program=p["program"],
                                      progress=progress).cycle
        s = cycles.status(found.id, store=store)
        return {"cycle_id": str(found.id), "cases": str(s.cases), "run": found.run_id,
                "snapshot": found.snapshot_id}

    def compare(job: Job, progress: Progress) -> Params:
        cycle_id, before = _cycle(job), int(job.params.get("rounds_before", "0"))
        if not (job.resumed and len(_rounds(cycle_id)) > before):
            cycles.compare(cycle_id, store=store, analytics=analytics, settings=settings,
                           snapshot=job.params.get("snapshot"), as_of=_date(job.params.get("as_of")), by=job.submitted_by, progress=progress)
        r = _rounds(cycle_id)[before]
        return {"round": str(r.round_no), "run": r.run_id, "snapshot": r.snapshot_id, "changed": str(r.changed)}

    def publicity_start(job: Job, progress: Progress) -> Params:
        cycle_id, before = _cycle(job), int(job.params.get("batches_before", "0"))
        if job.params.get("planned"):                  # one planned batch: safe to repeat (it starts once)
            b = _start_planned(cycle_id, int(job.params["planned"]), job, progress)
        else:
            if not (job.resumed and len(_batches(cycle_id)) > before):
                publicity.start(cycle_id, store=store, starts_on=_date(job.params.get("starts_on")),
                                by=job.submitted_by, progress=progress)
            b = _batches(cycle_id)[before]
        return {"batch": b.number, "entries": str(b.entries), "starts_on": b.starts_on.isoformat(),
                "ends_on": b.ends_on.isoformat()}

    def _start_planned(cycle_id: int, planned_id: int, job: Job, progress: Progress):
        with store.reading() as uow:
            planned = uow.planned_batches.get(planned_id)
        if planned.cycle_id != cycle_id:
            raise Refused(f"计划批次不属于周期 {cycle_id} / the planned batch is not of cycle {cycle_id}")
        if planned.publicity_batch_id is None:
            return publicity_plan.start_planned(planned_id, store=store, by=job.submitted_by, progress=progress)
        with store.reading() as uow:
            return uow.publicity_batches.get(planned.publicity_batch_id)

    def reverify_(job: Job, progress: Progress) -> Params:
        cycle_id = _cycle(job)
        if not (job.resumed and not _waiting_for_reverification(cycle_id)):
            reverify.reverify(cycle_id, store=store, analytics=analytics, settings=settings,
                              snapshot=job.params.get("snapshot"), as_of=_date(job.params.get("as_of")), by=job.submitted_by, progress=progress)
        return _counts(cycle_id)

    def prepare(job: Job, progress: Progress) -> Params:
        cycle_id = _cycle(job)
        done = payments.prepare_batches(cycle_id, store=store, analytics=analytics, settings=settings,
                                        by=job.submitted_by, execution_date=_date(job.params.get("execution_date")), progress=progress)
        waiting = [b for b in payments.list_batches(store=store, cycle_id=cycle_id) if b.status == "prepared"]
        return {"batches": ", ".join(b.number for b in waiting), "payments": str(sum(b.entries for b in waiting)),
                "total": str(sum((b.total for b in waiting), start=0)), "skipped": str(len(done.skipped))}

    def reconcile_(job: Job, progress: Progress) -> Params:
        files = [Path(f) for f in job.params["files"].splitlines() if f.strip()]
        done = reconcile.ingest(files, store=store, banks=banks, settings=settings, by=job.submitted_by,
                                progress=progress)
        return {"files": str(len(done)), "records": str(sum(f.records for f in done if not f.already_read)),
                "already_read": str(sum(f.already_read for f in done)),
                "exceptions": str(sum(len(f.exceptions) for f in done))}

    def import_snapshot(job: Job, progress: Progress) -> Params:
        p = job.params
        done = snapshots.import_folder(Path(p["folder"]), analytics=analytics, settings=settings,
                                       encoding=p.get("encoding"), lenient=p.get("lenient") == "yes", progress=progress)
        if done.snapshot is None:
            raise snapshots.SnapshotRefused(done)
        return {"snapshot": done.snapshot.id, "quarantined": str(done.snapshot.quarantined),
                "rows": str(sum(done.snapshot.row_counts.values()))}

    def cancel_cycle(job: Job, progress: Progress) -> Params:
        cycle_id = _cycle(job)
        with store.reading() as uow:
            done = job.resumed and uow.cycles.get(cycle_id).cancelled
        if not done:
            cycles.cancel(cycle_id, store=store, reason=job.params["reason"], by=job.submitted_by, job_id=job.id,
                          progress=progress)
        with store.reading() as uow:
            cycle = uow.cycles.get(cycle_id)
        return {"reason": cycle.cancel_reason or "", **_counts(cycle_id)}

    def write_bank_files(job: Job, progress: Progress) -> Params:
        return cycle_files.write(_cycle(job), job.params["batches"].split(", "), store=store, banks=banks,
                                 settings=settings, by=job.submitted_by, job_id=job.id, progress=progress)

    def _cycle(job: Job) -> int:
        if job.cycle_id is None:
            raise Refused(f"任务需指定周期 / a {job.kind} job acts on a cycle")
        return job.cycle_id

    def _rounds(cycle_id: int):
        with store.reading() as uow:
            return uow.rounds.of_cycle(cycle_id)

    def _batches(cycle_id: int):
        with store.reading() as uow:
            return sorted(uow.publicity_batches.of_cycle(cycle_id), key=lambda b: b.id)

    def _waiting_for_reverification(cycle_id: int) -> bool:
        with store.reading() as uow:
            closed = [b.id for b in uow.publicity_batches.of_cycle(cycle_id) if not b.is_open]
            return any(next(iter(uow.cases.of_cycle(cycle_id, [State.PUBLICITY], batch_id=b, limit=1)), None)
                       for b in closed)

    def _counts(cycle_id: int) -> Params:
        counts: Mapping[str, tuple[int, object]] = cycles.status(cycle_id, store=store).counts
        return {f"cases_{state}": str(n) for state, (n, _) in sorted(counts.items())}

    def simulate(job: Job, progress: Progress) -> Params:
        run_id, changes, cap = simulation_page.from_params(job.params)
        made = simulation_page.run(run_id, changes, cap, by=job.submitted_by, store=store, analytics=analytics,
                                   progress=progress)
        return {"simulation": made.id or ""}

    return {K.OPEN_CYCLE: open_cycle, K.COMPARE: compare, K.PUBLICITY_START: publicity_start, K.REVERIFY: reverify_,
            K.PREPARE_BATCHES: prepare, K.RECONCILE: reconcile_, K.IMPORT_SNAPSHOT: import_snapshot,
            K.CANCEL_CYCLE: cancel_cycle, K.WRITE_BANK_FILES: write_bank_files, K.SIMULATE: simulate}
