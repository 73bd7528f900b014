"""Jobs: the long steps of a cycle queued for a worker process (issue 14), one active job per cycle.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KINDS = ("open_cycle", "compare", "publicity_start", "reverify", "prepare_batches", "reconcile", "import_snapshot")
STATES = ("queued", "running", "done", "failed", "cancelled")
ACTIVE_WHERE = "state = 'queued' OR state = 'running'"


def _one_of(column: str, values) -> str:
    return " OR ".join(f"{column} = '{v}'" for v in values)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", Id, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("cycle_id", Id, nullable=True),
        sa.Column("scope", sa.String(length=120), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("step", sa.Text(), server_default="", nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("submitted_by", sa.String(length=80), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("worker", sa.String(length=120), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.CheckConstraint(_one_of("kind", KINDS), name=op.f("ck_jobs_known_kind")),
        sa.CheckConstraint(_one_of("state", STATES), name=op.f("ck_jobs_known_state")),
        sa.CheckConstraint("state <> 'running' OR lease_until IS NOT NULL", name=op.f("ck_jobs_running_has_lease")),
        sa.CheckConstraint("attempts >= 0 AND done >= 0 AND total >= 0",
                           name=op.f("ck_jobs_counts_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index("uq_jobs_one_active_per_scope", "jobs", ["scope"], unique=True,
                    sqlite_where=sa.text(ACTIVE_WHERE), postgresql_where=sa.text(ACTIVE_WHERE))
    op.create_index("ix_jobs_state", "jobs", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_jobs_state", table_name="jobs")
    op.drop_index("uq_jobs_one_active_per_scope", table_name="jobs")
    op.drop_table("jobs")
