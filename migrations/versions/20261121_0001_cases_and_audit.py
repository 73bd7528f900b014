"""Cycles, cases, publicity, objections, applications, re-verification and the append-only audit chain.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from wengang.adapters.db.types import Money

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATES = ("identified", "review", "dispatch-confirmation", "account-held", "publicity", "objection-raised",
          "re-verified", "approved-for-payment", "paid", "failed", "reissued", "recovered", "closed", "rejected")


def _one_of(column: str, values) -> str:
    """An OR chain, not IN (…): SQLite evaluates an IN-list CHECK ten times slower in bulk inserts."""
    return " OR ".join(f"{column} = '{v}'" for v in values)


def upgrade() -> None:
    op.create_table(
        "cycles",
        sa.Column("id", Id, primary_key=True),
        sa.Column("program", sa.String(40), nullable=False),
        sa.Column("pack", sa.String(60), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("snapshot_id", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("rounds_required", sa.Integer, nullable=False),
        sa.Column("opened_by", sa.String(80), nullable=False),
        sa.Column("opened_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("program", "pack", name="uq_cycles_program"),
    )
    op.create_table(
        "comparison_rounds",
        sa.Column("id", Id, primary_key=True),
        sa.Column("cycle_id", Id, sa.ForeignKey("cycles.id", name="fk_comparison_rounds_cycle_id"), nullable=False),
        sa.Column("round_no", sa.Integer, nullable=False),
        sa.Column("snapshot_id", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("units", sa.Integer, nullable=False),
        sa.Column("changed", sa.Integer, nullable=False),
        sa.Column("done_by", sa.String(80), nullable=False),
        sa.Column("done_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("cycle_id", "round_no", name="uq_comparison_rounds_cycle_id"),
        sa.CheckConstraint("round_no >= 1", name="round_positive"),
    )
    op.create_table(
        "publicity_batches",
        sa.Column("id", Id, primary_key=True),
        sa.Column("cycle_id", Id, sa.ForeignKey("cycles.id", name="fk_publicity_batches_cycle_id"), nullable=False),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("started_by", sa.String(80), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("closed_on", sa.Date),
        sa.Column("closed_by", sa.String(80)),
        sa.UniqueConstraint("number", name="uq_publicity_batches_number"),
        sa.CheckConstraint("ends_on >= starts_on", name="period_forward"),
        sa.CheckConstraint("closed_on IS NULL OR closed_on > ends_on", name="closed_after_period"),
    )
    op.create_table(
        "cases",
        sa.Column("id", Id, primary_key=True),
        sa.Column("program", sa.String(40), nullable=False),
        sa.Column("cycle_id", Id, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(12), nullable=False),
        sa.Column("amount", Money, nullable=False),
        sa.Column("ratio_units", sa.Integer),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        *(sa.Column(flag, sa.Boolean, nullable=False) for flag in (
            "labor_dispatch", "has_account", "review_accepted", "dispatch_confirmed", "account_confirmed")),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("batch_id", Id),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("cycle_id", "uscc", "program", name="uq_cases_cycle_id"),
        sa.CheckConstraint(_one_of("state", STATES), name="known_state"),
        sa.CheckConstraint(_one_of("decision", ("eligible", "review", "ineligible")), name="known_decision"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        postgresql_with={"fillfactor": 50},   # bulk moves update in place (HOT): no index covers what they change
    )
    op.create_table(
        "objections",
        sa.Column("id", Id, primary_key=True),
        sa.Column("batch_id", Id, sa.ForeignKey("publicity_batches.id", name="fk_objections_batch_id"),
                  nullable=False),
        sa.Column("case_id", Id, sa.ForeignKey("cases.id", name="fk_objections_case_id"), nullable=False),
        sa.Column("objector", sa.String(100)),
        sa.Column("contact", sa.String(40), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("raised_on", sa.Date, nullable=False),
        sa.Column("raised_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("decided_by", sa.String(80)),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("decision_reason", sa.Text),
        sa.CheckConstraint(_one_of("status", ("open", "sustained", "dismissed", "moot")), name="known_status"),
    )
    op.create_index("ix_objections_case_id", "objections", ["case_id"])
    op.create_table(
        "applications",
        sa.Column("id", Id, primary_key=True),
        sa.Column("case_id", Id, sa.ForeignKey("cases.id", name="fk_applications_case_id"), nullable=False),
        sa.Column("commitment", sa.Text, nullable=False),
        sa.Column("commitment_accepted", sa.Boolean, nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("filed_by", sa.String(80), nullable=False),
        sa.Column("filed_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("decided_by", sa.String(80)),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("decision_reason", sa.Text),
        sa.CheckConstraint("commitment_accepted", name="commitment_signed"),
        sa.CheckConstraint(_one_of("status", ("pending", "accepted", "rejected")), name="known_status"),
    )
    op.create_index("ix_applications_case_id", "applications", ["case_id"])
    op.create_table(
        "reverifications",
        sa.Column("id", Id, primary_key=True),
        sa.Column("cycle_id", Id, sa.ForeignKey("cycles.id", name="fk_reverifications_cycle_id"), nullable=False),
        sa.Column("case_id", Id, sa.ForeignKey("cases.id", name="fk_reverifications_case_id"), nullable=False),
        sa.Column("old_run_id", sa.String(64), nullable=False),
        sa.Column("new_run_id", sa.String(64), nullable=False),
        sa.Column("old_decision", sa.String(12), nullable=False),
        sa.Column("new_decision", sa.String(12)),
        sa.Column("old_amount", Money, nullable=False),
        sa.Column("new_amount", Money),
        sa.Column("new_reasons", sa.Text),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("done_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_reverifications_case_id", "reverifications", ["case_id"])
    _audit()


def _audit() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", Id, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("case_id", sa.BigInteger),
        sa.Column("from_state", sa.String(24)),
        sa.Column("to_state", sa.String(24)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_case", "audit_log", ["case_id"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name="single_row"),
    )
    op.execute(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{'0' * 64}')")
    # Append-only in the database too: updates and deletes of the log are refused (tampering must go around).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "RAISE EXCEPTION 'audit_log is append-only'; END $$")
        op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{action.lower()} BEFORE {action} ON audit_log "
                       "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in ("audit_head", "audit_log", "reverifications", "applications", "objections", "cases",
                  "publicity_batches", "comparison_rounds", "cycles"):
        op.drop_table(table)
