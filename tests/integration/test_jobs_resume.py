"""A worker that died after its step committed but before it marked the job done: the next worker takes the job
over and reports the step instead of doing it twice (one cycle, one round, one list, one payment per case, one
cancellation, one record of each bank file with the same bytes), with the result an uninterrupted run gives. (test_jobs_kill.py kills a real worker process at a random moment.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import AS_OF, PACK
from wengang import bootstrap
from wengang.domain.audit import Entry
from wengang.domain.errors import Refused
from wengang.domain.jobs import JobKind, JobState
from wengang.services import job_steps, jobs, payments

K = JobKind
EVENT = Entry._fields.index("event")


class Killed(BaseException):
    """What kill -9 leaves behind: nothing runs after it (no fail, no finish)."""


def dies_after_its_step(handlers, kind):
    """The kind's real step, then the worker dies before it can mark the job done."""
    def step(job, progress):
        handlers[kind](job, progress)
        raise Killed
    return {**handlers, kind: step}


def lapse(store, job_id: int) -> None:
    with store.transaction() as uow:
        uow.connection.execute(text("UPDATE jobs SET lease_until = :t WHERE id = :i"),
                               {"t": dt.datetime(2000, 1, 1), "i": job_id})
        uow.commit()


def run_killed_then_resumed(store, handlers, kind, **submit) -> tuple[jobs.Job, jobs.Job]:
    """Run a job twice: killed after its step committed, then taken over. The uninterrupted twin for comparison
    is the first attempt's own step: the resumed result must describe exactly what it did."""
    job = jobs.submit(kind, store=store, by="clerk", baseline=job_steps.baseline, **submit)
    with pytest.raises(Killed):
        jobs.run_next(store=store, handlers=dies_after_its_step(handlers, kind), worker="w1", every=0.05)
    assert jobs.get(job.id, store=store).state is JobState.RUNNING
    assert jobs.claim(store=store, worker="w2") is None            # its lease still holds: nobody takes it yet
    lapse(store, job.id)
    done = jobs.run_next(store=store, handlers=handlers, worker="w2", every=0.05)
    assert (done.id, done.state, done.attempts, done.worker) == (job.id, JobState.DONE, 2, "w2"), done.error
    return job, done


def audit_events(store) -> Counter:
    with store.reading() as uow:
        return Counter(e[EVENT] for e in uow.audit.entries())


def test_open_compare_and_publicity_resumed_after_their_commit_are_not_done_twice(db_store, db_settings, case_city):
    handlers = job_steps.handlers(store=db_store, analytics=bootstrap.analytics(db_settings), settings=db_settings,
                                  banks=None)  # type: ignore[arg-type]
    _, opened = run_killed_then_resumed(db_store, handlers, K.OPEN_CYCLE,
                                        params={"pack": PACK, "as_of": str(AS_OF),
                                                "snapshot": case_city["snapshots"][1]})
    cycle_id = int(opened.result["cycle_id"])
    assert opened.result["cases"] == str(len(case_city["v1"].decided))
    with db_store.reading() as uow:
        assert len(uow.cycles.all()) == 1
    _, compared = run_killed_then_resumed(db_store, handlers, K.COMPARE, cycle_id=cycle_id,
                                          params={"snapshot": case_city["snapshots"][2]})
    assert compared.result["round"] == "2" and compared.result["snapshot"] == case_city["snapshots"][2]
    _, listed = run_killed_then_resumed(db_store, handlers, K.PUBLICITY_START, cycle_id=cycle_id)
    assert listed.result["batch"] == f"C{cycle_id}-P1" and int(listed.result["entries"]) > 0
    with db_store.reading() as uow:
        assert len(uow.rounds.of_cycle(cycle_id)) == 2 and len(uow.publicity_batches.of_cycle(cycle_id)) == 1
    seen = audit_events(db_store)
    assert (seen["cycle_opened"], seen["comparison_round"], seen["batch_opened"]) == (1, 1, 1)
    assert seen["case_opened"] == len(case_city["v1"].decided)
    assert (seen["job_started"], seen["job_resumed"], seen["job_finished"]) == (3, 3, 3)


def test_preparing_batches_resumed_after_its_commit_pays_nobody_twice(pay_store, pay_settings, reverified):
    handlers = job_steps.handlers(store=pay_store, analytics=bootstrap.analytics(pay_settings), settings=pay_settings,
                                  banks=None)  # type: ignore[arg-type]
    _, done = run_killed_then_resumed(pay_store, handlers, K.PREPARE_BATCHES, cycle_id=reverified)
    batches = payments.list_batches(store=pay_store, cycle_id=reverified)
    assert done.result["batches"] == ", ".join(b.number for b in batches) and len(batches) == 4
    assert done.result["payments"] == "30" and done.result["skipped"] == "0"
    with pay_store.reading() as uow:
        attempts = uow.payments.attempts(case_ids=None)
        assert len(attempts) == 30 and len({a.case_id for a in attempts}) == 30


def test_cancelling_resumed_after_its_commit_reports_the_cancelled_cycle(db_store, db_settings, opened):
    handlers = job_steps.handlers(store=db_store, analytics=bootstrap.analytics(db_settings), settings=db_settings,
                                  banks=None)  # type: ignore[arg-type]
    cycle_id = opened.cycle.id
    open_cases = opened.cases - opened.counts["rejected"][0]
    _, done = run_killed_then_resumed(db_store, handlers, K.CANCEL_CYCLE, cycle_id=cycle_id,
                                      params={"reason": "快照选错 / wrong snapshot"})
    assert done.result == {"reason": "快照选错 / wrong snapshot", "cases_rejected": str(opened.cases)}
    seen = audit_events(db_store)
    assert (seen["cycle_cancelled"], seen["case_closed"]) == (1, open_cases)          # closed once, not twice
    assert (seen["job_resumed"], seen["job_finished"], seen["job_failed"]) == (1, 1, 0)


class DiesWhileClosing:
    """A Progress whose worker is killed once the first chunk of cases was closed (inside the transaction)."""

    def __init__(self, inner):
        self.inner, self.closing = inner, False

    def step(self, label: str) -> None:
        self.closing = label.startswith("案件不予返还")
        self.inner.step(label)

    def advance(self, done: int, total: int) -> None:
        if self.closing and done:
            raise Killed
        self.inner.advance(done, total)


def test_cancelling_killed_mid_transaction_is_run_again_whole(db_store, db_settings, opened):
    handlers = job_steps.handlers(store=db_store, analytics=bootstrap.analytics(db_settings), settings=db_settings,
                                  banks=None)  # type: ignore[arg-type]
    cycle_id = opened.cycle.id
    job = jobs.submit(K.CANCEL_CYCLE, store=db_store, by="clerk", cycle_id=cycle_id, params={"reason": "wrong data"},
                      baseline=job_steps.baseline)
    dying = {**handlers, K.CANCEL_CYCLE: lambda j, p: handlers[K.CANCEL_CYCLE](j, DiesWhileClosing(p))}
    with pytest.raises(Killed):
        jobs.run_next(store=db_store, handlers=dying, worker="w1", every=0.05)
    with db_store.reading() as uow:                                     # nothing of the killed attempt is left
        assert uow.cycles.get(cycle_id).cancelled_at is None
        assert uow.cases.count_by_state(cycle_id) == opened.counts
    lapse(db_store, job.id)
    done = jobs.run_next(store=db_store, handlers=handlers, worker="w2", every=0.05)
    assert (done.state, done.attempts) == (JobState.DONE, 2), done.error
    assert done.result["cases_rejected"] == str(opened.cases)
    assert audit_events(db_store)["cycle_cancelled"] == 1


def test_writing_bank_files_resumed_after_its_commit_records_each_batch_once_with_the_same_bytes(
        pay_store, pay_settings, reverified):
    handlers = job_steps.handlers(store=pay_store, analytics=bootstrap.analytics(pay_settings), settings=pay_settings,
                                  banks=bootstrap.banks())
    made = payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(pay_settings),
                                    settings=pay_settings, by="clerk-wang")
    for b in made.batches:
        payments.approve_batch(b.number, store=pay_store, settings=pay_settings, by="approver-li")
    first, done = run_killed_then_resumed(pay_store, handlers, K.WRITE_BANK_FILES, cycle_id=reverified)
    numbers = [b.number for b in made.batches]
    assert first.params["batches"] == done.result["batches"] == ", ".join(numbers)     # fixed at submission
    folder = Path(done.result["written_to"])
    names = done.result["names"].split(", ")
    with pay_store.reading() as uow:
        recorded = uow.bank_files.of_direction("out")
        batches = [payments.find(uow, n) for n in numbers]
    assert sorted(f.name for f in recorded) == sorted(names) and len(recorded) == len(numbers)    # once each
    assert [b.status for b in batches] == ["sent"] * len(numbers)
    assert [hashlib.sha256((folder / b.file_name).read_bytes()).hexdigest() for b in batches] == \
        [b.file_sha256 for b in batches]                                 # the file on disk is the one recorded
    with zipfile.ZipFile(done.result["archive"]) as z:
        assert sorted(z.namelist()) == sorted(names)
    seen = audit_events(pay_store)
    assert seen["payment_file_written"] == len(numbers) and seen["job_resumed"] == 1
    with pytest.raises(Refused, match="没有已审批"):                   # nothing left to write: refused at submission
        jobs.submit(K.WRITE_BANK_FILES, store=pay_store, by="clerk", cycle_id=reverified, baseline=job_steps.baseline)
