"""Search over the cases of a cycle: trigram on the unit's name, prefix on its credit code (issue 14).

Staff queues hold 500,000 cases: a name search must not read them all. PostgreSQL gets pg_trgm (a trusted extension
since 13) with a GIN index on `cases.name` and a (cycle, credit code) btree in varchar_pattern_ops for prefixes;
SQLite an FTS5 table with the trigram tokenizer, filled from the cases there are and kept by triggers. The DDL lives
in adapters/db/tables.py (SEARCH) beside the tables it serves.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10
"""

from __future__ import annotations

from alembic import op

from wengang.adapters.db.tables import SEARCH, SEARCH_DROP

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in SEARCH.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade() -> None:
    for statement in SEARCH_DROP.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
