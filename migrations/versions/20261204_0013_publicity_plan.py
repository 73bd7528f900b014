"""A publicity plan, and review during publicity (issue 14): planned, dated batches of a cycle's identified cases
(Xining: "分批次排出公示计划"); a case names its planned batch; a new case state, review-listed (Haikou: "边公示边审核").

The state is one more value in the cases' CHECK. PostgreSQL drops and re-adds the constraint. SQLite cannot alter a
CHECK, and rebuilding `cases` (batch mode) would copy 500,000 rows, drop the search triggers and trip the foreign
keys of objections; so the constraint's text is widened in place, by SQLite's documented procedure for changing a
table's constraints (writable_schema, then a new schema_version), which is safe because every stored row still
satisfies the wider check.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from wengang.adapters.db.tables import SEARCH

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

OLD = ("identified", "review", "dispatch-confirmation", "account-held", "publicity", "objection-raised",
       "re-verified", "approved-for-payment", "paid", "failed", "reissued", "recovered", "closed", "rejected")
NEW = (OLD[0], OLD[1], "review-listed", *OLD[2:])
KINDS = ("district", "size", "count")


def _one_of(column: str, values) -> str:
    return " OR ".join(f"{column} = '{v}'" for v in values)


def _sqlite_check(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Replace the text of the cases' state CHECK in the schema (sqlite.org/lang_altertable.html, section 7)."""
    conn = op.get_bind()
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    conn.exec_driver_sql("PRAGMA writable_schema=ON")
    changed = conn.execute(sa.text("UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
                                   "WHERE type = 'table' AND name = 'cases'"),
                           {"old": _one_of("state", old), "new": _one_of("state", new)}).rowcount
    conn.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema=OFF")
    if changed != 1:
        raise RuntimeError("the cases table's state check was not found")


def _state_check(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_check(old, new)
        return
    op.drop_constraint(op.f("ck_cases_known_state"), "cases", type_="check")
    op.create_check_constraint("known_state", "cases", _one_of("state", new))


def upgrade() -> None:
    op.create_table(
        "planned_batches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("cycle_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("cycles.id", name=op.f("fk_planned_batches_cycle_id")), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("by", sa.String(10), nullable=False),
        sa.Column("key", sa.String(20), nullable=False),
        sa.Column("scheduled_on", sa.Date(), nullable=False),
        sa.Column("every_days", sa.Integer(), nullable=False),
        sa.Column("publicity_batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("publicity_batches.id", name=op.f("fk_planned_batches_publicity_batch_id"))),
        sa.Column("planned_by", sa.String(80), nullable=False),
        sa.Column("planned_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_batches")),
        sa.UniqueConstraint("cycle_id", "seq", name=op.f("uq_planned_batches_cycle_id")),
        sa.UniqueConstraint("publicity_batch_id", name=op.f("uq_planned_batches_publicity_batch_id")),
        sa.CheckConstraint(_one_of("by", KINDS), name=op.f("ck_planned_batches_known_kind")),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_planned_batches_seq_positive")),
        sa.CheckConstraint("every_days >= 0", name=op.f("ck_planned_batches_gap_not_negative")),
    )
    op.add_column("cases", sa.Column("planned_batch", sa.BigInteger().with_variant(sa.Integer(), "sqlite")))
    _state_check(OLD, NEW)


def downgrade() -> None:
    op.execute("UPDATE cases SET state = 'review' WHERE state = 'review-listed'")
    _state_check(NEW, OLD)
    with op.batch_alter_table("cases") as batch:     # SQLite rebuilds the table: its search triggers go with it
        batch.drop_column("planned_batch")
    for statement in SEARCH.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
    op.drop_table("planned_batches")
