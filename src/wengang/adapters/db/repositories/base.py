"""What every typed repository shares: one table, one frozen dataclass whose fields are the table's columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from functools import cache
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Connection, Table, insert, select, update

from wengang.domain.errors import NotFound

T = TypeVar("T")


@cache
def _columns(table: Table, model: type) -> list[ColumnElement[Any]]:
    """The model's fields as the table's columns, looked up once per repository class: every unit of work builds
    every repository, and the web's hot path opens one per request."""
    return [table.c[f.name] for f in fields(model)]


class TableRepository(Generic[T]):
    """Rows of `table` as `model` instances; a subclass names both and the words a NotFound uses."""

    table: ClassVar[Table]
    model: ClassVar[type]
    label: ClassVar[tuple[str, str]] = ("记录", "record")      # (Chinese, English) for "no … N"

    def __init__(self, conn: Connection):
        self.conn = conn
        self._columns = _columns(self.table, self.model)

    def _row(self, row) -> T:
        return self.model(*row)

    def _select(self):
        return select(*self._columns)

    def _one(self, *where: ColumnElement[bool], lock: bool = False) -> T | None:
        query = self._select().where(*where)
        if lock:
            query = query.with_for_update()     # PostgreSQL row lock; SQLite already holds the write lock
        row = self.conn.execute(query).first()
        return None if row is None else self._row(row)

    def _many(self, *where: ColumnElement[bool], order_by: str = "id") -> list[T]:
        query = self._select().where(*where).order_by(self.table.c[order_by])
        return [self._row(r) for r in self.conn.execute(query)]

    def _insert(self, values: Mapping[str, Any]) -> T:
        """Insert and return the stored record (with its id and every default)."""
        row = self.conn.execute(insert(self.table).values(**values).returning(*self._columns)).one()
        return self._row(row)

    def _update(self, record_id: int, values: Mapping[str, Any], **expect: Any) -> bool:
        """Update one record; with `expect`, only if those columns still hold those values (False otherwise)."""
        where = [self.table.c.id == record_id]
        where += [self.table.c[k].is_(None) if v is None else self.table.c[k] == v for k, v in expect.items()]
        return self.conn.execute(update(self.table).where(*where).values(**values)).rowcount == 1

    def get(self, record_id: int, *, lock: bool = False) -> T:
        """The record with this id, or NotFound naming it."""
        found = self._one(self.table.c.id == record_id, lock=lock)
        if found is None:
            zh, en = self.label
            raise NotFound(f"没有这个{zh} / no {en} {record_id}")
        return found
