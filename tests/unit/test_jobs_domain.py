"""The Job aggregate's legal moves: claim under a lease, take-over only once it lapsed, finish only by its holder."""

from __future__ import annotations

import datetime as dt

import pytest

from wengang.domain.errors import Refused
from wengang.domain.jobs import IllegalJobMove, Job, JobKind, JobLost, JobState, check_params, scope_of

T0 = dt.datetime(2026, 12, 1, 8, 0)
LEASE = dt.timedelta(seconds=30)


def queued() -> Job:
    return Job(1, JobKind.COMPARE, 7, "cycle:7", {}, JobState.QUEUED, 0, "", 0, 0, "clerk", T0, None, None, None,
               None, None, None, None)


def test_a_claim_holds_until_the_lease_lapses_then_another_worker_takes_over():
    job = queued().claim("w1", T0, LEASE)
    assert (job.state, job.attempts, job.worker, job.lease_until, job.resumed) == \
        (JobState.RUNNING, 1, "w1", T0 + LEASE, False)
    with pytest.raises(IllegalJobMove):
        job.claim("w2", T0 + LEASE - dt.timedelta(seconds=1), LEASE)
    taken = job.claim("w2", T0 + LEASE + dt.timedelta(seconds=1), LEASE)
    assert (taken.attempts, taken.worker, taken.resumed, taken.started_at) == (2, "w2", True, T0)
    with pytest.raises(JobLost):
        taken.finish("w1", 1, T0, {})
    done = taken.finish("w2", 2, T0, {"round": "2"})
    assert (done.state, done.result, done.percent, done.lease_until) == (JobState.DONE, {"round": "2"}, 100, None)
    with pytest.raises(JobLost):
        done.fail("w2", 2, T0, "late")


def test_only_a_queued_job_is_cancelled_and_progress_is_a_percentage():
    with pytest.raises(IllegalJobMove, match="only a queued job"):
        queued().claim("w1", T0, LEASE).cancel(T0)
    assert queued().cancel(T0).state is JobState.CANCELLED
    from dataclasses import replace
    assert replace(queued(), done=1, total=3).percent == 33 and queued().percent is None


def test_parameters_and_scopes():
    with pytest.raises(Refused, match="acts on a cycle"):
        check_params(JobKind.PREPARE_BATCHES, None, {})
    with pytest.raises(Refused, match="needs folder"):
        check_params(JobKind.IMPORT_SNAPSHOT, None, {})
    with pytest.raises(Refused, match="needs reason"):                  # a cycle is never cancelled without why
        check_params(JobKind.CANCEL_CYCLE, 3, {})
    with pytest.raises(Refused, match="acts on a cycle"):
        check_params(JobKind.WRITE_BANK_FILES, None, {})
    assert scope_of(JobKind.CANCEL_CYCLE, 3, {"reason": "x"}) == scope_of(JobKind.WRITE_BANK_FILES, 3, {}) == "cycle:3"
    assert scope_of(JobKind.OPEN_CYCLE, None, {"pack": "beijing-2021", "program": "ui-return"}) == \
        "open:ui-return:beijing-2021"
    assert scope_of(JobKind.RECONCILE, 3, {"files": "a"}) == "cycle:3"
    assert scope_of(JobKind.RECONCILE, None, {"files": "a"}) == "reconcile"
