"""Set-based writes: PostgreSQL COPY, SQLite executemany, and staged tables joined in one UPDATE."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Column, Connection, MetaData, Table

from wengang.adapters.db.types import Money, to_fen


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Stream rows into `table` inside the connection's transaction; money columns carry Decimal."""
    raw = conn.connection.dbapi_connection
    count = 0
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({_quoted(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    money = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, Money)]
    marks = ", ".join("?" for _ in columns)
    statement = f'INSERT INTO "{table.name}" ({_quoted(columns)}) VALUES ({marks})'
    if not money:   # rows go to SQLite as they are; it counts them
        cur = raw.cursor()
        try:
            cur.executemany(statement, rows)
            return max(cur.rowcount, 0)
        finally:
            cur.close()

    def converted() -> Iterator[Sequence]:
        nonlocal count
        for row in rows:
            count += 1
            row = list(row)
            for i in money:
                if row[i] is not None:
                    row[i] = to_fen(row[i])
            yield row

    cur = raw.cursor()
    try:
        cur.executemany(statement, converted())
    finally:
        cur.close()
    return count


@contextmanager
def staged(conn: Connection, name: str, columns: list[Column], rows: Iterable[Sequence]) -> Iterator[Table]:
    """A temporary table holding `rows`, for one set-based statement; a rollback takes it away too."""
    table = Table(name, MetaData(), *columns, prefixes=["TEMPORARY"])
    table.create(conn)
    insert_rows(conn, table, [c.name for c in columns], rows)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f'ANALYZE "{name}"')
    yield table
    table.drop(conn)
