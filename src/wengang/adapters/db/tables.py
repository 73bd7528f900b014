"""The operational tables (SQLAlchemy Core): cycles, cases, the three checkpoints and the audit chain."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from wengang.adapters.db.types import Money
from wengang.domain.cases import DECISIONS, State

NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s",
          "pk": "pk_%(table_name)s"}
metadata = MetaData(naming_convention=NAMING)
Id = BigInteger().with_variant(Integer(), "sqlite")   # SQLite: INTEGER PRIMARY KEY is the rowid


def one_of(column: str, values) -> str:
    """`c = 'a' OR c = 'b' …`: SQLite checks an IN list ten times slower, row by row, in a bulk insert."""
    return " OR ".join(f"{column} = '{v}'" for v in values)


cycles = Table(
    "cycles", metadata,
    Column("id", Id, primary_key=True),
    Column("program", String(40), nullable=False),
    Column("pack", String(60), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("snapshot_id", String(64), nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("rounds_required", Integer, nullable=False),
    Column("opened_by", String(80), nullable=False),
    Column("opened_at", DateTime, nullable=False),
    UniqueConstraint("program", "pack"),
)

comparison_rounds = Table(
    "comparison_rounds", metadata,
    Column("id", Id, primary_key=True),
    Column("cycle_id", Id, ForeignKey("cycles.id"), nullable=False),
    Column("round_no", Integer, nullable=False),
    Column("snapshot_id", String(64), nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("units", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("done_by", String(80), nullable=False),
    Column("done_at", DateTime, nullable=False),
    UniqueConstraint("cycle_id", "round_no"),
    CheckConstraint("round_no >= 1", name="round_positive"),
)

batches = Table(
    "publicity_batches", metadata,
    Column("id", Id, primary_key=True),
    Column("cycle_id", Id, ForeignKey("cycles.id"), nullable=False),
    Column("number", String(60), nullable=False, unique=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("days", Integer, nullable=False),
    Column("entries", Integer, nullable=False),
    Column("started_by", String(80), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("closed_on", Date),
    Column("closed_by", String(80)),
    CheckConstraint("ends_on >= starts_on", name="period_forward"),
    CheckConstraint("closed_on IS NULL OR closed_on > ends_on", name="closed_after_period"),
)

cases = Table(
    "cases", metadata,
    Column("id", Id, primary_key=True),
    Column("program", String(40), nullable=False),
    Column("cycle_id", Id, nullable=False),   # no FK: cases are born with their cycle, in its transaction
    Column("uscc", String(18), nullable=False),
    Column("name", String(200), nullable=False),
    Column("decision", String(12), nullable=False),
    Column("amount", Money, nullable=False),
    Column("ratio_units", Integer),
    Column("reasons", Text, nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("labor_dispatch", Boolean, nullable=False),
    Column("has_account", Boolean, nullable=False),
    Column("review_accepted", Boolean, nullable=False),
    Column("dispatch_confirmed", Boolean, nullable=False),
    Column("account_confirmed", Boolean, nullable=False),
    Column("state", String(24), nullable=False),
    Column("reason", Text, nullable=False),
    Column("batch_id", Id),          # no FK: 500,000 RI checks would double a bulk move (service checks it)
    Column("version", Integer, nullable=False),
    # program × cycle × unit, cycle first: it also serves every "cases of this cycle" query. No index or foreign
    # key on the columns a bulk move changes (state, batch), and room in each page: PostgreSQL updates in place.
    UniqueConstraint("cycle_id", "uscc", "program"),
    CheckConstraint(one_of("state", [s.value for s in State]), name="known_state"),
    CheckConstraint(one_of("decision", DECISIONS), name="known_decision"),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    CheckConstraint("version >= 1", name="version_positive"),
    postgresql_with={"fillfactor": 50},
)

objections = Table(
    "objections", metadata,
    Column("id", Id, primary_key=True),
    Column("batch_id", Id, ForeignKey("publicity_batches.id"), nullable=False),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False, index=True),
    Column("objector", String(100)),
    Column("contact", String(40), nullable=False),       # private: shown masked only
    Column("text", Text, nullable=False),
    Column("raised_on", Date, nullable=False),
    Column("raised_at", DateTime, nullable=False),
    Column("status", String(12), nullable=False),
    Column("decided_by", String(80)),
    Column("decided_at", DateTime),
    Column("decision_reason", Text),
    CheckConstraint(one_of("status", ("open", "sustained", "dismissed", "moot")), name="known_status"),
)

applications = Table(
    "applications", metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False, index=True),
    Column("commitment", Text, nullable=False),
    Column("commitment_accepted", Boolean, nullable=False),
    Column("late", Boolean, nullable=False),
    Column("filed_by", String(80), nullable=False),
    Column("filed_at", DateTime, nullable=False),
    Column("status", String(12), nullable=False),
    Column("decided_by", String(80)),
    Column("decided_at", DateTime),
    Column("decision_reason", Text),
    CheckConstraint("commitment_accepted", name="commitment_signed"),
    CheckConstraint(one_of("status", ("pending", "accepted", "rejected")), name="known_status"),
)

reverifications = Table(
    "reverifications", metadata,
    Column("id", Id, primary_key=True),
    Column("cycle_id", Id, ForeignKey("cycles.id"), nullable=False),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False, index=True),
    Column("old_run_id", String(64), nullable=False),
    Column("new_run_id", String(64), nullable=False),
    Column("old_decision", String(12), nullable=False),
    Column("new_decision", String(12)),
    Column("old_amount", Money, nullable=False),
    Column("new_amount", Money),
    Column("new_reasons", Text),
    Column("outcome", String(24), nullable=False),
    Column("done_at", DateTime, nullable=False),
)

audit_log = Table(
    "audit_log", metadata,
    Column("seq", Id, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("event", String(40), nullable=False),
    Column("subject", String(80), nullable=False),
    Column("case_id", BigInteger),
    Column("from_state", String(24)),
    Column("to_state", String(24)),
    Column("reason", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_case", "case_id"),
)

audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    # Entries from this seq on are HMACs under the key outside the database; before it, plain sha256 (migration
    # 0006 set it one past the head it found; 1 for a database created since). Checkpoints outside repeat it.
    Column("keyed_from", BigInteger, nullable=False, server_default="1"),
    # Which chain this is (random, set by migration 0006): every checkpoint line names it.
    Column("chain", String(32), nullable=False, server_default=""),
    CheckConstraint("id = 1", name="single_row"),
)

AUDIT_COLUMNS = tuple(c.name for c in audit_log.columns)

# The money and people tables live in their own modules on the same metadata (imported here so that every user
# of `metadata`, the migration check included, sees all of them).
from wengang.adapters.db import job_tables, payment_tables, people_tables  # noqa: E402,F401
