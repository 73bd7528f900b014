"""A queue filtered by one rule reason stays fast at 500,000 cases on PostgreSQL: a GIN index on the decision's
reason codes as an array (tables.REASON_CODES_SQL). Without it the filter read the whole cycle whenever the planner
took the reason for rare (1.1 s p50 at 20 staff clients); SQLite reads the cycle's rows in order as before.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from wengang.adapters.db.tables import REASON_CODES_DDL

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REASON_CODES_DDL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_cases_reason_codes")
