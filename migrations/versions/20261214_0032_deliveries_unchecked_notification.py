"""A delivery's message is not checked by a foreign key (issue 16, the step messages' speed): PostgreSQL checks each
row a COPY adds with a locking read of its message (SELECT ... FOR KEY SHARE), a third of the cost of writing the
half million copies of a city's telling, for a link that cannot break: copies are only ever written by fan-out,
in the transaction that writes or reads their messages, and messages are never deleted. Its index stays (a
message's copies are read by it).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-14
"""

from __future__ import annotations

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:       # SQLite: the table rebuilt without it
        batch.drop_constraint("fk_deliveries_notification_id", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.create_foreign_key("fk_deliveries_notification_id", "notifications", ["notification_id"], ["id"])
