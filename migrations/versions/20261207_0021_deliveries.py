"""Each step's message on its way to every contact of the unit, one row per person and channel (issue 16.3): its
idempotency key (unique), attempts and backoff, the provider's id and its receipt.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from wengang.adapters.db.tables import Id, one_of

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", Id, primary_key=True),
        sa.Column("notification_id", Id, sa.ForeignKey("notifications.id"), nullable=False),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(), nullable=False),
        sa.Column("provider_id", sa.String(64)),
        sa.Column("error", sa.String(200)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("done_at", sa.DateTime()),
        sa.CheckConstraint(one_of("channel", ("sms", "wechat", "email")), name="known_channel"),
        sa.CheckConstraint(one_of("status", ("pending", "sent", "delivered", "failed")), name="known_status"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_at"])
    op.create_index("ix_deliveries_provider", "deliveries", ["provider_id"])
    op.create_index("ix_deliveries_notification", "deliveries", ["notification_id"])


def downgrade() -> None:
    op.drop_table("deliveries")
