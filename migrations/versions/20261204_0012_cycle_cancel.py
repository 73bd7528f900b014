"""A cycle can be cancelled before any money moves: who, when and why, and one live cycle per programme and pack.

Issue 14: staff open a cycle in the browser; one opened on the wrong snapshot or date must be called off (its cases
closed, audited) and opened again. The unique (programme, pack) becomes a unique index over cycles not cancelled.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

LIVE = "cancelled_at IS NULL"
WITH_REASON = "cancelled_at IS NULL OR (cancelled_by IS NOT NULL AND cancel_reason IS NOT NULL)"


def upgrade() -> None:
    with op.batch_alter_table("cycles") as batch:
        batch.add_column(sa.Column("cancelled_by", sa.String(80)))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime()))
        batch.add_column(sa.Column("cancel_reason", sa.Text()))
        batch.drop_constraint("uq_cycles_program", type_="unique")
        batch.create_check_constraint("cancelled_with_reason", WITH_REASON)
    op.create_index("uq_cycles_live", "cycles", ["program", "pack"], unique=True,
                    sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))


def downgrade() -> None:
    op.drop_index("uq_cycles_live", table_name="cycles")
    with op.batch_alter_table("cycles") as batch:
        batch.drop_constraint(op.f("ck_cycles_cancelled_with_reason"), type_="check")
        batch.drop_column("cancel_reason")
        batch.drop_column("cancelled_at")
        batch.drop_column("cancelled_by")
        batch.create_unique_constraint("uq_cycles_program", ["program", "pack"])
