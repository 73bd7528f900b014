"""A batch whose file never left can be cancelled: the ledger gains the one posting that returns approved money to
the fund (payable → fund), and a batch records who cancelled it and why.

Issue 12: a name a bank format refuses left an approved batch unwritable, its money pending forever, with no way out.
Cancelling is only for batches whose file was never written (services/payments.py refuses the rest); the posting
keeps the books whole (issued = approved − cancelled = paid + returned + pending).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MOVES = (("approve", "fund", "payable"), ("pay", "payable", "paid"), ("reject", "payable", "returned"),
         ("return", "paid", "returned"), ("refund", "returned", "fund"))
CANCEL = ("cancel", "payable", "fund")


def _legal(moves) -> str:
    return " OR ".join(f"(kind = '{k}' AND from_account = '{a}' AND to_account = '{b}')" for k, a, b in moves)


def upgrade() -> None:
    with op.batch_alter_table("payment_batches") as batch:
        batch.add_column(sa.Column("cancelled_by", sa.String(80)))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime()))
        batch.add_column(sa.Column("cancel_reason", sa.Text()))
    _moves((*MOVES, CANCEL))


def downgrade() -> None:
    _moves(MOVES)
    with op.batch_alter_table("payment_batches") as batch:
        for column in ("cancel_reason", "cancelled_at", "cancelled_by"):
            batch.drop_column(column)


def _moves(moves) -> None:
    """The ledger's legal-move check, replaced; SQLite rebuilds the table, so its append-only triggers come back."""
    with op.batch_alter_table("ledger") as batch:
        batch.drop_constraint(op.f("ck_ledger_legal_move"), type_="check")
        batch.create_check_constraint("legal_move", _legal(moves))
    if op.get_bind().dialect.name != "sqlite":
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS ledger_no_{action.lower()}")
        op.execute(f"CREATE TRIGGER ledger_no_{action.lower()} BEFORE {action} ON ledger "
                   f"BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END")
