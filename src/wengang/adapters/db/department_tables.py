"""The joint review by industry departments (Hongkou, POLICIES.md §8): each department's decision on a unit's case."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Index, String, Table, Text

from wengang.adapters.db.tables import Id, metadata, one_of

OUTCOMES = ("confirmed", "declined")

department_reviews = Table(
    "department_reviews", metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False, unique=True),   # a department decides a case once
    Column("cycle_id", Id, nullable=False),
    Column("department", String(40), nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_by", String(80), nullable=False),
    Column("decided_at", DateTime, nullable=False),
    CheckConstraint(one_of("outcome", OUTCOMES), name="known_outcome"),
    CheckConstraint("outcome = 'confirmed' OR reason <> ''", name="declined_with_reason"),
    Index("ix_department_reviews_cycle", "cycle_id", "department"),
)
