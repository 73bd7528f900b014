"""Set-based writes: PostgreSQL COPY, SQLite executemany, staged tables joined in one UPDATE, lists as one value."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import TypeVar

from sqlalchemy import (
    ARRAY,
    Column,
    ColumnElement,
    Connection,
    DateTime,
    MetaData,
    String,
    Table,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.exc import DBAPIError

from wengang.adapters.db.types import Money, to_fen

T = TypeVar("T")

# Fault-injection tests only (tests/integration/fault_runner.py): each bulk row stream notes its table in this file
# once its first row is in the statement, and pauses there, so the test can SIGKILL the process inside the
# statement. Read once at import; unset (always, outside that test) nothing is noted and nothing waits.
FAULT_PAUSE_FILE = os.environ.get("WENGANG_FAULT_PAUSE_FILE")
FAULT_PAUSE_SECONDS = 0.02
ANALYZE_AFTER = 10_000          # rows of one COPY from which PostgreSQL's statistics of the table are looked at


def _noting_pause(rows: Iterable[T], table: str, notes_file: str) -> Iterator[T]:
    """The rows as they come; between the first and the rest, "pause <table>" then "resume <table>" in the file."""
    it = iter(rows)
    for row in it:
        yield row
        break
    else:
        return
    with open(notes_file, "a", encoding="utf-8") as notes:
        notes.write(f"pause {table}\n")
    time.sleep(FAULT_PAUSE_SECONDS)
    with open(notes_file, "a", encoding="utf-8") as notes:
        notes.write(f"resume {table}\n")
    yield from it


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


@contextmanager
def raw_cursor(conn: Connection, statement: str = "") -> Iterator:
    """The driver's cursor for bulk work; its errors come out as SQLAlchemy's, like every other statement's."""
    driver = conn.connection.dbapi_connection
    assert driver is not None, "an open Connection always has its driver's connection"
    cur = driver.cursor()
    try:
        yield cur
    except conn.dialect.loaded_dbapi.Error as err:
        raise DBAPIError.instance(statement, None, err, conn.dialect.loaded_dbapi.Error) from err
    finally:
        cur.close()


def mark(conn: Connection) -> str:
    """The driver's parameter placeholder, for SQL written out for bulk work."""
    return "?" if conn.dialect.name == "sqlite" else "%s"


def one_of(conn: Connection, column: str) -> str:
    """SQL for `column` being one of a list passed as one parameter (see `listed`): no IN list, whatever its size."""
    if conn.dialect.name == "sqlite":
        return f"{column} IN (SELECT value FROM json_each(?))"
    return f"{column} = ANY(%s)"


def listed(conn: Connection, values: Iterable) -> object:
    """The one parameter `one_of` takes: a JSON array on SQLite, an array's text form on PostgreSQL."""
    values = list(values)
    return json.dumps(values) if conn.dialect.name == "sqlite" else array_literal(values)


def among(conn: Connection, column: ColumnElement, values: Iterable) -> ColumnElement[bool]:
    """`column` is one of `values`, as one bound value however many (`one_of` for SQLAlchemy statements): an IN
    list of thousands of parameters costs the driver more to spell than the database to answer."""
    if conn.dialect.name == "sqlite":
        return column.in_(select(literal_column("value")).select_from(func.json_each(
            bindparam(None, json.dumps(list(values)), type_=String))))
    # IN (unnest) rather than = ANY: an index probe per value, never a scan testing each row against the array
    return column.in_(select(func.unnest(cast(bindparam(None, array_literal(list(values)), type_=String),
                                              ARRAY(column.type)))))


def _array_text(values: list) -> object:
    """One column of `update_rows` as PostgreSQL's text form of an array (integers, text, times, NULLs), which the
    server parses; the list itself where it holds anything else (psycopg dumps it, a value at a time in Python). A
    column of one value throughout (a status, a batch's time, no error) is spelled once: most columns of a page of
    handed copies are."""
    if len(values) > 1 and values.count(values[0]) == len(values) and len(set(map(type, values))) == 1:
        one = _array_text(values[:1])
        return "{" + ",".join([one[1:-1]] * len(values)) + "}" if isinstance(one, str) else values
    out = []
    for v in values:
        kind = type(v)
        if v is None:
            out.append("NULL")
        elif kind is int:
            out.append(str(v))
        elif kind is str:
            out.append('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif (kind is dt.datetime and v.tzinfo is None) or kind is dt.date:
            out.append('"' + v.isoformat() + '"')
        else:
            return values
    return "{" + ",".join(out) + "}"


def array_literal(values: list) -> str:
    """PostgreSQL's text form of an array of integers or strings, which the server parses (psycopg would dump a
    Python list element by element in Python: seconds for a million keys)."""
    if all(type(v) is int for v in values):
        return "{" + ",".join(map(str, values)) + "}"
    if not all(isinstance(v, str) for v in values):
        raise TypeError("an array of integers or of strings")
    return "{" + ",".join(['"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values]) + "}"


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Stream rows into `table` inside the connection's transaction; money columns carry Decimal."""
    if FAULT_PAUSE_FILE:
        rows = _noting_pause(rows, table.name, FAULT_PAUSE_FILE)
    count = 0
    if conn.dialect.name == "postgresql":
        copy_sql = f'COPY "{table.name}" ({_quoted(columns)}) FROM STDIN'
        with raw_cursor(conn, copy_sql) as cur, cur.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        if count >= ANALYZE_AFTER:
            _analyze_if_grown(conn, table.name, count)
        return count
    money = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, Money)]
    times = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, DateTime)]
    marks = ", ".join("?" for _ in columns)
    statement = f'INSERT INTO "{table.name}" ({_quoted(columns)}) VALUES ({marks})'
    if not money and not times:   # rows go to SQLite as they are; it counts them
        with raw_cursor(conn, statement) as cur:
            cur.executemany(statement, rows)
            return max(cur.rowcount, 0)
    # A transaction stamps its rows alike: each time is spelled once, as sqlite3's own adapter spells it.
    spelled: dict[object, object] = {None: None}

    def converted() -> Iterator[Sequence]:
        nonlocal count
        for row in rows:
            count += 1
            row = list(row)
            for i in money:
                if row[i] is not None:
                    row[i] = to_fen(row[i])
            for i in times:
                value = row[i]
                text = spelled.get(value)
                if text is None and value is not None:
                    text = spelled[value] = value.isoformat(" ") if isinstance(value, dt.datetime) else value
                row[i] = text
            yield row

    with raw_cursor(conn, statement) as cur:
        cur.executemany(statement, converted())
    return count


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class CopyText:
    """Values spelled as PostgreSQL's COPY text reads them, for rows spelled a line at a time by their writer (one
    f-string a row costs a quarter of psycopg's write_row): a text escaped (its tabs, newlines and backslashes) only
    when it holds one, and each text and time a chunk repeats (a message's words, the transaction's time) spelled
    once."""

    def __init__(self) -> None:
        self._spelled: dict[object, str] = {None: "\\N"}

    def text(self, value: str | None) -> str:
        if value is None:
            return "\\N"
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(COPY_ESCAPES)
        return value

    def same(self, value: object) -> str:
        """A value many rows share (a text, a naive time, a number), spelled once."""
        found = self._spelled.get(value)
        if found is None:
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                raise TypeError("COPY text spells naive UTC times only")
            found = self._spelled[value] = self.text(value.isoformat() if isinstance(value, dt.datetime | dt.date)
                                                     else str(value))
            if len(self._spelled) > 100_000:
                self._spelled = {None: "\\N"}
        return found


def insert_lines(conn: Connection, table: Table, columns: Sequence[str], lines: Iterable[str]) -> int:
    """PostgreSQL only: COPY rows already spelled as COPY text lines (`CopyText`), each ending in a newline, into
    `table` inside the connection's transaction; how many."""
    if FAULT_PAUSE_FILE:
        lines = _noting_pause(lines, table.name, FAULT_PAUSE_FILE)
    copy_sql = f'COPY "{table.name}" ({_quoted(columns)}) FROM STDIN'
    count = 0
    with raw_cursor(conn, copy_sql) as cur, cur.copy(copy_sql) as copy:
        it = iter(lines)
        while part := list(islice(it, 5_000)):
            copy.write("".join(part))
            count += len(part)
    if count >= ANALYZE_AFTER:
        _analyze_if_grown(conn, table.name, count)
    return count


def _analyze_if_grown(conn: Connection, name: str, added: int) -> None:
    """ANALYZE a table that has just grown by more than the rows its statistics count (never analysed: none): a
    table filled in bulk within the cycle (deliveries, notifications) has no statistics until autovacuum comes by,
    and the planner, guessing, reads it whole for every page of a later UPDATE or join. Only when one COPY adds more
    than half the rows the statistics count: a table is analysed a few times as it fills, not after every chunk (the
    planner scales the statistics' rows by the table's pages meanwhile); in the transaction that grew it
    (PostgreSQL counts its own uncommitted rows)."""
    known = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid = %(t)s::regclass",
                                 {"t": f'"{name}"'}).scalar()
    if known is None or known < 0 or added * 2 > known:
        conn.exec_driver_sql(f'ANALYZE "{name}"')


def update_rows(conn: Connection, table: Table, key: str, columns: Sequence[str], rows: Iterable[Sequence], *,
                only: tuple[str, str] | None = None) -> int:
    """Update rows of `table` one by one, each given as (its `key`, then a value per column of `columns`), and, with
    `only` = (column, value), only those where that column still holds that value; how many changed. One statement
    on PostgreSQL (the values as arrays, unnested and joined on the key), one executemany on SQLite. The guard
    column is compared as an expression, so that the planner finds each row by its key and never walks an index of
    the guard column instead (SQLite without statistics would, for every row)."""
    rows = list(rows)
    if not rows:
        return 0
    names = (key, *columns)
    guard = f' AND t."{only[0]}" || \'\' = {mark(conn)}' if only else ""
    if conn.dialect.name == "postgresql":
        types = [f"{table.c[n].type.compile(dialect=conn.dialect)}[]" for n in names]
        arrays = ", ".join(f"%s::{t}" for t in types)
        sets = ", ".join(f'"{c}" = v."{c}"' for c in columns)
        # A unique key once more as `= ANY`: the planner, which knows one row a key, then reads the rows through
        # the key's index and hashes the values; joined on the key alone, it guessed the guard kept a handful of
        # rows and hashed the whole table for every batch (quadratic: 2,000 copies marked, 700,000 rows read). Not
        # for a key it has no count of (a provider's id, NULL when last analysed): it would guess one row.
        unique = table.c[key].primary_key or table.c[key].unique
        probe = f' AND t."{key}" = ANY(%s::{types[0]})' if unique else ""
        statement = (f'UPDATE "{table.name}" AS t SET {sets} FROM unnest({arrays}) AS v({_quoted(names)}) '
                     f'WHERE t."{key}" = v."{key}"{probe}{guard}')
        params = [_array_text(list(values)) for values in zip(*rows, strict=True)]
        params += [*(params[:1] if unique else []), *([only[1]] if only else [])]
        with raw_cursor(conn, statement) as cur:
            cur.execute(statement, params)
            return max(cur.rowcount, 0)
    spell = [table.c[n].type.bind_processor(conn.dialect) for n in names]    # as SQLAlchemy stores each value
    statement = f'UPDATE "{table.name}" AS t SET {", ".join(f"{_quoted([c])} = ?" for c in columns)} WHERE t."{key}" = ?{guard}'
    tail = (only[1],) if only else ()

    def spelled(row: Sequence) -> tuple:
        values = [v if f is None or v is None else f(v) for f, v in zip(spell, row, strict=True)]
        return (*values[1:], values[0], *tail)

    with raw_cursor(conn, statement) as cur:
        cur.executemany(statement, map(spelled, rows))
        return max(cur.rowcount, 0)


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
