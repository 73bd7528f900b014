"""Calling units (issue 16.4): who is to call a unit in a cycle, every call made and what it came to, and the named
specialist of a key or large employer."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from wengang.adapters.db.tables import Id, metadata, one_of

OUTCOMES = ("reached", "no_answer", "wrong_number", "call_back")

call_assignments = Table(
    "call_assignments", metadata,
    Column("id", Id, primary_key=True),
    Column("cycle_id", Id, nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("assigned_to", String(40), nullable=False),
    Column("assigned_by", String(40), nullable=False),
    Column("assigned_at", DateTime, nullable=False),
    UniqueConstraint("cycle_id", "uscc", name="uq_call_assignments_unit"),      # one caller per unit and cycle
    Index("ix_call_assignments_to", "assigned_to"),
)

calls = Table(
    "calls", metadata,
    Column("id", Id, primary_key=True),
    Column("cycle_id", Id, nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("note", Text, nullable=False),                  # free text: phone numbers in it are masked when shown
    Column("call_back_at", DateTime),                      # naive UTC; a call back only
    Column("called_by", String(40), nullable=False),
    Column("called_at", DateTime, nullable=False),
    CheckConstraint(one_of("outcome", OUTCOMES), name="known_outcome"),
    CheckConstraint("(outcome = 'call_back') = (call_back_at IS NOT NULL)", name="call_back_has_a_time"),
    Index("ix_calls_unit", "cycle_id", "uscc"),
)

specialists = Table(
    "specialists", metadata,
    Column("id", Id, primary_key=True),
    Column("uscc", String(18), nullable=False, unique=True),   # one named specialist per unit
    Column("username", String(40), nullable=False),
    Column("key", Boolean, nullable=False),                    # flagged key by staff (not only large)
    Column("assigned_by", String(40), nullable=False),
    Column("assigned_at", DateTime, nullable=False),
    Index("ix_specialists_user", "username"),
)
