"""Two more kinds of job: cancelling a cycle and writing its bank files, each a long step moved out of the request.

Issue 14: at 500,000 cases, cancelling a cycle closed every case inside the web request, and the bank files of every
approved batch were written (rendered, validated against the XSD) inside it too. The jobs table's known kinds grow by
two; the one-active-job-per-scope index is dropped and made again around the change (SQLite rebuilds the table).

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None

OLD_KINDS = ("open_cycle", "compare", "publicity_start", "reverify", "prepare_batches", "reconcile", "import_snapshot")
KINDS = (*OLD_KINDS, "cancel_cycle", "write_bank_files")
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
    # The older schema cannot hold a job of the new kinds: they go (their submission and end stay in the audit log).
    op.execute(f"DELETE FROM jobs WHERE NOT ({_one_of('kind', OLD_KINDS)})")
    _known_kinds(OLD_KINDS)
