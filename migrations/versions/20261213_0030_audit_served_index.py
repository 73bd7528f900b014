"""The reach figures (issue 16.6) count the units that served themselves or asked for a call back from the audit
log: a partial index of just those events (domain.figures.SERVED), so a dashboard reads them and not every entry of a
city's log (500,000 units, 1.8 million entries: 8 s in Python, 1 s counted by the database through this index).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-13
"""

from __future__ import annotations

from alembic import op

from wengang.adapters.db.tables import SERVED_WHERE

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_served", "audit_log", ["event", "actor", "subject"],
                    sqlite_where=SERVED_WHERE, postgresql_where=SERVED_WHERE)


def downgrade() -> None:
    op.drop_index("ix_audit_log_served", table_name="audit_log")
