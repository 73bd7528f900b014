"""Load each file's rows into a DuckDB table, batch by batch: the validation and the store read them there, so no
whole file is held in Python memory and DuckDB may spill to disk. A streamed file is first loaded checked and typed
(batch_checks): DuckDB then neither reads its text again nor casts it; a doubt loads it as text instead. An import
loads into the snapshot's own schema inside its transaction (`stage`), where a file loaded typed is kept as it is,
not copied; a check loads into temporary tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import duckdb
import pyarrow as pa

from wengang.snapshot.batch_checks import SQL_TYPES, Doubt, typed_batch, typed_columns, typed_schema
from wengang.snapshot.rawfile import LINE, RawFile, Reread, cannot_read

NO_ROWS = "必需文件没有数据行 / the required file has no rows"
_BATCH = "__incoming_batch"


class Unstaged(Exception):
    """DuckDB failed on a file loaded inside an import's transaction, and its failure aborted the transaction: the
    folder is to be checked again outside it, where the failure is the file's fault as ever."""


def raw_view(raw: RawFile) -> str:
    return f"{raw.stage}.raw_{raw.spec.name}" if raw.stage else f"raw_{raw.spec.name}"


def load(con: duckdb.DuckDBPyConnection, raw: RawFile, stage: str = "") -> RawFile:
    """The file's rows in its table, counted. A stream is tried checked and typed first; a batch in doubt
    streams the file again as text, for the SQL checks to say what is wrong; a stream the fast reader cannot finish
    exactly is read again by the exact reader (its faults then replace the fast reader's). Returns the file as
    finally read. `stage`: the schema to load into; "" for a temporary table."""
    raw.stage = stage
    outcome = _insert_checked(con, raw) if raw.stream is not None and not raw.faults else "text"
    if raw.checked_query is not None and not raw.faults:
        outcome = _scan_checked(con, raw, raw.checked_query(typed_columns(raw.spec)))
    if outcome == "typed":
        return _loaded(raw)
    _create(con, raw, ())
    if raw.stream is not None and (outcome == "reread" or _insert_stream(con, raw, _text_schema(raw), _as_is) != "done"):
        assert raw.reread is not None
        raw = raw.reread()
        raw.stage = stage
        con.execute(f"DELETE FROM {raw_view(raw)}")
    if raw.query is not None:
        try:
            con.execute(f"INSERT INTO {raw_view(raw)} {raw.query}", [str(raw.path)])
        except duckdb.Error as err:
            if raw.stage:
                raise Unstaged(raw.display) from err
            cannot_read(raw, err)
    if raw.table is not None:
        raw.rows = _insert(con, raw, raw.table)
        raw.table = None
    return _loaded(raw)


def _loaded(raw: RawFile) -> RawFile:
    raw.stream = raw.reread = raw.query = raw.checked_query = None
    if raw.spec.required and raw.rows == 0 and not raw.faults:
        raw.fault_file(0, "", "", NO_ROWS)
    return raw


def _create(con: duckdb.DuckDBPyConnection, raw: RawFile, typed: tuple[str, ...]) -> None:
    columns = ", ".join(f'"{c.name}" {SQL_TYPES[c.kind] if c.name in typed else "VARCHAR"}' for c in raw.spec.columns)
    con.execute(f"CREATE OR REPLACE {'' if raw.stage else 'TEMP '}TABLE {raw_view(raw)} ({columns}, {LINE} BIGINT)")


def _insert_checked(con: duckdb.DuckDBPyConnection, raw: RawFile) -> str:
    """The stream checked and typed batch by batch: "typed" when every batch passed, else why it stopped."""
    typed = typed_columns(raw.spec)
    _create(con, raw, typed)
    outcome = _insert_stream(con, raw, typed_schema(raw.spec, typed), lambda part: typed_batch(raw.spec, part, typed))
    if outcome != "done":
        return outcome
    raw.checked, raw.typed = True, typed
    return "typed"


def _scan_checked(con: duckdb.DuckDBPyConnection, raw: RawFile, query: str) -> str:
    """DuckDB reads the file once (`query`), checks every value as the SQL checks do and keeps the rows in their
    stored types: "typed" when every row passed; any row held back (a bad value, or a name the rule for names is to
    judge) empties the table, and the file is loaded as text for the checks to say precisely what is wrong."""
    typed = typed_columns(raw.spec)
    _create(con, raw, typed)
    try:   # the filter runs before the casts: only values the checks passed are cast
        kept = con.execute(f"INSERT INTO {raw_view(raw)} {query}", [str(raw.path)]).fetchall()[0][0]
    except duckdb.Error as err:
        if raw.stage:
            raise Unstaged(raw.display) from err
        return "text"                           # read again as text: a file DuckDB cannot read is said there
    if kept != raw.rows:
        con.execute(f"DELETE FROM {raw_view(raw)}")
        return "text"
    raw.checked, raw.typed = True, typed
    return "typed"


def _text_schema(raw: RawFile) -> pa.Schema:
    return pa.schema([(name, pa.string()) for name in raw.spec.column_names] + [(LINE, pa.int64())])


def _as_is(part: pa.Table) -> pa.Table:
    return part


def _insert_stream(con: duckdb.DuckDBPyConnection, raw: RawFile, schema: pa.Schema,
                   shape: Callable[[pa.Table], pa.Table]) -> str:
    """Every batch, shaped, in one INSERT that pulls them while Arrow reads on: "done", or "reread" when the stream
    asked for the exact reader, or "doubt" when a batch failed its checks (the rows before it are in the table)."""
    assert raw.stream is not None
    parts, stopped, rows = raw.stream(), [], [0]

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for part in parts:
                shaped = shape(part)
                rows[0] += part.num_rows
                yield from shaped.to_batches()
        except Reread:
            stopped.append("reread")
        except Doubt:
            stopped.append("doubt")

    con.register(_BATCH, pa.RecordBatchReader.from_batches(schema, batches()))
    try:
        con.execute(f"INSERT INTO {raw_view(raw)} SELECT * FROM {_BATCH}")
    finally:
        con.unregister(_BATCH)
    raw.rows = rows[0]
    return stopped[0] if stopped else "done"


def _insert(con: duckdb.DuckDBPyConnection, raw: RawFile, part: pa.Table) -> int:
    """Append one part of the file; how many rows it had."""
    con.register(_BATCH, part)
    try:
        con.execute(f"INSERT INTO {raw_view(raw)} SELECT * FROM {_BATCH}")
    finally:
        con.unregister(_BATCH)
    return part.num_rows
