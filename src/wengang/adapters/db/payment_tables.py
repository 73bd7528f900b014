"""The money tables: accounts, payment batches and attempts, the ledger, bank files, exceptions, the outbox."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from wengang.adapters.db.tables import Id, metadata, one_of
from wengang.adapters.db.types import Money

ACCOUNT_STATUSES = ("active", "pending", "superseded", "refused")
# Every approver a different person from the preparer and from each other; a batch released only with as many
# approvers as its amount band needs (the same text in migration 0009).
EIGHT_EYES = ("third_approved_by IS NULL OR (second_approved_by IS NOT NULL AND third_approved_by <> prepared_by "
              "AND third_approved_by <> approved_by AND third_approved_by <> second_approved_by)")
APPROVED_BEFORE_RELEASE = ("NOT (status = 'approved' OR status = 'sent') OR (approved_by IS NOT NULL "
                           "AND (approvals_needed < 2 OR second_approved_by IS NOT NULL) "
                           "AND (approvals_needed < 3 OR third_approved_by IS NOT NULL))")
BATCH_STATUSES = ("prepared", "approved", "sent", "cancelled", "sent_back")
ATTEMPT_STATUSES = ("prepared", "pending", "paid", "rejected", "returned", "cancelled")
LIVE_ATTEMPT = "status IN ('prepared', 'pending', 'paid')"   # at most one per case (live_case_id below)
LEDGER_ACCOUNTS = ("fund", "payable", "paid", "returned")
# Each posting moves one attempt's whole amount along one edge of this graph (domain/ledger.py MOVES).
LEDGER_MOVES = (("approve", "fund", "payable"), ("pay", "payable", "paid"), ("reject", "payable", "returned"),
                ("return", "paid", "returned"), ("refund", "returned", "fund"), ("cancel", "payable", "fund"))
LEGAL_MOVE = " OR ".join(f"(kind = '{k}' AND from_account = '{a}' AND to_account = '{b}')"
                         for k, a, b in LEDGER_MOVES)

accounts = Table(
    "accounts", metadata,
    Column("id", Id, primary_key=True),
    Column("cycle_id", Id, ForeignKey("cycles.id"), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("bank_code", String(12), nullable=False),
    Column("account_no", String(34), nullable=False),      # private: shown masked only
    Column("account_name", String(140), nullable=False),
    Column("source", String(12), nullable=False),
    Column("status", String(12), nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("verified_by", String(80)),
    Column("verified_at", DateTime),
    Column("note", Text),
    CheckConstraint(one_of("source", ("snapshot", "employer", "staff")), name="known_source"),
    CheckConstraint(one_of("status", ACCOUNT_STATUSES), name="known_status"),
    CheckConstraint("verified_by IS NULL OR source = 'snapshot' OR verified_by <> created_by",
                    name="verified_by_another"),
    Index("ix_accounts_cycle_uscc", "cycle_id", "uscc"),
    Index("uq_accounts_one_active", "cycle_id", "uscc", unique=True,
          sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
)

payment_batches = Table(
    "payment_batches", metadata,
    Column("id", Id, primary_key=True),
    Column("cycle_id", Id, ForeignKey("cycles.id"), nullable=False),
    Column("number", String(35), nullable=False, unique=True),
    Column("bank_code", String(12), nullable=False),
    Column("file_format", String(20), nullable=False),
    Column("entries", Integer, nullable=False),
    Column("total", Money, nullable=False),
    Column("status", String(12), nullable=False),
    Column("approvals_needed", SmallInteger, nullable=False),
    Column("prepared_by", String(80), nullable=False),
    Column("prepared_at", DateTime, nullable=False),
    Column("approved_by", String(80)),
    Column("approved_at", DateTime),
    Column("second_approved_by", String(80)),
    Column("second_approved_at", DateTime),
    Column("execution_date", Date),
    Column("file_name", String(200)),
    Column("file_sha256", String(64)),
    Column("sent_at", DateTime),
    Column("cancelled_by", String(80)),
    Column("cancelled_at", DateTime),
    Column("cancel_reason", Text),
    Column("third_approved_by", String(80)),
    Column("third_approved_at", DateTime),
    Column("sent_back_by", String(80)),
    Column("sent_back_at", DateTime),
    Column("send_back_reason", Text),
    CheckConstraint(one_of("status", BATCH_STATUSES), name="known_status"),
    CheckConstraint("approved_by IS NULL OR approved_by <> prepared_by", name="four_eyes"),
    CheckConstraint("second_approved_by IS NULL OR (second_approved_by <> prepared_by "
                    "AND approved_by IS NOT NULL AND second_approved_by <> approved_by)", name="six_eyes"),
    CheckConstraint(EIGHT_EYES, name="eight_eyes"),
    CheckConstraint(APPROVED_BEFORE_RELEASE, name="approved_before_release"),
    CheckConstraint("approvals_needed BETWEEN 1 AND 3", name="approvers_1_to_3"),
    CheckConstraint("status <> 'sent_back' OR (sent_back_by IS NOT NULL AND sent_back_by <> prepared_by "
                    "AND send_back_reason IS NOT NULL)", name="sent_back_with_reason"),
    CheckConstraint("entries >= 1 AND total > 0", name="not_empty"),
)

payment_attempts = Table(
    "payment_attempts", metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("attempt_no", Integer, nullable=False),
    Column("batch_id", Id, ForeignKey("payment_batches.id"), nullable=False),
    Column("end_to_end_id", String(35), nullable=False, unique=True),
    Column("uscc", String(18), nullable=False),
    Column("unit_name", String(200), nullable=False),
    Column("amount", Money, nullable=False),
    Column("bank_code", String(12), nullable=False),
    Column("account_no", String(34), nullable=False),      # private: shown masked only
    Column("account_name", String(140), nullable=False),
    Column("status", String(12), nullable=False),
    Column("reason", Text),
    Column("created_at", DateTime, nullable=False),
    Column("settled_at", DateTime),
    # The case while the attempt is live, NULL once it failed: unique, so one live attempt per case; a column of
    # its own (not a partial index on status) so that prepared → pending → paid touch no index (HOT on PostgreSQL).
    Column("live_case_id", Id, Computed(f"CASE WHEN {LIVE_ATTEMPT} THEN case_id END")),
    UniqueConstraint("case_id", "attempt_no"),
    CheckConstraint(one_of("status", ATTEMPT_STATUSES), name="known_status"),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("attempt_no >= 1 AND attempt_no <= 999", name="attempt_range"),
    Index("uq_payment_attempts_one_live", "live_case_id", unique=True),
    # What a posting names (ledger's key), batch first: it is also the batch's index, its attempts in id order.
    Index("uq_payment_attempts_posting_key", "batch_id", "id", "case_id", unique=True),
    postgresql_with={"fillfactor": 50},
)

ledger = Table(
    "ledger", metadata,
    Column("seq", Id, primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("batch_id", Id, nullable=False),
    Column("attempt_id", Id, nullable=False),
    Column("case_id", Id, nullable=False),
    Column("from_account", String(10), nullable=False),
    Column("to_account", String(10), nullable=False),
    Column("amount", Money, nullable=False),
    Column("posted_at", DateTime, nullable=False),
    Column("source", String(200), nullable=False),
    # The programme whose sub-account of the fund holds both legs: its payment's cycle's (migration 0026; a trigger
    # refuses any other, so no posting moves money between programmes).
    Column("program", String(40), nullable=False),
    # One row is one balanced transaction (amount out of one account, into another): double entry by construction.
    UniqueConstraint("attempt_id", "kind"),
    # Its attempt, that attempt's batch and case, as one key: one check per posting, and none can disagree.
    ForeignKeyConstraint(["batch_id", "attempt_id", "case_id"], ["payment_attempts.batch_id", "payment_attempts.id",
                         "payment_attempts.case_id"], name="fk_ledger_posting_key"),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint(LEGAL_MOVE, name="legal_move"),
)

bank_files = Table(
    "bank_files", metadata,
    Column("id", Id, primary_key=True),
    Column("direction", String(3), nullable=False),
    Column("message", String(24), nullable=False),
    Column("batch_id", Id, ForeignKey("payment_batches.id")),
    Column("name", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("records", Integer, nullable=False),
    Column("applied", Integer, nullable=False),
    Column("exceptions", Integer, nullable=False),
    Column("by", String(80), nullable=False),
    Column("at", DateTime, nullable=False),
    UniqueConstraint("direction", "sha256"),
    CheckConstraint(one_of("direction", ("out", "in")), name="known_direction"),
)

payment_exceptions = Table(
    "payment_exceptions", metadata,
    Column("id", Id, primary_key=True),
    Column("file_id", Id, ForeignKey("bank_files.id"), nullable=False, index=True),
    Column("end_to_end_id", String(64), nullable=False),
    Column("issue", String(24), nullable=False),
    Column("status", String(12), nullable=False),
    Column("amount", Money),
    Column("detail", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("resolved_by", String(80)),
    Column("resolved_at", DateTime),
    Column("resolution", Text),
    CheckConstraint(one_of("status", ("open", "resolved")), name="known_status"),
)

recoveries = Table(
    "recoveries", metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False, unique=True),
    Column("amount", Money, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("done_by", String(80), nullable=False),
    Column("done_at", DateTime, nullable=False),
)

# The messages still pending, read in id order (a fan-out's chunk, a channel's batch): indexed alone, so that a
# message sent leaves the index rather than adding itself to the half million sent (0025).
STILL_PENDING = "status = 'pending'"

notifications = Table(
    "notifications", metadata,
    Column("id", Id, primary_key=True),
    Column("uscc", String(18)),
    Column("case_id", Id),
    Column("recipient", String(40)),                       # phone / WeChat id: private, shown masked only
    Column("channel", String(12), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("text", Text, nullable=False),                  # a secret in it is masked: the clear one is only sealed
    Column("status", String(8), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("sealed", Text),                                # AES-GCM of a secret-bearing message; NULL once sent
    Column("params", Text),                                # the template's values (JSON), for SMS/WeChat templates
    Column("audit_seq", Id),                               # the audit entry this tells about: told once (unique)
    CheckConstraint(one_of("channel", ("sms", "wechat", "portal", "email")), name="known_channel"),
    CheckConstraint(one_of("status", ("pending", "sent", "failed")), name="known_status"),
    Index("ix_notifications_uscc", "uscc"),
    Index("ux_notifications_audit_seq", "audit_seq", unique=True),
    Index("ix_notifications_pending", "id", sqlite_where=text(STILL_PENDING), postgresql_where=text(STILL_PENDING)),
    CheckConstraint("sealed IS NULL OR status = 'pending'", name="sealed_until_sent"),
)

# A step's message on its way to one contact of the unit on one channel (issue 16.3): handed to the channel's provider
# under `key` (its idempotency key), retried with backoff, then delivered or failed by the provider's receipt.
deliveries = Table(
    "deliveries", metadata,
    Column("id", Id, primary_key=True),
    # A notifications.id, unchecked: copies are written only by fan-out, with their messages, and messages are never
    # deleted; a foreign key cost a locked read of the message for each of half a million copies (0032).
    Column("notification_id", Id, nullable=False),
    Column("key", String(64), nullable=False, unique=True),
    Column("channel", String(12), nullable=False),
    Column("recipient", String(254), nullable=False),      # phone, e-mail or openid: private, shown masked only
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_at", DateTime, nullable=False),           # not before (a retry's backoff, the end of quiet hours)
    Column("provider_id", String(64)),
    Column("error", String(200)),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("done_at", DateTime),                           # delivered or failed for good
    CheckConstraint(one_of("channel", ("sms", "wechat", "email")), name="known_channel"),
    CheckConstraint(one_of("status", ("pending", "sent", "delivered", "failed")), name="known_status"),
    # The pending copies alone, in the order they go out: a page of due copies is a range of it (0024).
    Index("ix_deliveries_due", "channel", "next_at", "id", sqlite_where=text("status = 'pending'"),
          postgresql_where=text("status = 'pending'")),
    Index("ix_deliveries_provider", "provider_id"),
    Index("ix_deliveries_notification", "notification_id"),
)
