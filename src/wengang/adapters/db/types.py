"""Column types that keep money exact on both databases: NUMERIC(20,2) on PostgreSQL, integer fen on SQLite."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")
SQLITE_MAX_FEN = 2**63 - 1        # 92,233,720,368,547,758.07 yuan: SQLite's exact integer range


def to_fen(amount: Decimal) -> int:
    """An exact yuan amount as integer fen; refuses floats and sub-fen digits."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be Decimal, not {type(amount).__name__}")
    fen = amount.scaleb(2)
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)   # exact: 144000 → 1440.00


class Money(TypeDecorator):
    """NUMERIC(20,2) where the database has exact decimals; SQLite, which would store REAL, gets integer fen."""

    impl = Numeric(20, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(20, 2, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        fen = to_fen(value)
        if dialect.name != "sqlite":
            return from_fen(fen)
        if abs(fen) > SQLITE_MAX_FEN:
            raise ValueError(f"{value} is beyond what SQLite holds exactly (±{from_fen(SQLITE_MAX_FEN)} yuan)")
        return fen

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return from_fen(int(value))
        return Decimal(value).quantize(CENT)
