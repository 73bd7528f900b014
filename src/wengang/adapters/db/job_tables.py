"""The job table: long steps queued for the worker process, with their lease, progress and result."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Integer, String, Table, Text, text

from wengang.adapters.db.tables import Id, metadata, one_of
from wengang.domain.jobs import JobKind, JobState

ACTIVE_WHERE = "state = 'queued' OR state = 'running'"

jobs = Table(
    "jobs", metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("cycle_id", Id),                             # no foreign key: opening a cycle has none yet
    Column("scope", String(120), nullable=False),
    Column("params", Text, nullable=False),             # JSON object of strings
    Column("state", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("step", Text, nullable=False, server_default=""),
    Column("done", Integer, nullable=False, server_default="0"),
    Column("total", Integer, nullable=False, server_default="0"),
    Column("submitted_by", String(80), nullable=False),
    Column("submitted_at", DateTime, nullable=False),
    Column("started_at", DateTime),
    Column("heartbeat_at", DateTime),
    Column("lease_until", DateTime),
    Column("worker", String(120)),
    Column("finished_at", DateTime),
    Column("error", Text),
    Column("result", Text),                             # JSON object of strings, once done
    CheckConstraint(one_of("kind", [k.value for k in JobKind]), name="known_kind"),
    CheckConstraint(one_of("state", [s.value for s in JobState]), name="known_state"),
    CheckConstraint("state <> 'running' OR lease_until IS NOT NULL", name="running_has_lease"),
    CheckConstraint("attempts >= 0 AND done >= 0 AND total >= 0", name="counts_not_negative"),
    # One job per cycle (or scope) at a time, held by the database whatever races two submissions run.
    Index("uq_jobs_one_active_per_scope", "scope", unique=True,
          sqlite_where=text(ACTIVE_WHERE), postgresql_where=text(ACTIVE_WHERE)),
    Index("ix_jobs_state", "state"),
)
