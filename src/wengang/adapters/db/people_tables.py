"""The people tables of the web app: users with their roles, activation codes, sessions, callback requests."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from wengang.adapters.db.tables import Id, metadata, one_of

ROLES = ("employer", "clerk", "reviewer", "approver", "auditor", "admin")

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
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", DateTime),
    Column("active", Boolean, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime, nullable=False),
    CheckConstraint(one_of("role", ROLES), name="known_role"),
    CheckConstraint("(role = 'employer' AND uscc IS NOT NULL) OR (role <> 'employer' AND uscc IS NULL)",
                    name="employer_has_unit"),
    CheckConstraint("failed_logins >= 0", name="failures_not_negative"),
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

web_sessions = Table(
    "web_sessions", metadata,
    Column("id", Id, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),   # sha256 of the cookie / bearer token
    Column("user_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
    CheckConstraint("expires_at > created_at", name="expires_after_start"),
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
    CheckConstraint(one_of("source", ("public", "portal", "api")), name="known_source"),
    CheckConstraint(one_of("status", ("open", "answered")), name="known_status"),
    CheckConstraint("(status = 'answered') = (answered_at IS NOT NULL AND answer IS NOT NULL)",
                    name="answered_with_text"),
    CheckConstraint("answered_at IS NULL OR answered_at >= asked_at", name="answered_after_asked"),
    Index("ix_callbacks_status", "status"),
    Index("ix_callbacks_uscc", "uscc"),
)
