"""People: sessions, roles and secrets as MLPS level 3 asks (filled in by the people work of issue 12).

Sealed secrets in the outbox (wiped once sent); the security officer's role; a role in force only once granted;
the last activity of a session (idle timeout); sign-in failures per account and address; re-activation and
contact-change requests that a second person decides. Sessions of users disabled before this revision are ended,
so re-enabling them cannot bring an old token back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OLD_ROLES = ("employer", "clerk", "reviewer", "approver", "auditor", "admin")
ROLES = (*OLD_ROLES, "security")


def _one_of(column: str, values) -> str:
    return " OR ".join(f"{column} = '{v}'" for v in values)


def upgrade() -> None:
    """Add the columns and tables; fill what existing rows need."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed", sa.Text(), nullable=True))
        batch_op.create_check_constraint(op.f("ck_notifications_sealed_until_sent"), "sealed IS NULL OR status = 'pending'")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role_granted_by", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("role_granted_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE users SET role_granted_by = created_by, role_granted_at = created_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_known_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_known_role"), _one_of("role", ROLES))
        batch_op.create_check_constraint(op.f("ck_users_granted_by_someone"),
                                         "(role_granted_at IS NULL) = (role_granted_by IS NULL)")

    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE web_sessions SET last_seen_at = created_at")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.alter_column("last_seen_at", existing_type=sa.DateTime(), nullable=False)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.get_bind().execute(sa.text("UPDATE web_sessions SET ended_at = :now WHERE ended_at IS NULL AND user_id IN "
                                  "(SELECT id FROM users WHERE active = :no)").bindparams(now=now, no=False))

    op.create_table(
        "login_failures",
        sa.Column("id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_login_failures_failures_not_negative")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_login_failures_user_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
        sa.UniqueConstraint("user_id", "client", name="uq_login_failures_user_client"),
    )
    op.create_table(
        "account_requests",
        sa.Column("id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(_one_of("kind", ("reactivate", "contact")), name=op.f("ck_account_requests_known_kind")),
        sa.CheckConstraint(_one_of("status", ("pending", "approved", "refused")),
                           name=op.f("ck_account_requests_known_status")),
        sa.CheckConstraint("(kind = 'contact') = (phone IS NOT NULL)",
                           name=op.f("ck_account_requests_contact_has_phone")),
        sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)",
                           name=op.f("ck_account_requests_decided_when_not_pending")),
        sa.CheckConstraint("decided_by IS NULL OR decided_by <> requested_by",
                           name=op.f("ck_account_requests_four_eyes")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_account_requests_user_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_requests")),
    )
    with op.batch_alter_table("account_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_requests_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    """Drop them again (security officers become disabled auditors: the old schema has no such role)."""
    with op.batch_alter_table("account_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_requests_user_id"))
    op.drop_table("account_requests")
    op.drop_table("login_failures")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
    op.get_bind().execute(sa.text("UPDATE users SET role = 'auditor', active = :no WHERE role = 'security'")
                          .bindparams(no=False))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_granted_by_someone"), type_="check")
        batch_op.drop_constraint(op.f("ck_users_known_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_known_role"), _one_of("role", OLD_ROLES))
        batch_op.drop_column("role_granted_at")
        batch_op.drop_column("role_granted_by")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_sealed_until_sent"), type_="check")
        batch_op.drop_column("sealed")
