"""Calling units (issue 16.4): call assignments (one caller per unit and cycle), every call and its outcome, and the
named specialist of a key or large employer.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from wengang.adapters.db.tables import Id, one_of

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_assignments",
        sa.Column("id", Id, primary_key=True),
        sa.Column("cycle_id", Id, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("assigned_to", sa.String(40), nullable=False),
        sa.Column("assigned_by", sa.String(40), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("cycle_id", "uscc", name="uq_call_assignments_unit"),
    )
    op.create_index("ix_call_assignments_to", "call_assignments", ["assigned_to"])
    op.create_table(
        "calls",
        sa.Column("id", Id, primary_key=True),
        sa.Column("cycle_id", Id, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("call_back_at", sa.DateTime()),
        sa.Column("called_by", sa.String(40), nullable=False),
        sa.Column("called_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(one_of("outcome", ("reached", "no_answer", "wrong_number", "call_back")),
                           name="known_outcome"),
        sa.CheckConstraint("(outcome = 'call_back') = (call_back_at IS NOT NULL)", name="call_back_has_a_time"),
    )
    op.create_index("ix_calls_unit", "calls", ["cycle_id", "uscc"])
    op.create_table(
        "specialists",
        sa.Column("id", Id, primary_key=True),
        sa.Column("uscc", sa.String(18), nullable=False, unique=True),
        sa.Column("username", sa.String(40), nullable=False),
        sa.Column("key", sa.Boolean(), nullable=False),
        sa.Column("assigned_by", sa.String(40), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_specialists_user", "specialists", ["username"])


def downgrade() -> None:
    op.drop_table("specialists")
    op.drop_table("calls")
    op.drop_table("call_assignments")
