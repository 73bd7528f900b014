"""The copies due on a channel are read from an index of the pending ones alone, in the order they go out (channel,
next_at, id): the index on (status, next_at) made each page of 1,000 read every pending copy of every channel and
sort them (PostgreSQL), or skip the e-mail and WeChat copies still waiting (SQLite): quadratic at half a million.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["channel", "next_at", "id"], sqlite_where=PENDING,
                    postgresql_where=PENDING)


def downgrade() -> None:
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_at"])
