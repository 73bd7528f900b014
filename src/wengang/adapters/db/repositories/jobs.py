"""Jobs in SQL: claimed with FOR UPDATE SKIP LOCKED on PostgreSQL, inside the write transaction on SQLite."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import fields
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, update
from sqlalchemy.exc import IntegrityError

from wengang.adapters.db.job_tables import jobs
from wengang.adapters.db.repositories.base import TableRepository
from wengang.domain.jobs import Job, JobBusy, JobKind, JobState, Params

NAMES = [f.name for f in fields(Job)]
SAVED = ("state", "attempts", "worker", "started_at", "heartbeat_at", "lease_until", "finished_at", "error",
         "done", "total", "step")


def _words(text: str | None) -> Params | None:
    return None if text is None else {str(k): str(v) for k, v in json.loads(text).items()}


def _text(params: Params | None) -> str | None:
    return None if params is None else json.dumps(dict(params), ensure_ascii=False, sort_keys=True)


class SqlJobs(TableRepository[Job]):
    """The Jobs repository on one connection."""

    table, model, label = jobs, Job, ("任务", "job")

    def _row(self, row) -> Job:
        values: dict[str, Any] = dict(zip(NAMES, row, strict=True))
        values |= {"kind": JobKind(values["kind"]), "state": JobState(values["state"]),
                   "params": _words(values["params"]) or {}, "result": _words(values["result"])}
        return Job(**values)

    def add(self, *, kind: JobKind, cycle_id: int | None, scope: str, params: Params, submitted_by: str,
            submitted_at: dt.datetime) -> Job:
        values = {"kind": kind.value, "cycle_id": cycle_id, "scope": scope, "params": _text(params),
                  "state": JobState.QUEUED.value, "attempts": 0, "step": "", "done": 0, "total": 0,
                  "submitted_by": submitted_by, "submitted_at": submitted_at}
        try:
            with self.conn.begin_nested():          # a refused insert must not abort the whole transaction
                return self._insert(values)
        except IntegrityError:
            found = self.active(scope)
            if found is None:
                raise
            raise JobBusy(scope, found.id) from None

    def active(self, scope: str) -> Job | None:
        return self._one(jobs.c.scope == scope, or_(jobs.c.state == "queued", jobs.c.state == "running"))

    def next_claimable(self, now: dt.datetime) -> Job | None:
        lapsed: ColumnElement[bool] = and_(jobs.c.state == "running", jobs.c.lease_until < now)
        query = self._select().where(or_(jobs.c.state == "queued", lapsed)).order_by(jobs.c.id).limit(1)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = self.conn.execute(query).first()
        return None if row is None else self._row(row)

    def save(self, job: Job) -> None:
        values = {name: getattr(job, name) for name in SAVED}
        values |= {"state": job.state.value, "result": _text(job.result)}
        self.conn.execute(update(jobs).where(jobs.c.id == job.id).values(**values))

    def beat(self, job_id: int, *, worker: str, attempt: int, at: dt.datetime, lease_until: dt.datetime,
             step: str, done: int, total: int) -> bool:
        return self._update(job_id, {"heartbeat_at": at, "lease_until": lease_until, "step": step, "done": done,
                                     "total": total}, state="running", worker=worker, attempts=attempt)

    def recent(self, *, limit: int = 50, cycle_id: int | None = None) -> list[Job]:
        query = self._select()
        if cycle_id is not None:
            query = query.where(jobs.c.cycle_id == cycle_id)
        return [self._row(r) for r in self.conn.execute(query.order_by(jobs.c.id.desc()).limit(limit))]
