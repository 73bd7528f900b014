"""Typed repositories on SQLAlchemy Core: one module per aggregate family, rows in and out as domain dataclasses."""
