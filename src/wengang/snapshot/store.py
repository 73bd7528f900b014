"""The analytical store: one DuckDB file, a registry of snapshots, one schema of typed tables per snapshot."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from wengang.domain.errors import AnalyticsBusy
from wengang.domain.snapshots import SnapshotInfo, schema_of
from wengang.snapshot import facts
from wengang.snapshot.checks import typed_sql
from wengang.snapshot.faults import Fault
from wengang.snapshot.loading import raw_view
from wengang.snapshot.rawfile import LINE, RawFile
from wengang.snapshot.schema import FILES, FileSpec

REGISTRY_DDL = """
CREATE TABLE IF NOT EXISTS snapshots (
    id VARCHAR PRIMARY KEY,
    content_hash VARCHAR NOT NULL UNIQUE,
    source VARCHAR NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    mode VARCHAR NOT NULL,
    files VARCHAR NOT NULL,
    row_counts VARCHAR NOT NULL,
    quarantined BIGINT NOT NULL
)"""

__all__ = ["SnapshotInfo", "schema_of", "connect", "scratch", "find", "list_snapshots", "begin_snapshot",
           "write_snapshot", "abandon"]

Connection = duckdb.DuckDBPyConnection


def scratch() -> Connection:
    """An in-memory connection: a folder is checked on it without touching (or locking) the store file; what it
    spills goes to a folder of its own under the system's temporary directory, not the working directory."""
    spill = Path(tempfile.gettempdir()) / f"wengang-duckdb-{os.getpid()}-{secrets.token_hex(4)}"
    return duckdb.connect(config={"temp_directory": str(spill)})


BUSY_WAIT_SECONDS = 3.0       # a page or a command waits this long for another process's lock before saying so
_HOLDER = re.compile(r"Conflicting lock is held in (.*?)(?:\. See also|$)")
_LOCKED = "Could not set lock on file"


def connect(path: Path, *, read_only: bool = False, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating when needed) the store file with its registry; while another process holds its lock
    (an evaluation or import writing), retry briefly, then raise AnalyticsBusy instead of a driver error."""
    deadline = time.monotonic() + (BUSY_WAIT_SECONDS if wait is None else wait)
    pause = 0.05
    while True:
        try:
            return _open(path, read_only=read_only)
        except duckdb.IOException as err:
            if _LOCKED not in str(err):
                raise
            if time.monotonic() >= deadline:
                held = _HOLDER.search(str(err))
                raise AnalyticsBusy(held.group(1).strip() if held else "") from None
        time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
        pause = min(pause * 2, 0.5)


def _open(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """One attempt: read-only when asked and the file exists, else read-write with the registry created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if read_only and path.exists():
        return duckdb.connect(str(path), read_only=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(REGISTRY_DDL)
    except BaseException:
        con.close()
        raise
    return con


def _info(row: tuple) -> SnapshotInfo:
    sid, chash, source, at, mode, files, counts, quarantined = row
    return SnapshotInfo(sid, chash, source, at, mode, json.loads(files), json.loads(counts), quarantined)


def find(con: duckdb.DuckDBPyConnection, *, snapshot_id: str | None = None,
         content_hash: str | None = None) -> SnapshotInfo | None:
    """Look a snapshot up by id or by the hash of its files."""
    if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'snapshots'").fetchone():
        return None
    column, value = ("id", snapshot_id) if snapshot_id else ("content_hash", content_hash)
    row = con.execute(f"SELECT * FROM snapshots WHERE {column} = ?", [value]).fetchone()
    return _info(row) if row else None


def list_snapshots(con: duckdb.DuckDBPyConnection) -> list[SnapshotInfo]:
    return [_info(r) for r in con.execute("SELECT * FROM snapshots ORDER BY imported_at").fetchall()]


def begin_snapshot(con: duckdb.DuckDBPyConnection, snapshot_id: str, *, replace: bool = False) -> str:
    """Open the one transaction of an import and its snapshot's schema, for the files to be loaded into and kept
    there (write_snapshot commits it, abandon rolls it back: a refused import stores nothing). `replace`: the same
    files registered by Spark (their per-unit tables only) are to be stored whole, in their place."""
    schema = schema_of(snapshot_id)
    con.execute("BEGIN TRANSACTION")
    try:
        if replace:
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            con.execute("DELETE FROM snapshots WHERE id = ?", [snapshot_id])
        con.execute(f"CREATE SCHEMA {schema}")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return schema


def abandon(con: duckdb.DuckDBPyConnection) -> None:
    """The import's transaction rolled back, when one is open: nothing of it stays."""
    with contextlib.suppress(duckdb.TransactionException):   # none open (committed, or ended by DuckDB's error)
        con.execute("ROLLBACK")


def write_snapshot(con: duckdb.DuckDBPyConnection, *, snapshot_id: str, content_hash: str, source: str,
                   raws: dict[str, RawFile], faults: list[Fault], mode: str,
                   imported_at: datetime | None = None) -> SnapshotInfo:
    """Store the good rows (all rows, in strict mode), the quarantine and the contribution facts every evaluation
    reads (snapshot/facts.py), and commit the transaction begin_snapshot opened; `imported_at` is naive UTC
    (default: the machine's now). A file loaded typed into the schema with no fault is kept as loaded, not copied."""
    schema = schema_of(snapshot_id)
    try:
        con.execute(f"CREATE TABLE {schema}.quarantine (file VARCHAR, line BIGINT, \"column\" VARCHAR, "
                    "value VARCHAR, reason VARCHAR)")
        if faults:
            con.register("new_quarantine", pa.table({
                "file": [f.file for f in faults], "line": pa.array([f.line for f in faults], pa.int64()),
                "column": [f.column for f in faults], "value": [f.value for f in faults],
                "reason": [f.reason for f in faults]}))
            con.execute(f"INSERT INTO {schema}.quarantine SELECT * FROM new_quarantine")
        faulted = {f.file for f in faults}
        counts = {spec.name: _store_file(con, schema, spec, raws.get(spec.name), faulted) for spec in FILES}
        contributions = raws.get("contributions")
        made = contributions.summary if contributions is not None else None
        if made is not None and contributions is not None and contributions.display in faulted:
            con.execute(f"DROP TABLE {made}")          # made of rows some of which are not stored
            made = None
        facts.build(con, schema, made=made)               # made of the very rows stored
        files = {name: raw.path.name for name, raw in raws.items()}
        bad_rows = len({(f.file, f.line) for f in faults})
        con.execute("INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [snapshot_id, content_hash, source, imported_at or datetime.now(UTC).replace(tzinfo=None), mode,
                     json.dumps(files), json.dumps({k: v for k, v in counts.items() if v is not None}), bad_rows])
        con.execute("COMMIT")
    except Exception:
        abandon(con)
        raise
    info = find(con, snapshot_id=snapshot_id)
    assert info is not None
    return info


def _store_file(con: duckdb.DuckDBPyConnection, schema: str, spec: FileSpec, raw: RawFile | None,
                faulted: set[str]) -> int | None:
    """One file's table in the schema, typed; its rows (None for a file the folder lacks: an empty table)."""
    typed = ", ".join(f'"{c.name}"' if raw is not None and c.name in raw.typed else typed_sql(c)
                      for c in spec.columns)
    if raw is None:
        con.execute(f"CREATE TABLE {schema}.{spec.name} AS SELECT {typed}, 0::BIGINT AS line "
                    f"FROM (SELECT {', '.join(f'NULL::VARCHAR AS {c.name}' for c in spec.columns)}) WHERE false")
        return None
    kept = raw.stage == schema and all(c.name in raw.typed or typed_sql(c) == f'"{c.name}"' for c in spec.columns)
    if raw.display in faulted:
        con.execute(f"""CREATE TABLE {schema}.{spec.name} AS
            SELECT {typed}, {LINE} AS line FROM {raw_view(raw)} r
            WHERE r.{LINE} NOT IN (SELECT line FROM {schema}.quarantine WHERE file = ?)
            ORDER BY r.{LINE}""", [raw.display])
    elif kept:              # loaded typed, in line order, into this schema: the table itself is stored
        con.execute(f"ALTER TABLE {raw_view(raw)} RENAME TO {spec.name}")
        con.execute(f"ALTER TABLE {schema}.{spec.name} RENAME COLUMN {LINE} TO line")
    else:                   # the rows were loaded in line order, and a plain scan keeps it: no sort
        con.execute(f"CREATE TABLE {schema}.{spec.name} AS SELECT {typed}, {LINE} AS line FROM {raw_view(raw)}")
    if raw.display in faulted or not kept:
        con.execute(f"DROP TABLE {raw_view(raw)}")      # its text is stored typed now: room for the facts
    return int(con.execute(f"SELECT count(*) FROM {schema}.{spec.name}").fetchall()[0][0])


SPARK_MODE = "spark"          # checked and decided on Spark: the monthly rows stay in the folder, read there again
SPARK_KEPT = ("employers", "contacts")      # what the case lifecycle reads here: accounts, kinds, contacts
SPAN = "contribution_span"                  # and the first and last contribution month (a cycle's base year)


def register_spark(con: duckdb.DuckDBPyConnection, info: SnapshotInfo, tables: dict[str, pa.Table]) -> SnapshotInfo:
    """A snapshot Spark checked: its registry row (mode spark, its folder the source Spark reads again, by hash) and
    the per-unit tables the case lifecycle reads from this store, in one transaction; not its monthly rows."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE SCHEMA {info.schema}")
        for name, table in tables.items():
            con.register("new_rows", table)
            con.execute(f"CREATE TABLE {info.schema}.{name} AS SELECT * FROM new_rows")
            con.unregister("new_rows")
        con.execute("INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [info.id, info.content_hash, info.source, info.imported_at, SPARK_MODE, json.dumps(info.files),
                     json.dumps(info.row_counts), 0])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    found = find(con, snapshot_id=info.id)
    assert found is not None
    return found
