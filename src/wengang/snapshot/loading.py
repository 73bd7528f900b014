"""Load each file's text rows into a DuckDB temporary table, batch by batch: the validation and the store read
them there, so no whole file is held in Python memory and DuckDB may spill to disk."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pyarrow as pa

from wengang.snapshot.rawfile import LINE, RawFile, Reread, cannot_read

NO_ROWS = "必需文件没有数据行 / the required file has no rows"
_BATCH = "__incoming_batch"


def raw_view(raw: RawFile) -> str:
    return f"raw_{raw.spec.name}"


def load(con: duckdb.DuckDBPyConnection, raw: RawFile) -> RawFile:
    """The file's rows in its temporary table, counted; a stream the fast reader cannot finish exactly is read
    again by the exact reader (its faults then replace the fast reader's). Returns the file as finally read."""
    columns = ", ".join(f'"{name}" VARCHAR' for name in raw.spec.column_names)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {raw_view(raw)} ({columns}, {LINE} BIGINT)")
    if raw.stream is not None and not _insert_stream(con, raw):
        assert raw.reread is not None
        raw = raw.reread()
        con.execute(f"DELETE FROM {raw_view(raw)}")
    if raw.query is not None:
        try:
            con.execute(f"INSERT INTO {raw_view(raw)} {raw.query}", [str(raw.path)])
        except duckdb.Error as err:
            cannot_read(raw, err)
    if raw.table is not None:
        raw.rows = _insert(con, raw, raw.table)
        raw.table = None
    raw.stream = raw.reread = raw.query = None
    if raw.spec.required and raw.rows == 0 and not raw.faults:
        raw.fault_file(0, "", "", NO_ROWS)
    return raw


def _insert_stream(con: duckdb.DuckDBPyConnection, raw: RawFile) -> bool:
    """Every batch in one INSERT that pulls them while Arrow reads on; False when the stream asked for a reread."""
    assert raw.stream is not None
    parts, reread, rows = raw.stream(), [], [0]

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for part in parts:
                rows[0] += part.num_rows
                yield from part.to_batches()
        except Reread:
            reread.append(True)

    schema = pa.schema([(name, pa.string()) for name in raw.spec.column_names] + [(LINE, pa.int64())])
    con.register(_BATCH, pa.RecordBatchReader.from_batches(schema, batches()))
    try:
        con.execute(f"INSERT INTO {raw_view(raw)} SELECT * FROM {_BATCH}")
    finally:
        con.unregister(_BATCH)
    raw.rows = rows[0]
    return not reread


def _insert(con: duckdb.DuckDBPyConnection, raw: RawFile, part: pa.Table) -> int:
    """Append one part of the file; how many rows it had."""
    con.register(_BATCH, part)
    try:
        con.execute(f"INSERT INTO {raw_view(raw)} SELECT * FROM {_BATCH}")
    finally:
        con.unregister(_BATCH)
    return part.num_rows
