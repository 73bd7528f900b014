"""Small process records by kind (cycles, rounds, batches, objections, accounts, payments, notifications…)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from wengang.adapters.db.payment_tables import (
    notifications,
)
from wengang.adapters.db.people_tables import (
    account_requests,
    activation_codes,
    callbacks,
    login_failures,
    users,
    web_sessions,
)

KINDS: dict[str, Table] = {
    "notification": notifications,
    "user": users, "activation": activation_codes, "session": web_sessions, "callback": callbacks,
    "login_failure": login_failures, "account_request": account_requests,
}


def _table(kind: str) -> Table:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown record kind {kind!r}") from None


class SqlRecords:
    """The Records port on one connection."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def add(self, kind: str, values: Mapping[str, Any]) -> int:
        table = _table(kind)
        return int(self.conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())

    def add_many(self, kind: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Many records in one executemany (typed: dates and money converted as for single rows)."""
        rows = [dict(r) for r in rows]
        if rows:
            self.conn.execute(insert(_table(kind)), rows)
        return len(rows)

    def get(self, kind: str, record_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        table = _table(kind)
        query = select(table).where(table.c.id == record_id)
        if lock:
            query = query.with_for_update()   # PostgreSQL row lock; SQLite already holds the write lock
        row = self.conn.execute(query).first()
        return dict(row._mapping) if row else None

    def find(self, kind: str, /, *, order_by: str = "id", **where: Any) -> list[dict[str, Any]]:
        table = _table(kind)
        query = select(table).where(*(table.c[k] == v for k, v in where.items())).order_by(table.c[order_by])
        return [dict(r._mapping) for r in self.conn.execute(query)]

    def update(self, kind: str, record_id: int, values: Mapping[str, Any], **expect: Any) -> bool:
        """Update one record; with `expect`, only if those columns still hold those values."""
        table = _table(kind)
        conditions = [table.c.id == record_id]
        conditions += [table.c[k].is_(None) if v is None else table.c[k] == v for k, v in expect.items()]
        return self.conn.execute(update(table).where(*conditions).values(**values)).rowcount == 1
