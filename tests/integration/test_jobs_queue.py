"""The job queue on SQLite and PostgreSQL: submit, one job per cycle, claim, two claimers, a lapsed lease taken over,
progress on the row, every move audited; and a job run end to end by the worker's loop."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import AS_OF, PACK
from wengang import bootstrap
from wengang.domain.audit import Entry
from wengang.domain.errors import NotFound, Refused
from wengang.domain.jobs import IllegalJobMove, JobBusy, JobKind, JobLost, JobState
from wengang.services import job_steps, jobs

K = JobKind


EVENT, SUBJECT = Entry._fields.index("event"), Entry._fields.index("subject")


def events(store) -> list[str]:
    with store.reading() as uow:
        return [e[EVENT] for e in uow.audit.entries() if e[SUBJECT].startswith("job:")]


def test_submit_refuses_a_second_job_for_the_same_cycle(db_store, opened):
    cycle_id = opened.cycle.id
    first = jobs.submit(K.COMPARE, store=db_store, by="clerk", cycle_id=cycle_id, baseline=job_steps.baseline)
    assert first.state is JobState.QUEUED and first.params == {"rounds_before": "1"}
    with pytest.raises(JobBusy, match=f"^该周期已有任务在排队或运行 \\(任务 {first.id}\\).*/ cycle:{cycle_id}"):
        jobs.submit(K.PREPARE_BATCHES, store=db_store, by="clerk", cycle_id=cycle_id)
    jobs.cancel(first.id, store=db_store, by="clerk")
    again = jobs.submit(K.PREPARE_BATCHES, store=db_store, by="clerk", cycle_id=cycle_id)      # freed by the cancel
    assert again.id == first.id + 1
    with pytest.raises(NotFound):
        jobs.submit(K.COMPARE, store=db_store, by="clerk", cycle_id=999)
    with pytest.raises(Refused, match="needs pack, as_of"):
        jobs.submit(K.OPEN_CYCLE, store=db_store, by="clerk")
    with pytest.raises(Refused, match="already has a cycle"):
        jobs.submit(K.OPEN_CYCLE, store=db_store, by="clerk", params={"pack": PACK, "as_of": str(AS_OF)},
                    baseline=job_steps.baseline)
    assert events(db_store) == ["job_submitted", "job_cancelled", "job_submitted"]


def test_the_database_keeps_one_active_job_per_scope_whatever_the_race(db_store, opened):
    jobs.submit(K.REVERIFY, store=db_store, by="clerk", cycle_id=opened.cycle.id)
    with db_store.transaction() as uow:       # a second submitter that looked before the first one committed
        with pytest.raises(JobBusy):
            uow.jobs.add(kind=K.REVERIFY, cycle_id=opened.cycle.id, scope=f"cycle:{opened.cycle.id}", params={},
                         submitted_by="reviewer", submitted_at=uow.now())
        assert uow.jobs.active(f"cycle:{opened.cycle.id}") is not None      # the transaction still works


def test_claim_takes_the_oldest_then_none_and_a_lapsed_lease_is_taken_over(db_store, opened):
    a = jobs.submit(K.PREPARE_BATCHES, store=db_store, by="clerk", cycle_id=opened.cycle.id)
    b = jobs.submit(K.IMPORT_SNAPSHOT, store=db_store, by="clerk", params={"folder": "/nowhere"})
    one = jobs.claim(store=db_store, worker="w1")
    two = jobs.claim(store=db_store, worker="w2")
    assert (one.id, two.id) == (a.id, b.id) and one.attempts == 1 and one.state is JobState.RUNNING
    assert jobs.claim(store=db_store, worker="w3") is None
    with pytest.raises(IllegalJobMove):
        jobs.cancel(a.id, store=db_store, by="clerk")                       # running: it finishes
    # w1 dies: its lease runs out, w3 takes the job over; w1 can no longer report on it
    with db_store.transaction() as uow:
        uow.connection.execute(text("UPDATE jobs SET lease_until = :t WHERE id = :i"),
                               {"t": dt.datetime(2000, 1, 1), "i": a.id})
        uow.commit()
    taken = jobs.claim(store=db_store, worker="w3")
    assert (taken.id, taken.attempts, taken.worker, taken.resumed) == (a.id, 2, "w3", True)
    with pytest.raises(JobLost):
        jobs.finish(one, store=db_store, result={})
    done = jobs.finish(taken, store=db_store, result={"batches": "C1-B102-1"})
    assert (done.state, done.result, done.percent) == (JobState.DONE, {"batches": "C1-B102-1"}, 100)
    failed = jobs.fail(two, store=db_store, error="没有这个文件夹 / no such folder")
    assert failed.state is JobState.FAILED and failed.error.startswith("没有这个文件夹")
    assert events(db_store) == ["job_submitted", "job_submitted", "job_started", "job_started", "job_resumed",
                                "job_finished", "job_failed"]
    assert [j.id for j in jobs.recent(store=db_store)] == [b.id, a.id]
    assert [j.id for j in jobs.recent(store=db_store, cycle_id=opened.cycle.id)] == [a.id]


@pytest.mark.postgres
def test_two_claimers_on_postgresql_skip_the_row_the_other_holds(postgres_url, db_store, opened):
    """Claimer 1 holds job 1's row lock mid-transaction; claimer 2 neither waits nor takes it: it gets job 2."""
    if db_store.dialect != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite's write transaction already serialises claimers")
    a = jobs.submit(K.PREPARE_BATCHES, store=db_store, by="clerk", cycle_id=opened.cycle.id)
    b = jobs.submit(K.IMPORT_SNAPSHOT, store=db_store, by="clerk", params={"folder": "/x"})
    with db_store.transaction() as first:
        held = first.jobs.next_claimable(first.now())
        started = time.perf_counter()
        other = jobs.claim(store=db_store, worker="w2")
        assert time.perf_counter() - started < 2
        assert (held.id, other.id) == (a.id, b.id)


def test_sqlite_claimers_queue_on_the_write_lock_and_never_take_the_same_job(db_store, opened):
    if db_store.dialect != "sqlite":
        pytest.skip("the PostgreSQL twin is the SKIP LOCKED test")
    made = [jobs.submit(K.IMPORT_SNAPSHOT, store=db_store, by="clerk", params={"folder": "/x"})]
    made.append(jobs.submit(K.PREPARE_BATCHES, store=db_store, by="clerk", cycle_id=opened.cycle.id))
    got: list[int] = []

    def claimer(name: str) -> None:
        job = jobs.claim(store=db_store, worker=name)
        if job is not None:
            got.append(job.id)

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == [j.id for j in made]


def test_the_worker_loop_runs_a_job_writing_its_progress_and_result(db_store, db_settings, opened):
    """Re-verification is refused (no closed batch): the job fails with the service's words; preparing batches on
    the same cycle then runs (nothing payable yet) and reports its progress on the row."""
    handlers = job_steps.handlers(store=db_store, analytics=bootstrap.analytics(db_settings), settings=db_settings,
                                  banks=None)  # type: ignore[arg-type]
    refused = jobs.submit(K.REVERIFY, store=db_store, by="clerk", cycle_id=opened.cycle.id)
    ran = jobs.run_next(store=db_store, handlers=handlers, worker="w1", every=0.05)
    assert ran.id == refused.id and ran.state is JobState.FAILED
    assert ran.error.startswith("没有已结束公示的批次 / no publicity batch")

    def slow(job, progress):
        for i in range(1, 4):
            progress.step("第一步 / step one")
            progress.advance(i, 3)
            time.sleep(0.15)
        return {"n": "3"}

    job = jobs.submit(K.PREPARE_BATCHES, store=db_store, by="clerk", cycle_id=opened.cycle.id)
    watcher = []
    t = threading.Thread(target=lambda: [watcher.append(jobs.get(job.id, store=db_store)) or time.sleep(0.1)
                                         for _ in range(5)])
    t.start()
    done = jobs.run_next(store=db_store, handlers={K.PREPARE_BATCHES: slow}, worker="w1", every=0.05)
    t.join()
    assert done.state is JobState.DONE and done.result == {"n": "3"}
    assert any(j.step == "第一步 / step one" and j.total == 3 for j in watcher)
    stop = threading.Event()
    stop.set()
    assert jobs.work(store=db_store, handlers=handlers, worker="w1", stop=stop) == 0


def test_an_unexpected_error_fails_the_job_in_words_not_a_trace(db_store, opened):
    job = jobs.submit(K.PREPARE_BATCHES, store=db_store, by="clerk", cycle_id=opened.cycle.id)

    def broken(job, progress):
        raise RuntimeError("SELECT * FROM secret")

    done = jobs.run_next(store=db_store, handlers={K.PREPARE_BATCHES: broken}, worker="w1")
    assert done.id == job.id and done.state is JobState.FAILED
    assert "SELECT" not in done.error and done.error.startswith("任务内部错误")


def test_the_jobs_table_has_its_one_active_index(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'uq_jobs_one_active_per_scope'"))
        else:
            sql = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_jobs_one_active_per_scope'"))
        assert "UNIQUE" in sql.scalar().upper()
    engine.dispose()
