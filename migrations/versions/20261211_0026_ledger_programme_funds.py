"""The ledger holds one sub-account of the fund per programme: every posting names the programme whose fund,
payable, paid and returned accounts hold both its legs, and the database refuses a posting in any programme but its
payment's (the programme of the cycle its batch belongs to), so no money moves between programmes.

Issue 17: the stable-job return, the retention-training subsidy, the return for enterprises in difficulty and the
rest now pay through the same batches and ledger. One row is one balanced transaction, so a row in one programme sums
to zero in it by construction; what could cross is a payment whose postings sit in two programmes (approved from one
fund, refunded to another). The posting copies its programme from its batch's cycle (adapters/db/payments.py) and a
trigger checks it — a statement trigger over the rows inserted on PostgreSQL (one join per INSERT … SELECT of half a
million postings, not a look-up per row), a row trigger on SQLite. Existing postings take their cycle's programme:
the general return's (`ui-return`) for all the cycles before this one.

It follows 0027 (the departments' reviews), which reached main first from 0025: a database already at 0027 then
still receives this one, and the chain keeps a single head.

Revision ID: 0026
Revises: 0027
Create Date: 2026-12-11
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

GENERAL = "ui-return"      # rules/programmes.py GENERAL: the programme every cycle had before several paid
OF_BATCH = ("SELECT c.program FROM payment_batches b JOIN cycles c ON c.id = b.cycle_id WHERE b.id = {batch}")
REFUSED = "ledger: a posting stays in the programme of its payment (no money moves between programmes)"
SQLITE_TRIGGER = (f"CREATE TRIGGER ledger_one_programme BEFORE INSERT ON ledger "
                  f"WHEN NEW.program IS NOT ({OF_BATCH.format(batch='NEW.batch_id')}) "
                  f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END")
POSTGRES_FUNCTION = (
    "CREATE FUNCTION ledger_one_programme() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF EXISTS (SELECT 1 FROM posted p JOIN payment_batches b ON b.id = p.batch_id JOIN cycles c ON c.id = b.cycle_id "
    "WHERE p.program IS DISTINCT FROM c.program) THEN "
    f"RAISE EXCEPTION '{REFUSED}' USING ERRCODE = 'check_violation'; END IF; RETURN NULL; END $$")
POSTGRES_TRIGGER = ("CREATE TRIGGER ledger_one_programme AFTER INSERT ON ledger REFERENCING NEW TABLE AS posted "
                    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_one_programme()")


def upgrade() -> None:
    """The column, filled from each posting's cycle while the append-only guard is lifted, then required and
    checked on every insert."""
    op.add_column("ledger", sa.Column("program", sa.String(40), nullable=True))
    _append_only(False)
    op.execute(f"UPDATE ledger SET program = COALESCE(({OF_BATCH.format(batch='ledger.batch_id')}), '{GENERAL}')")
    with op.batch_alter_table("ledger", reflect_kwargs={"resolve_fks": False}) as batch:
        batch.alter_column("program", existing_type=sa.String(40), nullable=False)
    _append_only(True)
    if _sqlite():
        op.execute(SQLITE_TRIGGER)
    else:
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)


def downgrade() -> None:
    """One ledger again, without sub-accounts (the postings themselves are kept)."""
    if _sqlite():
        op.execute("DROP TRIGGER IF EXISTS ledger_one_programme")
    else:
        op.execute("DROP TRIGGER IF EXISTS ledger_one_programme ON ledger")
        op.execute("DROP FUNCTION IF EXISTS ledger_one_programme()")
    with op.batch_alter_table("ledger", reflect_kwargs={"resolve_fks": False}) as batch:
        batch.drop_column("program")
    _append_only(True)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _append_only(on: bool) -> None:
    """The guard refusing UPDATE and DELETE (migration 0002): lifted for the one fill, then back. SQLite's batch mode
    rebuilds the table and its triggers go with the old one, so they are made again."""
    if not _sqlite():
        op.execute(f"ALTER TABLE ledger {'ENABLE' if on else 'DISABLE'} TRIGGER ledger_append_only")
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS ledger_no_{action.lower()}")
        if on:
            op.execute(f"CREATE TRIGGER ledger_no_{action.lower()} BEFORE {action} ON ledger "
                       f"BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END")
