"""Jobs in memory, as adapters/db/repositories/jobs.py keeps them (one active job per scope, like its index)."""

from __future__ import annotations

import datetime as dt

from tests.fakes.table import Table
from wengang.domain.jobs import ACTIVE, Job, JobBusy, JobKind, JobState, Params


def tables() -> dict[str, Table]:
    return {"jobs": Table("jobs", Job, label=("任务", "job"), coerce={"state": JobState, "kind": JobKind},
                          unique={"one_active_per_scope": lambda j: j.scope if j.state in ACTIVE else None})}


class FakeJobs:
    def __init__(self, table: Table):
        self.t = table

    def add(self, *, kind: JobKind, cycle_id: int | None, scope: str, params: Params, submitted_by: str,
            submitted_at: dt.datetime) -> Job:
        found = self.active(scope)
        if found is not None:
            raise JobBusy(scope, found.id)
        return self.t.insert({"kind": kind, "cycle_id": cycle_id, "scope": scope, "params": dict(params),
                              "state": JobState.QUEUED, "attempts": 0, "step": "", "done": 0, "total": 0,
                              "submitted_by": submitted_by, "submitted_at": submitted_at})

    def get(self, job_id: int, *, lock: bool = False) -> Job:
        return self.t.get(job_id)

    def active(self, scope: str) -> Job | None:
        return self.t.one(lambda j: j.scope == scope and j.state in ACTIVE)

    def next_claimable(self, now: dt.datetime) -> Job | None:
        return self.t.one(lambda j: j.claimable(now))

    def save(self, job: Job) -> None:
        self.t.put(job)

    def beat(self, job_id: int, *, worker: str, attempt: int, at: dt.datetime, lease_until: dt.datetime,
             step: str, done: int, total: int) -> bool:
        return self.t.update(job_id, {"heartbeat_at": at, "lease_until": lease_until, "step": step, "done": done,
                                      "total": total}, state=JobState.RUNNING, worker=worker, attempts=attempt)

    def recent(self, *, limit: int = 50, cycle_id: int | None = None) -> list[Job]:
        return self.t.where(lambda j: cycle_id is None or j.cycle_id == cycle_id, reverse=True)[:limit]
