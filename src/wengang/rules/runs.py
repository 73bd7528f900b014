"""Decision runs in the analytical store: every unit's decision with the values it read, and the parameters."""

from __future__ import annotations

import datetime as dt
import secrets

import duckdb
import pyarrow as pa

from wengang.domain.analytics import RunSummary, UsedValue  # in the domain: the Analytics port names them
from wengang.rules.criteria import IDS
from wengang.snapshot.store import schema_of

RUNS_DDL = """
CREATE TABLE IF NOT EXISTS decision_runs (
    id VARCHAR PRIMARY KEY, snapshot_id VARCHAR NOT NULL, pack VARCHAR NOT NULL, as_of DATE NOT NULL,
    engine VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, units BIGINT NOT NULL, eligible BIGINT NOT NULL,
    review BIGINT NOT NULL, ineligible BIGINT NOT NULL, amount_fen BIGINT NOT NULL, seconds DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS run_parameters (
    run_id VARCHAR NOT NULL, name VARCHAR NOT NULL, region VARCHAR NOT NULL, value VARCHAR NOT NULL,
    start DATE NOT NULL, reference VARCHAR NOT NULL
);
CREATE TYPE IF NOT EXISTS wg_outcome AS ENUM ('pass', 'fail', 'unknown', 'review');
CREATE TYPE IF NOT EXISTS wg_size_source AS ENUM ('agency', 'computed', 'unknown');
CREATE TYPE IF NOT EXISTS wg_opening_source AS ENUM ('prev_dec', 'jan', 'missing');
CREATE TYPE IF NOT EXISTS wg_limit_kind AS ENUM ('small', 'large', 'general', 'unknown');"""

# Columns of a few words, stored as one byte each: half a million short strings cost a third of the write.
# (decision and size_class stay text: other readers compare them with text.)
WORDS = {"size_source": "wg_size_source", "opening_source": "wg_opening_source",
         "layoff_limit_kind": "wg_limit_kind",
         **{f"c_{c}": "wg_outcome" for c in IDS}}

# Copied from the snapshot's employers when an explanation is read back, not stored with every run.
FROM_SNAPSHOT = ("name", "unit_type", "industry", "region", "employees", "revenue", "assets", "labor_dispatch")


def new_run_id() -> str:
    return f"r{dt.datetime.now():%Y%m%d%H%M%S}{secrets.token_hex(2)}"


def summarise(run_id: str, snapshot_id: str, pack: str, as_of: dt.date, engine: str, decided: pa.Table,
              seconds: float) -> RunSummary:
    con = duckdb.connect()
    con.register("d", decided)
    row = con.execute(
        "SELECT count(*), count(*) FILTER (decision = 'eligible'), count(*) FILTER (decision = 'review'), "
        "count(*) FILTER (decision = 'ineligible'), coalesce(sum(amount_fen) FILTER (decision = 'eligible'), 0) "
        "FROM d").fetchone()
    con.close()
    assert row is not None, "an aggregate without GROUP BY returns one row"
    units, eligible, review, ineligible, fen = row
    return RunSummary(run_id, snapshot_id, pack, as_of, engine, units, eligible, review, ineligible, int(fen), seconds)


def store_run(con: duckdb.DuckDBPyConnection, summary: RunSummary, decided: pa.Table,
              used: list[UsedValue]) -> None:
    """Decisions, explanations and parameters of a run, in one transaction; the employer's own columns are
    left in the snapshot (read back by `latest_row`), so a run writes only what it decided and read."""
    con.execute(RUNS_DDL)
    narrow = decided.drop_columns([c for c in FROM_SNAPSHOT if c in decided.column_names])  # no copy
    columns = ", ".join(f'CAST("{c}" AS {WORDS[c]}) AS "{c}"' if c in WORDS else f'"{c}"' for c in narrow.column_names)
    con.register("new_decisions", narrow)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE TABLE IF NOT EXISTS decisions AS "
                    f"SELECT ''::VARCHAR AS run_id, {columns} FROM new_decisions WHERE false")
        _add_new_columns(con, columns)
        con.execute(f"INSERT INTO decisions BY NAME SELECT ? AS run_id, {columns} FROM new_decisions", [summary.id])
        con.execute("INSERT INTO decision_runs VALUES (?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?)",
                    [summary.id, summary.snapshot_id, summary.pack, summary.as_of, summary.engine, summary.units,
                     summary.eligible, summary.review, summary.ineligible, summary.amount_fen, summary.seconds])
        unique = list(dict.fromkeys(used))
        con.executemany("INSERT INTO run_parameters VALUES (?, ?, ?, ?, ?, ?)",
                        [(summary.id, u.name, u.region, u.value, u.start, u.reference) for u in unique])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("new_decisions")


def _add_new_columns(con: duckdb.DuckDBPyConnection, columns: str) -> None:
    """A store made before a column existed (a programme's headcount, a new criterion) gains it, NULL for the runs
    already in it: older runs read back as they were."""
    have = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'decisions'").fetchall()}
    for name, kind, *_ in con.execute(f"DESCRIBE SELECT {columns} FROM new_decisions").fetchall():
        if name not in have:
            con.execute(f'ALTER TABLE decisions ADD COLUMN "{name}" {kind}')


def latest_row(con: duckdb.DuckDBPyConnection, uscc: str, run_id: str | None = None) -> dict | None:
    """The unit's decision row in the given run, or in the newest run that decided it, with its employer's
    columns from the run's snapshot (runs stored before they were left there carry them in the row)."""
    if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'decisions'").fetchone():
        return None
    where, args = ("d.uscc = ? AND d.run_id = ?", [uscc, run_id]) if run_id else ("d.uscc = ?", [uscc])
    cur = con.execute(f"SELECT d.*, r.pack, r.as_of, r.snapshot_id FROM decisions d JOIN decision_runs r "
                      f"ON r.id = d.run_id WHERE {where} ORDER BY r.created_at DESC LIMIT 1", args)
    row = cur.fetchone()
    if not row:
        return None
    found = dict(zip([c[0] for c in cur.description], row, strict=True))
    schema = schema_of(found["snapshot_id"])
    if con.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = 'employers'",
                   [schema]).fetchone():
        cur = con.execute(f"SELECT {', '.join(FROM_SNAPSHOT)} FROM {schema}.employers WHERE uscc = ?", [uscc])
        employer = cur.fetchone()
        if employer:
            found.update(zip(FROM_SNAPSHOT, employer, strict=True))
    return found


def parameters(con: duckdb.DuckDBPyConnection, run_id: str) -> list[UsedValue]:
    rows = con.execute("SELECT name, region, value, start, reference FROM run_parameters WHERE run_id = ? "
                       "ORDER BY name, region", [run_id]).fetchall()
    return [UsedValue(*r) for r in rows]


def find_run(con: duckdb.DuckDBPyConnection, run_id: str) -> RunSummary | None:
    """A stored run's summary (None: no such run, or no run stored yet)."""
    if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'decision_runs'").fetchone():
        return None
    row = con.execute("SELECT id, snapshot_id, pack, as_of, engine, units, eligible, review, ineligible, amount_fen, "
                      "seconds FROM decision_runs WHERE id = ?", [run_id]).fetchone()
    return RunSummary(*row) if row else None
