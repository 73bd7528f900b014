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
    text,
)

from wengang.adapters.db.types import Money
from wengang.domain.cases import DECISIONS, State
from wengang.domain.figures import SERVED
from wengang.domain.publicity_plan import KINDS

NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s",
          "pk": "pk_%(table_name)s"}
metadata = MetaData(naming_convention=NAMING)
CANCELLED_WITH_REASON = "cancelled_at IS NULL OR (cancelled_by IS NOT NULL AND cancel_reason IS NOT NULL)"
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
    Column("cancelled_by", String(80)),
    Column("cancelled_at", DateTime),
    Column("cancel_reason", Text),
    CheckConstraint(CANCELLED_WITH_REASON, name="cancelled_with_reason"),
    # one live cycle per programme and pack: a cancelled one (opened on the wrong data) may be opened again
    Index("uq_cycles_live", "program", "pack", unique=True, sqlite_where=text("cancelled_at IS NULL"),
          postgresql_where=text("cancelled_at IS NULL")),
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

# A cycle's publicity plan (issue 14, Xining's "分批次排出公示计划"): its dated batches; a case names its planned batch
# in `cases.planned_batch`; a planned batch names the publicity batch it became once started (once).
planned_batches = Table(
    "planned_batches", metadata,
    Column("id", Id, primary_key=True),
    Column("cycle_id", Id, ForeignKey("cycles.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("by", String(10), nullable=False),
    Column("key", String(20), nullable=False),
    Column("scheduled_on", Date, nullable=False),
    Column("every_days", Integer, nullable=False),
    Column("publicity_batch_id", Id, ForeignKey("publicity_batches.id"), unique=True),
    Column("planned_by", String(80), nullable=False),
    Column("planned_at", DateTime, nullable=False),
    UniqueConstraint("cycle_id", "seq"),
    CheckConstraint(one_of("by", KINDS), name="known_kind"),
    CheckConstraint("seq >= 1", name="seq_positive"),
    CheckConstraint("every_days >= 0", name="gap_not_negative"),
)

# The Beijing calendar day of a naive UTC time, on each database.
BEIJING_DAY = {"sqlite": "date({t}, '+8 hours')", "postgresql": "CAST({t} + interval '8 hours' AS date)"}
# Only the paid cases enter the index of their days (figures.py repeats the predicate, so SQLite may use it).
PAID_ON_SQL = "paid_on IS NOT NULL"
PAID_ON_WHERE = text(PAID_ON_SQL)

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
    Column("planned_batch", Id),     # no FK, as batch_id: the publicity plan's batch it is planned into
    Column("size_class", String(8)),   # the run's size class (large/medium/small/micro); NULL: unknown (migration 0014)
    Column("changed_at", DateTime),    # naive UTC of the last state move or change (the unit of work's time; 0014)
    Column("insured", Integer),        # the run's insured headcount of the unit (惠及职工); NULL: unknown (0029)
    Column("industry", String(40)),    # the snapshot's industry and unit type at cycle open; NULL: unknown (0029)
    Column("unit_type", String(40)),
    # The Beijing day it was paid (its paid attempt settled) while it counts as paid: set by the case's move to paid in
    # the settlement's unit of work, gone as its money comes back (SqlCases._paid_on), or from an attempt written
    # already paid (SqlPayments.add_attempts; 0031). Days to money are counted from an index alone (figures.py).
    Column("paid_on", Date),
    # program × cycle × unit, cycle first: it also serves every "cases of this cycle" query. The queue indexes
    # (QUEUE_INDEXES below) name the state: a bulk move rewrites those entries, the price of filtered pages at
    # 500,000 cases (issue 14); room in each page still keeps the heap update local.
    UniqueConstraint("cycle_id", "uscc", "program"),
    CheckConstraint(one_of("state", [s.value for s in State]), name="known_state"),
    CheckConstraint(one_of("decision", DECISIONS), name="known_decision"),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    CheckConstraint("version >= 1", name="version_positive"),
    Index("ix_cases_paid_on", "cycle_id", "state", "paid_on", sqlite_where=PAID_ON_WHERE,
          postgresql_where=PAID_ON_WHERE),
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
    Column("claimed", Text),            # the facts the unit claimed (JSON), None: none
    CheckConstraint("commitment_accepted", name="commitment_signed"),
    CheckConstraint(one_of("status", ("pending", "accepted", "rejected")), name="known_status"),
)

application_attachments = Table(
    "application_attachments", metadata,
    Column("id", Id, primary_key=True),
    Column("application_id", Id, ForeignKey("applications.id"), nullable=False, index=True),
    Column("sha256", String(64), nullable=False),          # the content, kept once in the attachment store
    Column("file_name", String(120), nullable=False),      # for people only: never a path
    Column("content_type", String(40), nullable=False),    # as the content showed it, not as declared
    Column("size", Integer, nullable=False),
    UniqueConstraint("application_id", "sha256"),
    CheckConstraint(one_of("content_type", ("application/pdf", "image/png", "image/jpeg")), name="known_type"),
    CheckConstraint("size > 0", name="not_empty"),
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

SERVED_SQL = "event IN (" + ", ".join(f"'{e}'" for e in SERVED) + ")"   # the served index's predicate, as queries repeat it
SERVED_WHERE = text(SERVED_SQL)

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
    Index("ix_audit_log_subject", "subject"),
    # only the few events that say a unit was served: the reach figures read them, never the whole log
    Index("ix_audit_log_served", "event", "actor", "subject", sqlite_where=SERVED_WHERE, postgresql_where=SERVED_WHERE),
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
from wengang.adapters.db import (  # noqa: E402,F401
    call_tables,
    department_tables,
    job_tables,
    payment_tables,
    people_tables,
)

# Search over the cases of a cycle (issue 14: queues at 500,000 cases). Dialect-specific, so written as DDL that
# migration 0009 runs, not as Index objects (a trigram GIN index has no SQLite twin, an FTS5 table no PostgreSQL one):
#   PostgreSQL: a pg_trgm GIN index serves `name ILIKE '%…%'`; a (cycle, credit code) btree in varchar_pattern_ops
#     serves `uscc LIKE 'P%'` (the unique key cannot: the database's collation is not "C").
#   SQLite (3.34+): an FTS5 table with the trigram tokenizer over `cases.name`, kept by triggers (an update trigger
#     only OF name: state moves never touch it); the unique key (cycle, credit code, …) serves `uscc GLOB 'P*'`.
# A later migration that rebuilds `cases` on SQLite (batch_alter_table) drops the triggers and must run SEARCH again.
CASE_NAME_FTS = "cases_name_fts"
# A decision's reason codes as an array (migration 0017): a GIN index finds the cases with one code among half a
# million, however rare (`@>`); SqlCases filters on this very expression, as with DISTRICT_SQL below.
REASON_CODES_SQL = "string_to_array(reasons, ';')"
REASON_CODES_DDL = f"CREATE INDEX IF NOT EXISTS ix_cases_reason_codes ON cases USING gin ({REASON_CODES_SQL})"
SEARCH: dict[str, tuple[str, ...]] = {
    "postgresql": (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX IF NOT EXISTS ix_cases_name_trgm ON cases USING gin (name gin_trgm_ops)",
        "CREATE INDEX IF NOT EXISTS ix_cases_uscc_prefix ON cases (cycle_id, uscc varchar_pattern_ops)",
        REASON_CODES_DDL,
    ),
    "sqlite": (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {CASE_NAME_FTS} USING fts5(name, content='cases', content_rowid='id', "
        "tokenize='trigram')",
        f"INSERT INTO {CASE_NAME_FTS}({CASE_NAME_FTS}) VALUES ('rebuild')",
        f"CREATE TRIGGER IF NOT EXISTS {CASE_NAME_FTS}_ai AFTER INSERT ON cases BEGIN "
        f"INSERT INTO {CASE_NAME_FTS}(rowid, name) VALUES (new.id, new.name); END",
        f"CREATE TRIGGER IF NOT EXISTS {CASE_NAME_FTS}_ad AFTER DELETE ON cases BEGIN "
        f"INSERT INTO {CASE_NAME_FTS}({CASE_NAME_FTS}, rowid, name) VALUES ('delete', old.id, old.name); END",
        f"CREATE TRIGGER IF NOT EXISTS {CASE_NAME_FTS}_au AFTER UPDATE OF name ON cases BEGIN "
        f"INSERT INTO {CASE_NAME_FTS}({CASE_NAME_FTS}, rowid, name) VALUES ('delete', old.id, old.name); "
        f"INSERT INTO {CASE_NAME_FTS}(rowid, name) VALUES (new.id, new.name); END",
    ),
}
SEARCH_DROP: dict[str, tuple[str, ...]] = {
    "postgresql": ("DROP INDEX IF EXISTS ix_cases_name_trgm", "DROP INDEX IF EXISTS ix_cases_uscc_prefix",
                   "DROP INDEX IF EXISTS ix_cases_reason_codes"),
    "sqlite": tuple(f"DROP TRIGGER IF EXISTS {CASE_NAME_FTS}_{t}" for t in ("ai", "ad", "au"))
    + (f"DROP TABLE IF EXISTS {CASE_NAME_FTS}",),
}

# Queue filters and sort orders at 500,000 cases (migration 0014; the same text on both databases). Every one starts
# with (cycle, state): every staff queue but "cases of a cycle" is a state queue, and then one of them gives the page
# in its order straight from the index (SQLite ends each index with the rowid, PostgreSQL needs the `id`).
# DISTRICT_SQL is also the expression SqlCases filters on: the planner uses an expression index only for the same text.
DISTRICT_SQL = "substr(uscc, 3, 6)"
QUEUE_INDEXES: dict[str, str] = {
    "ix_cases_state": "cycle_id, state, id",
    "ix_cases_district": f"cycle_id, {DISTRICT_SQL}, state, id",
    "ix_cases_state_amount": "cycle_id, state, amount, id",
    "ix_cases_state_name": "cycle_id, state, name, id",
    "ix_cases_state_size": "cycle_id, state, size_class, id",
    "ix_cases_state_changed": "cycle_id, state, changed_at, id",
}
QUEUE_DDL = tuple(f"CREATE INDEX IF NOT EXISTS {name} ON cases ({cols})" for name, cols in QUEUE_INDEXES.items())
QUEUE_DROP = tuple(f"DROP INDEX IF EXISTS {name}" for name in QUEUE_INDEXES)
# The dashboard's counts at 500,000 cases (issue 19.2, migration 0029; bench/bench_dashboard.py): SQLite groups in
# index order or sorts every row, and reads the table for any column an index lacks. The district index also carries
# what a count sums (its queue prefix unchanged), and one index carries every other breakdown in the order
# figures.py groups them (state first: a state move rewrites it, as it does each queue index).
FIGURE_INDEXES: dict[str, str] = {
    "ix_cases_district": f"cycle_id, {DISTRICT_SQL}, state, id, amount, insured, size_class",
    "ix_cases_figures": "cycle_id, state, size_class, industry, unit_type, program, insured, amount",
}
FIGURE_DDL = ("DROP INDEX IF EXISTS ix_cases_district",
              *(f"CREATE INDEX IF NOT EXISTS {name} ON cases ({cols})" for name, cols in FIGURE_INDEXES.items()))
FIGURE_DROP = tuple(f"DROP INDEX IF EXISTS {name}" for name in FIGURE_INDEXES)
# The failed payments a dashboard counts by reason (0031), on SQLite only: it reads them here, not the 300,000 paid
# attempts' rows (0.066 → 0.026 s a view). PostgreSQL reads the table in parallel, and any index naming the status
# there would end every prepared → pending → paid update in place (HOT; payment_tables.payment_attempts).
FAILED_SQL = "status IN ('rejected', 'returned')"
FAILED_INDEX = "ix_payment_attempts_failed"
FAILED_DDL = {"sqlite": (f"CREATE INDEX IF NOT EXISTS {FAILED_INDEX} ON payment_attempts (case_id, reason) "
                         f"WHERE {FAILED_SQL}",), "postgresql": ()}
SEARCH_OBJECTS = frozenset({"ix_cases_name_trgm", "ix_cases_uscc_prefix", "ix_cases_reason_codes", *QUEUE_INDEXES,
                            *FIGURE_INDEXES, FAILED_INDEX})


def compared(name: str | None, type_: str, _parents: dict) -> bool:
    """Alembic's include_name: the search objects above (and FTS5's shadow tables) are not in `metadata`."""
    return not (name in SEARCH_OBJECTS or (type_ == "table" and (name or "").startswith(CASE_NAME_FTS)))
