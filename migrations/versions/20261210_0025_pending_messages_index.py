"""The pending messages are indexed alone, in id order, instead of every message by its status (issue 16): a fan-out
reads them a chunk at a time and each chunk reads its own rows only, whatever the planner knows of the table (with
the index of every status, it may read every pending message and sort them, or walk the ids past those sent), and
a message sent leaves the index instead of adding an entry to the half million sent.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.drop_index("ix_notifications_status", table_name="notifications")
    op.create_index("ix_notifications_pending", "notifications", ["id"], sqlite_where=PENDING,
                    postgresql_where=PENDING)


def downgrade() -> None:
    op.drop_index("ix_notifications_pending", table_name="notifications")
    op.create_index("ix_notifications_status", "notifications", ["status"])
