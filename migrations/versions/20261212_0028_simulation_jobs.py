"""One more kind of job: a policy simulation, a long read-only step moved out of the web request.

Issue 19.1: a simulation decides every unit of a stored run's snapshot again (about 5–8 s at 100,000 units, so far
longer at 500,000), which a director's page must not wait for. The jobs table's known kinds grow by one; the
one-active-job-per-scope index is dropped and made again around the change (SQLite rebuilds the table).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

OLD_KINDS = ("open_cycle", "compare", "publicity_start", "reverify", "prepare_batches", "reconcile", "import_snapshot",
             "cancel_cycle", "write_bank_files")
KINDS = (*OLD_KINDS, "simulate")
ACTIVE_WHERE = "state = 'queued' OR state = 'running'"


def _one_of(column: str, values) -> str:
    return " OR ".join(f"{column} = '{v}'" for v in values)


def _known_kinds(kinds: tuple[str, ...]) -> None:
    op.drop_index("uq_jobs_one_active_per_scope", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint(op.f("ck_jobs_known_kind"), type_="check")
        batch.create_check_constraint("known_kind", _one_of("kind", kinds))
    op.create_index("uq_jobs_one_active_per_scope", "jobs", ["scope"], unique=True,
                    sqlite_where=sa.text(ACTIVE_WHERE), postgresql_where=sa.text(ACTIVE_WHERE))


def upgrade() -> None:
    _known_kinds(KINDS)


def downgrade() -> None:
    # The older schema cannot hold a simulation job: they go (their submission and end stay in the audit log).
    op.execute(f"DELETE FROM jobs WHERE NOT ({_one_of('kind', OLD_KINDS)})")
    _known_kinds(OLD_KINDS)
