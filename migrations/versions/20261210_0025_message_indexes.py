"""Two partial indexes for messages out (issue 16): the step messages still to be fanned out are read from an index of
those alone, in id order: fan-out reads them 20,000 at a time, and each page then reads its own rows only, whatever
the planner knows of the table (with the index of every status, it may read every pending message and sort them, or
walk the ids past those fanned out). The index of the provider's ids holds only the copies a provider took: the
half million pending copies of a cycle no longer each add a NULL to it when fanned out and take it away when sent.

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

TO_FAN_OUT = sa.text("status = 'pending' AND params IS NOT NULL")
HANDED = sa.text("provider_id IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_notifications_to_fan_out", "notifications", ["id"], sqlite_where=TO_FAN_OUT,
                    postgresql_where=TO_FAN_OUT)
    op.drop_index("ix_deliveries_provider", table_name="deliveries")
    op.create_index("ix_deliveries_provider", "deliveries", ["provider_id"], sqlite_where=HANDED,
                    postgresql_where=HANDED)


def downgrade() -> None:
    op.drop_index("ix_deliveries_provider", table_name="deliveries")
    op.create_index("ix_deliveries_provider", "deliveries", ["provider_id"])
    op.drop_index("ix_notifications_to_fan_out", table_name="notifications")
