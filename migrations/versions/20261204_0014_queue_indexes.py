"""Queues fast at 500,000 cases, and two more filters: the (cycle, state, …) queue indexes of tables.QUEUE_INDEXES
(the district one on the very expression SqlCases filters on), and two case columns: the run's size class and when
the case last moved or changed.

Issue 14: a state × district page took 14 s (SQLite) and 3.3 s (PostgreSQL) at 500,000 cases; staff could not
filter by size class or by date. `changed_at` of an existing case is its newest audit entry's time (else its cycle's
opening); its size class is not in the store (it was the run's), so it stays unknown until a cycle opens anew.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from wengang.adapters.db.tables import QUEUE_DDL, QUEUE_DROP, SEARCH

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

NEWEST = {
    "sqlite": "UPDATE cases SET changed_at = (SELECT replace(rtrim(max(a.at), 'Z'), 'T', ' ') FROM audit_log a "
              "WHERE a.case_id = cases.id)",
    "postgresql": "UPDATE cases SET changed_at = n.at FROM (SELECT case_id, max(at)::timestamp AS at FROM audit_log "
                  "WHERE case_id IS NOT NULL GROUP BY case_id) n WHERE n.case_id = cases.id",
}


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): SQLite keeps the table (and the search triggers of 0010) as it is.
    op.add_column("cases", sa.Column("size_class", sa.String(8)))
    op.add_column("cases", sa.Column("changed_at", sa.DateTime()))
    op.execute(NEWEST[op.get_bind().dialect.name])
    op.execute("UPDATE cases SET changed_at = (SELECT opened_at FROM cycles WHERE cycles.id = cases.cycle_id) "
               "WHERE changed_at IS NULL")
    for statement in QUEUE_DDL:
        op.execute(statement)


def downgrade() -> None:
    for statement in QUEUE_DROP:
        op.execute(statement)
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("changed_at")
        batch.drop_column("size_class")
    if op.get_bind().dialect.name == "sqlite":     # the rebuilt table lost the name search's triggers (see 0010)
        for statement in SEARCH["sqlite"]:
            op.execute(statement)
