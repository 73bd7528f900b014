"""The dashboard's breakdowns (issue 19.2): a case keeps its unit's insured headcount (惠及职工, the employees covered
by the money), industry and unit type as the cycle opened, so the figures are counted in the database. Nullable:
a case opened before, or a unit whose figure the run did not know, stays NULL (unknown), never 0. And the two indexes
of tables.FIGURE_INDEXES, which a dashboard view reads instead of the table (bench/bench_dashboard.py).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from wengang.adapters.db.tables import FIGURE_DDL, FIGURE_DROP, QUEUE_INDEXES

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("insured", sa.Integer()))
    op.add_column("cases", sa.Column("industry", sa.String(40)))
    op.add_column("cases", sa.Column("unit_type", sa.String(40)))
    for statement in FIGURE_DDL:
        op.execute(statement)


def downgrade() -> None:
    for statement in FIGURE_DROP:
        op.execute(statement)
    op.execute(f"CREATE INDEX IF NOT EXISTS ix_cases_district ON cases ({QUEUE_INDEXES['ix_cases_district']})")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("unit_type")
        batch.drop_column("industry")
        batch.drop_column("insured")
