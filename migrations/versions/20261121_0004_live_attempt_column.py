"""One live attempt per case, held by a generated column: a status change that keeps an attempt live writes no index.

The partial unique index named `status` in its predicate, so PostgreSQL rewrote all five indexes of
payment_attempts for every prepared → pending → paid change (no HOT update). Now `live_case_id` is the case id
while the attempt is prepared, pending or paid and NULL once it failed; a unique index on it keeps the rule, and
with free room in each page (fillfactor 50) those changes are heap-only. SQLite computes the column on the fly.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LIVE = "status IN ('prepared', 'pending', 'paid')"
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add the generated column, move the unique rule onto it, leave room for heap-only updates."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_index("uq_payment_attempts_one_live", table_name="payment_attempts")
    # STORED on PostgreSQL (indexable, and what makes the update heap-only); SQLite can only add a VIRTUAL one.
    op.add_column("payment_attempts", sa.Column("live_case_id", Id, sa.Computed(
        f"CASE WHEN {LIVE} THEN case_id END", persisted=True if postgresql else None)))
    op.create_index("uq_payment_attempts_one_live", "payment_attempts", ["live_case_id"], unique=True)
    if postgresql:
        op.execute("ALTER TABLE payment_attempts SET (fillfactor = 50)")


def downgrade() -> None:
    """The partial unique index again, without the column."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE payment_attempts RESET (fillfactor)")
    op.drop_index("uq_payment_attempts_one_live", table_name="payment_attempts")
    op.drop_column("payment_attempts", "live_case_id")
    op.create_index("uq_payment_attempts_one_live", "payment_attempts", ["case_id"], unique=True,
                    sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
