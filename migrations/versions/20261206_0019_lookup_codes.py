"""Progress look-up without an account (issue 15 part 4): codes sent to a unit's registered contacts, kept as argon2
hashes only, each spent once for a 30-minute read-only view whose cookie token is kept as sha256.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lookup_codes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("code_hash", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime()),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("view_hash", sa.String(64)),
        sa.Column("view_until", sa.DateTime()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lookup_codes")),
        sa.UniqueConstraint("view_hash", name=op.f("uq_lookup_codes_view_hash")),
        sa.CheckConstraint("tries >= 0", name=op.f("ck_lookup_codes_lookup_tries_not_negative")),
        sa.CheckConstraint("(view_hash IS NULL) = (view_until IS NULL)", name=op.f("ck_lookup_codes_view_has_an_end")),
    )
    op.create_index(op.f("ix_lookup_codes_uscc"), "lookup_codes", ["uscc"])


def downgrade() -> None:
    op.drop_index(op.f("ix_lookup_codes_uscc"), table_name="lookup_codes")
    op.drop_table("lookup_codes")
