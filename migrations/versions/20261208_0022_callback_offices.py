"""呼我必回 that reaches a person (issue 16.5): offices (a district's or the city's) and who is on duty at each, a
callback's office, due time and escalation; deadline reminders queued once per case, task and deadline (16.2).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from wengang.adapters.db.tables import Id

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offices",
        sa.Column("id", Id, primary_key=True),
        sa.Column("code", sa.String(12), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
    )
    op.create_table(
        "duties",
        sa.Column("id", Id, primary_key=True),
        sa.Column("office", sa.String(12), sa.ForeignKey("offices.code"), nullable=False),
        sa.Column("username", sa.String(40), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("set_by", sa.String(80), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )
    op.create_index("ix_duties_office", "duties", ["office", "starts_at"])
    op.create_table(
        "reminders",
        sa.Column("id", Id, primary_key=True),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("task", sa.String(20), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("case_id", "task", "deadline", name="uq_reminders_once"),
    )
    op.add_column("callbacks", sa.Column("office", sa.String(12)))
    op.add_column("callbacks", sa.Column("due_at", sa.DateTime()))
    op.add_column("callbacks", sa.Column("due_note", sa.String(200)))
    op.add_column("callbacks", sa.Column("escalated_at", sa.DateTime()))
    op.create_index("ix_callbacks_office", "callbacks", ["office", "status"])
    op.create_index("ix_audit_log_subject", "audit_log", ["subject"])      # a callback's history


def downgrade() -> None:
    op.drop_index("ix_audit_log_subject", "audit_log")
    op.drop_index("ix_callbacks_office", "callbacks")
    with op.batch_alter_table("callbacks") as batch:
        for name in ("escalated_at", "due_note", "due_at", "office"):
            batch.drop_column(name)
    op.drop_table("reminders")
    op.drop_table("duties")
    op.drop_table("offices")
