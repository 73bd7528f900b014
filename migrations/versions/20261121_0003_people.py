"""The web app's people: users and their roles, one-time activation codes, sessions, callback requests.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the four tables and their indexes."""
    op.create_table(
        "callbacks",
        sa.Column("id", Id, nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("answered_by", sa.String(length=80), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(status = 'answered') = (answered_at IS NOT NULL AND answer IS NOT NULL)",
            name=op.f("ck_callbacks_answered_with_text"),
        ),
        sa.CheckConstraint(
            "source = 'public' OR source = 'portal' OR source = 'api'", name=op.f("ck_callbacks_known_source")
        ),
        sa.CheckConstraint("status = 'open' OR status = 'answered'", name=op.f("ck_callbacks_known_status")),
        sa.CheckConstraint(
            "answered_at IS NULL OR answered_at >= asked_at", name=op.f("ck_callbacks_answered_after_asked")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callbacks")),
    )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.create_index("ix_callbacks_status", ["status"], unique=False)
        batch_op.create_index("ix_callbacks_uscc", ["uscc"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", Id, nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("password_set_at", sa.DateTime(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(role = 'employer' AND uscc IS NOT NULL) OR (role <> 'employer' AND uscc IS NULL)",
            name=op.f("ck_users_employer_has_unit"),
        ),
        sa.CheckConstraint(
            "role = 'employer' OR role = 'clerk' OR role = 'reviewer' OR role = 'approver' OR role = 'auditor' OR role = 'admin'",
            name=op.f("ck_users_known_role"),
        ),
        sa.CheckConstraint("failed_logins >= 0", name=op.f("ck_users_failures_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("uscc", name=op.f("uq_users_uscc")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "activation_codes",
        sa.Column("id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("tries >= 0", name=op.f("ck_activation_codes_tries_not_negative")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_activation_codes_user_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activation_codes")),
    )
    with op.batch_alter_table("activation_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activation_codes_user_id"), ["user_id"], unique=False)

    op.create_table(
        "web_sessions",
        sa.Column("id", Id, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("expires_at > created_at", name=op.f("ck_web_sessions_expires_after_start")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    """Drop them again, dependants first."""
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))

    op.drop_table("web_sessions")
    with op.batch_alter_table("activation_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activation_codes_user_id"))

    op.drop_table("activation_codes")
    op.drop_table("users")
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_callbacks_uscc")
        batch_op.drop_index("ix_callbacks_status")

    op.drop_table("callbacks")
