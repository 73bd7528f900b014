"""The audit chain keyed and protected: where the keyed entries start, which chain this is, and triggers that keep
the log and its head from being rewound, emptied or deleted (level 3: audit records protected from deletion).

Entries already written keep their plain sha256; `keyed_from` is set one past the head found here (1 on a new
database), so `audit verify` checks the older ones the old way and says how many there were. The chain id is random:
every checkpoint line outside the database names it. audit_log already refused UPDATE and DELETE (0001); now the
head refuses to move backwards or to change its switch point or chain, refuses DELETE, and on PostgreSQL both tables
refuse TRUNCATE (SQLite has none: its DELETE without WHERE fires the row triggers).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REWIND = ("NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash) OR NEW.keyed_from <> OLD.keyed_from "
          "OR NEW.chain <> OLD.chain OR NEW.id <> OLD.id")
HEAD_MESSAGE = "audit_head only moves forward"


def upgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("keyed_from", sa.BigInteger, nullable=False, server_default="1"))
        batch.add_column(sa.Column("chain", sa.String(32), nullable=False, server_default=""))
    op.execute(f"UPDATE audit_head SET keyed_from = seq + 1, chain = '{secrets.token_hex(16)}'")
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_guards()
    else:
        op.execute(f"CREATE TRIGGER audit_head_no_rewind BEFORE UPDATE ON audit_head WHEN {REWIND} "
                   f"BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END")
        op.execute("CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
                   f"BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END")


def _postgresql_guards() -> None:
    """A row trigger for the head's moves and deletes, a statement trigger against TRUNCATE on both tables."""
    op.execute("CREATE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               f"IF TG_OP = 'DELETE' OR {REWIND} THEN RAISE EXCEPTION '{HEAD_MESSAGE}'; END IF; "
               "RETURN NEW; END $$")
    op.execute("CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head "
               "FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()")
    op.execute("CREATE FUNCTION audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               "RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: TRUNCATE refused'; END $$")
    for table in ("audit_log", "audit_head"):
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("audit_log", "audit_head"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS audit_no_truncate()")
        op.execute("DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_head")
        op.execute("DROP FUNCTION IF EXISTS audit_head_forward_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_rewind")
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_delete")
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("chain")
        batch.drop_column("keyed_from")
