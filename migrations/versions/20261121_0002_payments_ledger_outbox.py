"""Payment accounts, batches and attempts, the ledger, bank files and exceptions, recoveries, the outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from wengang.adapters.db.types import Money

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", Id, nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("case_id", Id, nullable=True),
        sa.Column("recipient", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "channel = 'sms' OR channel = 'wechat' OR channel = 'portal' OR channel = 'email'",
            name=op.f("ck_notifications_known_channel"),
        ),
        sa.CheckConstraint(
            "status = 'pending' OR status = 'sent' OR status = 'failed'",
            name=op.f("ck_notifications_known_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_status", ["status"], unique=False)
        batch_op.create_index("ix_notifications_uscc", ["uscc"], unique=False)

    op.create_table(
        "accounts",
        sa.Column("id", Id, nullable=False),
        sa.Column("cycle_id", Id, nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("bank_code", sa.String(length=12), nullable=False),
        sa.Column("account_no", sa.String(length=34), nullable=False),
        sa.Column("account_name", sa.String(length=140), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("verified_by", sa.String(length=80), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "source = 'snapshot' OR source = 'employer' OR source = 'staff'",
            name=op.f("ck_accounts_known_source"),
        ),
        sa.CheckConstraint(
            "status = 'active' OR status = 'pending' OR status = 'superseded' OR status = 'refused'",
            name=op.f("ck_accounts_known_status"),
        ),
        sa.CheckConstraint(
            "verified_by IS NULL OR source = 'snapshot' OR verified_by <> created_by",
            name=op.f("ck_accounts_verified_by_another"),
        ),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_accounts_cycle_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_cycle_uscc", ["cycle_id", "uscc"], unique=False)
        batch_op.create_index(
            "uq_accounts_one_active",
            ["cycle_id", "uscc"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "payment_batches",
        sa.Column("id", Id, nullable=False),
        sa.Column("cycle_id", Id, nullable=False),
        sa.Column("number", sa.String(length=35), nullable=False),
        sa.Column("bank_code", sa.String(length=12), nullable=False),
        sa.Column("file_format", sa.String(length=20), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("total", Money(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("needs_second", sa.Boolean(), nullable=False),
        sa.Column("prepared_by", sa.String(length=80), nullable=False),
        sa.Column("prepared_at", sa.DateTime(), nullable=False),
        sa.Column("approved_by", sa.String(length=80), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("second_approved_by", sa.String(length=80), nullable=True),
        sa.Column("second_approved_at", sa.DateTime(), nullable=True),
        sa.Column("execution_date", sa.Date(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "NOT (status = 'approved' OR status = 'sent') OR (approved_by IS NOT NULL AND (NOT needs_second OR second_approved_by IS NOT NULL))",
            name=op.f("ck_payment_batches_approved_before_release"),
        ),
        sa.CheckConstraint(
            "status = 'prepared' OR status = 'approved' OR status = 'sent' OR status = 'cancelled'",
            name=op.f("ck_payment_batches_known_status"),
        ),
        sa.CheckConstraint(
            "approved_by IS NULL OR approved_by <> prepared_by", name=op.f("ck_payment_batches_four_eyes")
        ),
        sa.CheckConstraint("entries >= 1 AND total > 0", name=op.f("ck_payment_batches_not_empty")),
        sa.CheckConstraint(
            "second_approved_by IS NULL OR (second_approved_by <> prepared_by AND approved_by IS NOT NULL AND second_approved_by <> approved_by)",
            name=op.f("ck_payment_batches_six_eyes"),
        ),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_payment_batches_cycle_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_batches")),
        sa.UniqueConstraint("number", name=op.f("uq_payment_batches_number")),
    )
    op.create_table(
        "recoveries",
        sa.Column("id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("done_by", sa.String(length=80), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_recoveries_case_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recoveries")),
        sa.UniqueConstraint("case_id", name=op.f("uq_recoveries_case_id")),
    )
    op.create_table(
        "bank_files",
        sa.Column("id", Id, nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("message", sa.String(length=24), nullable=False),
        sa.Column("batch_id", Id, nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("exceptions", sa.Integer(), nullable=False),
        sa.Column("by", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "direction = 'out' OR direction = 'in'", name=op.f("ck_bank_files_known_direction")
        ),
        sa.ForeignKeyConstraint(["batch_id"], ["payment_batches.id"], name=op.f("fk_bank_files_batch_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_files")),
        sa.UniqueConstraint("direction", "sha256", name=op.f("uq_bank_files_direction")),
    )
    op.create_table(
        "payment_attempts",
        sa.Column("id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("batch_id", Id, nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("unit_name", sa.String(length=200), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("bank_code", sa.String(length=12), nullable=False),
        sa.Column("account_no", sa.String(length=34), nullable=False),
        sa.Column("account_name", sa.String(length=140), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status = 'prepared' OR status = 'pending' OR status = 'paid' OR status = 'rejected' OR status = 'returned' OR status = 'cancelled'",
            name=op.f("ck_payment_attempts_known_status"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_attempts_amount_positive")),
        sa.CheckConstraint(
            "attempt_no >= 1 AND attempt_no <= 999", name=op.f("ck_payment_attempts_attempt_range")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["payment_batches.id"], name=op.f("fk_payment_attempts_batch_id")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_payment_attempts_case_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempts")),
        sa.UniqueConstraint("case_id", "attempt_no", name=op.f("uq_payment_attempts_case_id")),
        sa.UniqueConstraint("end_to_end_id", name=op.f("uq_payment_attempts_end_to_end_id")),
    )
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_payment_attempts_batch", ["batch_id"], unique=False)
        batch_op.create_index(
            "uq_payment_attempts_one_live",
            ["case_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('prepared', 'pending', 'paid')"),
            postgresql_where=sa.text("status IN ('prepared', 'pending', 'paid')"),
        )

    op.create_table(
        "ledger",
        sa.Column("seq", Id, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("batch_id", Id, nullable=False),
        sa.Column("attempt_id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("from_account", sa.String(length=10), nullable=False),
        sa.Column("to_account", sa.String(length=10), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "(kind = 'approve' AND from_account = 'fund' AND to_account = 'payable') OR (kind = 'pay' AND from_account = 'payable' AND to_account = 'paid') OR (kind = 'reject' AND from_account = 'payable' AND to_account = 'returned') OR (kind = 'return' AND from_account = 'paid' AND to_account = 'returned') OR (kind = 'refund' AND from_account = 'returned' AND to_account = 'fund')",
            name=op.f("ck_ledger_legal_move"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_ledger_amount_positive")),
        sa.ForeignKeyConstraint(["attempt_id"], ["payment_attempts.id"], name=op.f("fk_ledger_attempt_id")),
        sa.ForeignKeyConstraint(["batch_id"], ["payment_batches.id"], name=op.f("fk_ledger_batch_id")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger")),
        sa.UniqueConstraint("attempt_id", "kind", name=op.f("uq_ledger_attempt_id")),
    )
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_batch", ["batch_id"], unique=False)
    _append_only("ledger")

    op.create_table(
        "payment_exceptions",
        sa.Column("id", Id, nullable=False),
        sa.Column("file_id", Id, nullable=False),
        sa.Column("end_to_end_id", sa.String(length=64), nullable=False),
        sa.Column("issue", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("amount", Money(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_by", sa.String(length=80), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status = 'open' OR status = 'resolved'", name=op.f("ck_payment_exceptions_known_status")
        ),
        sa.ForeignKeyConstraint(["file_id"], ["bank_files.id"], name=op.f("fk_payment_exceptions_file_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_exceptions")),
    )
    with op.batch_alter_table("payment_exceptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_exceptions_file_id"), ["file_id"], unique=False)


def _append_only(table: str) -> None:
    """Postings are never edited or deleted: a correction is a new posting (as for the audit log)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{table} is append-only'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_append_only ON ledger")
        op.execute("DROP FUNCTION IF EXISTS ledger_append_only()")
    with op.batch_alter_table("payment_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_exceptions_file_id"))

    op.drop_table("payment_exceptions")
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_batch")

    op.drop_table("ledger")
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_payment_attempts_one_live",
            sqlite_where=sa.text("status IN ('prepared', 'pending', 'paid')"),
            postgresql_where=sa.text("status IN ('prepared', 'pending', 'paid')"),
        )
        batch_op.drop_index("ix_payment_attempts_batch")

    op.drop_table("payment_attempts")
    op.drop_table("bank_files")
    op.drop_table("recoveries")
    op.drop_table("payment_batches")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_accounts_one_active",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.drop_index("ix_accounts_cycle_uscc")

    op.drop_table("accounts")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_uscc")
        batch_op.drop_index("ix_notifications_status")

    op.drop_table("notifications")
