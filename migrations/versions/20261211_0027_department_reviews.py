"""Hongkou's joint review by industry departments (issue 17): a member of staff may belong to a department, and each
department's decision on a case (confirmed, or declined with its reason) is kept, one per case.

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-11
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from wengang.adapters.db.tables import Id, one_of

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("department", sa.String(40)))
        batch.create_check_constraint("department_staff_only", "role <> 'employer' OR department IS NULL")
    op.create_table(
        "department_reviews",
        sa.Column("id", Id, primary_key=True),
        sa.Column("case_id", Id, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("cycle_id", Id, nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(80), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("case_id"),
        sa.CheckConstraint(one_of("outcome", ("confirmed", "declined")), name="known_outcome"),
        sa.CheckConstraint("outcome = 'confirmed' OR reason <> ''", name="declined_with_reason"),
    )
    op.create_index("ix_department_reviews_cycle", "department_reviews", ["cycle_id", "department"])


def downgrade() -> None:
    op.drop_table("department_reviews")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_department_staff_only"), type_="check")
        batch.drop_column("department")
