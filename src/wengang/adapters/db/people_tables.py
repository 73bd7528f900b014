"""The people tables of the web app: users with their roles, activation codes, sessions, sign-in failures per
address, re-activation requests that a second person decides, callback requests."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from wengang.adapters.db.tables import Id, metadata, one_of

ROLES = ("employer", "clerk", "reviewer", "approver", "auditor", "admin", "security")

users = Table(
    "users", metadata,
    Column("id", Id, primary_key=True),
    Column("username", String(40), nullable=False, unique=True),   # staff login name, or an employer's credit code
    Column("role", String(12), nullable=False),
    Column("uscc", String(18), unique=True),                         # employers only: the unit it acts for
    Column("display_name", String(200), nullable=False),
    Column("phone", String(20)),                                     # private: shown masked only
    Column("password_hash", String(200)),                            # argon2id; NULL until activated
    Column("password_set_at", DateTime),
    Column("failed_logins", Integer, nullable=False),                # in a row, from any address (account-wide)
    Column("locked_until", DateTime),                                # the account-wide lock
    Column("active", Boolean, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("role_granted_by", String(80)),                           # the role is in force only once granted
    Column("role_granted_at", DateTime),
    Column("department", String(40)),                                # staff of an industry department (joint review)
    CheckConstraint(one_of("role", ROLES), name="known_role"),
    CheckConstraint("(role = 'employer' AND uscc IS NOT NULL) OR (role <> 'employer' AND uscc IS NULL)",
                    name="employer_has_unit"),
    CheckConstraint("failed_logins >= 0", name="failures_not_negative"),
    CheckConstraint("(role_granted_at IS NULL) = (role_granted_by IS NULL)", name="granted_by_someone"),
    CheckConstraint("role <> 'employer' OR department IS NULL", name="department_staff_only"),
)

activation_codes = Table(
    "activation_codes", metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("code_hash", String(64), nullable=False),                 # sha256 of the code: the code itself is never kept
    Column("expires_at", DateTime, nullable=False),
    Column("tries", Integer, nullable=False),
    Column("used_at", DateTime),
    Column("issued_by", String(80), nullable=False),
    Column("issued_at", DateTime, nullable=False),
    CheckConstraint("tries >= 0", name="tries_not_negative"),
)

lookup_codes = Table(
    "lookup_codes", metadata,
    Column("id", Id, primary_key=True),
    Column("uscc", String(18), nullable=False, index=True),
    Column("code_hash", String(200), nullable=False),                # argon2id of the six digits: never the code
    Column("expires_at", DateTime, nullable=False),
    Column("tries", Integer, nullable=False),
    Column("used_at", DateTime),
    Column("issued_at", DateTime, nullable=False),
    Column("view_hash", String(64), unique=True),                    # sha256 of the read-only view's cookie token
    Column("view_until", DateTime),
    CheckConstraint("tries >= 0", name="lookup_tries_not_negative"),
    CheckConstraint("(view_hash IS NULL) = (view_until IS NULL)", name="view_has_an_end"),
)

web_sessions = Table(
    "web_sessions", metadata,
    Column("id", Id, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),   # sha256 of the cookie / bearer token
    Column("user_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
    Column("last_seen_at", DateTime, nullable=False),                # touched at most once a minute: idle timeout
    CheckConstraint("expires_at > created_at", name="expires_after_start"),
)

login_failures = Table(
    "login_failures", metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("client", String(64), nullable=False),                    # the address the wrong passwords came from
    Column("failures", Integer, nullable=False),
    Column("locked_until", DateTime),                                # this address only is locked out of the account
    Column("last_failed_at", DateTime, nullable=False),
    UniqueConstraint("user_id", "client", name="uq_login_failures_user_client"),
    CheckConstraint("failures >= 0", name="failures_not_negative"),
)

REQUEST_KINDS, REQUEST_STATUSES = ("reactivate", "contact"), ("pending", "approved", "refused")
account_requests = Table(
    "account_requests", metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("kind", String(12), nullable=False),
    Column("phone", String(20)),                                     # the new contact (kind contact); shown masked
    Column("reason", String(200), nullable=False),
    Column("status", String(10), nullable=False),
    Column("requested_by", String(80), nullable=False),
    Column("requested_at", DateTime, nullable=False),
    Column("decided_by", String(80)),
    Column("decided_at", DateTime),
    CheckConstraint(one_of("kind", REQUEST_KINDS), name="known_kind"),
    CheckConstraint(one_of("status", REQUEST_STATUSES), name="known_status"),
    CheckConstraint("(kind = 'contact') = (phone IS NOT NULL)", name="contact_has_phone"),
    CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided_when_not_pending"),
    CheckConstraint("decided_by IS NULL OR decided_by <> requested_by", name="four_eyes"),
)

callbacks = Table(
    "callbacks", metadata,
    Column("id", Id, primary_key=True),
    Column("uscc", String(18)),                                      # set when a signed-in unit asks
    Column("name", String(100)),
    Column("phone", String(20), nullable=False),                     # private: shown masked only
    Column("question", Text, nullable=False),
    Column("source", String(8), nullable=False),
    Column("status", String(10), nullable=False),
    Column("asked_at", DateTime, nullable=False),
    Column("answered_by", String(80)),
    Column("answered_at", DateTime),
    Column("answer", Text),
    Column("office", String(12)),                                    # routed to: a district's code, or 'city'
    Column("due_at", DateTime),                                      # answer due (within a working day)
    Column("due_note", String(200)),
    Column("escalated_at", DateTime),                                # overdue: handed to the city office (once)
    CheckConstraint(one_of("source", ("public", "portal", "api")), name="known_source"),
    CheckConstraint(one_of("status", ("open", "answered")), name="known_status"),
    CheckConstraint("(status = 'answered') = (answered_at IS NOT NULL AND answer IS NOT NULL)",
                    name="answered_with_text"),
    CheckConstraint("answered_at IS NULL OR answered_at >= asked_at", name="answered_after_asked"),
    Index("ix_callbacks_status", "status"),
    Index("ix_callbacks_uscc", "uscc"),
    Index("ix_callbacks_office", "office", "status"),
)

offices = Table(
    "offices", metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(12), nullable=False, unique=True),        # a district's division code, or 'city'
    Column("name", String(100), nullable=False),
)

duties = Table(
    "duties", metadata,
    Column("id", Id, primary_key=True),
    Column("office", String(12), ForeignKey("offices.code"), nullable=False),
    Column("username", String(40), nullable=False),                 # the member of staff on duty
    Column("phone", String(20), nullable=False),                    # private: shown masked only
    Column("starts_at", DateTime, nullable=False),
    Column("ends_at", DateTime, nullable=False),
    Column("set_by", String(80), nullable=False),
    Column("set_at", DateTime, nullable=False),
    CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    Index("ix_duties_office", "office", "starts_at"),
)

reminders = Table(
    "reminders", metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, nullable=False),
    Column("task", String(20), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("queued_at", DateTime, nullable=False),
    UniqueConstraint("case_id", "task", "deadline", name="uq_reminders_once"),    # never twice
)
