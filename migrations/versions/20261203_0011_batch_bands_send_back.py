"""Approval by amount band, and sending a batch back: a batch records how many distinct approvers its band needs (1–3)
instead of a yes/no "needs a second", gains a third approver, and may be sent back to its preparer with a reason.

Issue 14: an approver saw counts but not the payees and could only approve or cancel; one threshold decided between
four and six eyes. The bands live in settings (WENGANG_APPROVAL_BANDS), each with its reference; existing batches keep
what they needed (needs_second → 2, else 1).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD_STATUSES = ("prepared", "approved", "sent", "cancelled")
STATUSES = (*OLD_STATUSES, "sent_back")
EIGHT_EYES = ("third_approved_by IS NULL OR (second_approved_by IS NOT NULL AND third_approved_by <> prepared_by "
              "AND third_approved_by <> approved_by AND third_approved_by <> second_approved_by)")
RELEASED = ("NOT (status = 'approved' OR status = 'sent') OR (approved_by IS NOT NULL "
            "AND (approvals_needed < 2 OR second_approved_by IS NOT NULL) "
            "AND (approvals_needed < 3 OR third_approved_by IS NOT NULL))")
OLD_RELEASED = ("NOT (status = 'approved' OR status = 'sent') OR (approved_by IS NOT NULL "
                "AND (NOT needs_second OR second_approved_by IS NOT NULL))")
SENT_BACK = ("status <> 'sent_back' OR (sent_back_by IS NOT NULL AND sent_back_by <> prepared_by "
             "AND send_back_reason IS NOT NULL)")
NEW_COLUMNS = ("third_approved_by", "third_approved_at", "sent_back_by", "sent_back_at", "send_back_reason")


def _one_of(column: str, values) -> str:
    return " OR ".join(f"{column} = '{v}'" for v in values)


def upgrade() -> None:
    with op.batch_alter_table("payment_batches") as batch:
        batch.add_column(sa.Column("approvals_needed", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("third_approved_by", sa.String(80)))
        batch.add_column(sa.Column("third_approved_at", sa.DateTime()))
        batch.add_column(sa.Column("sent_back_by", sa.String(80)))
        batch.add_column(sa.Column("sent_back_at", sa.DateTime()))
        batch.add_column(sa.Column("send_back_reason", sa.Text()))
    op.execute("UPDATE payment_batches SET approvals_needed = CASE WHEN needs_second THEN 2 ELSE 1 END")
    with op.batch_alter_table("payment_batches") as batch:
        batch.alter_column("approvals_needed", existing_type=sa.SmallInteger(), nullable=False)
        batch.drop_constraint(op.f("ck_payment_batches_approved_before_release"), type_="check")
        batch.drop_constraint(op.f("ck_payment_batches_known_status"), type_="check")
        batch.drop_column("needs_second")
        batch.create_check_constraint("approved_before_release", RELEASED)
        batch.create_check_constraint("known_status", _one_of("status", STATUSES))
        batch.create_check_constraint("eight_eyes", EIGHT_EYES)
        batch.create_check_constraint("approvers_1_to_3", "approvals_needed BETWEEN 1 AND 3")
        batch.create_check_constraint("sent_back_with_reason", SENT_BACK)


def downgrade() -> None:
    with op.batch_alter_table("payment_batches") as batch:
        batch.add_column(sa.Column("needs_second", sa.Boolean(), nullable=True))
    op.execute("UPDATE payment_batches SET needs_second = (approvals_needed >= 2)")
    op.execute("UPDATE payment_batches SET status = 'prepared' WHERE status = 'sent_back'")
    with op.batch_alter_table("payment_batches") as batch:
        batch.alter_column("needs_second", existing_type=sa.Boolean(), nullable=False)
        for name in ("sent_back_with_reason", "approvers_1_to_3", "eight_eyes", "known_status",
                     "approved_before_release"):
            batch.drop_constraint(op.f(f"ck_payment_batches_{name}"), type_="check")
        for column in (*NEW_COLUMNS, "approvals_needed"):
            batch.drop_column(column)
        batch.create_check_constraint("approved_before_release", OLD_RELEASED)
        batch.create_check_constraint("known_status", _one_of("status", OLD_STATUSES))
