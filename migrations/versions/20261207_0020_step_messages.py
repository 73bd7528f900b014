"""Messages at every step (issue 16.2): a notification may be told from one audit entry (its `audit_seq`, unique, so
the same step is never told twice and the audit log's order is where telling resumes) and keeps the values its
template was filled with (`params`, JSON), which an SMS or WeChat template is sent with.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from wengang.adapters.db.tables import Id

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.add_column(sa.Column("params", sa.Text()))
        table.add_column(sa.Column("audit_seq", Id))
        table.create_index("ux_notifications_audit_seq", ["audit_seq"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.drop_index("ux_notifications_audit_seq")
        table.drop_column("audit_seq")
        table.drop_column("params")
