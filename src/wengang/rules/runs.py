"""Decision runs in the analytical store: every unit's decision with the values it read, and the parameters."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import duckdb
import pyarrow as pa

RUNS_DDL = """
CREATE TABLE IF NOT EXISTS decision_runs (
    id VARCHAR PRIMARY KEY, snapshot_id VARCHAR NOT NULL, pack VARCHAR NOT NULL, as_of DATE NOT NULL,
    engine VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, units BIGINT NOT NULL, eligible BIGINT NOT NULL,
    review BIGINT NOT NULL, ineligible BIGINT NOT NULL, amount_fen BIGINT NOT NULL, seconds DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS run_parameters (
    run_id VARCHAR NOT NULL, name VARCHAR NOT NULL, region VARCHAR NOT NULL, value VARCHAR NOT NULL,
    start DATE NOT NULL, reference VARCHAR NOT NULL
);"""


@dataclass(frozen=True)
class UsedValue:
    """One parameter value an evaluation used: the record an explanation cites."""

    name: str
    region: str
    value: str
    start: dt.date
    reference: str


@dataclass(frozen=True)
class RunSummary:
    """Counts and money of one run."""

    id: str
    snapshot_id: str
    pack: str
    as_of: dt.date
    engine: str
    units: int
    eligible: int
    review: int
    ineligible: int
    amount_fen: int
    seconds: float


def new_run_id() -> str:
    return f"r{dt.datetime.now():%Y%m%d%H%M%S}{secrets.token_hex(2)}"


def summarise(run_id: str, snapshot_id: str, pack: str, as_of: dt.date, engine: str, decided: pa.Table,
              seconds: float) -> RunSummary:
    con = duckdb.connect()
    con.register("d", decided)
    units, eligible, review, ineligible, fen = con.execute(
        "SELECT count(*), count(*) FILTER (decision = 'eligible'), count(*) FILTER (decision = 'review'), "
        "count(*) FILTER (decision = 'ineligible'), coalesce(sum(amount_fen) FILTER (decision = 'eligible'), 0) "
        "FROM d").fetchone()
    con.close()
    return RunSummary(run_id, snapshot_id, pack, as_of, engine, units, eligible, review, ineligible, int(fen), seconds)


def store_run(con: duckdb.DuckDBPyConnection, summary: RunSummary, decided: pa.Table,
              used: list[UsedValue]) -> None:
    """Decisions, explanations and parameters of a run, in one transaction."""
    con.execute(RUNS_DDL)
    con.register("new_decisions", decided)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE TABLE IF NOT EXISTS decisions AS "
                    "SELECT ''::VARCHAR AS run_id, * FROM new_decisions WHERE false")
        con.execute("INSERT INTO decisions BY NAME SELECT ? AS run_id, * FROM new_decisions", [summary.id])
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


def latest_row(con: duckdb.DuckDBPyConnection, uscc: str, run_id: str | None = None) -> dict | None:
    """The unit's decision row in the given run, or in the newest run that decided it."""
    if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'decisions'").fetchone():
        return None
    where, args = ("d.uscc = ? AND d.run_id = ?", [uscc, run_id]) if run_id else ("d.uscc = ?", [uscc])
    cur = con.execute(f"SELECT d.*, r.pack, r.as_of, r.snapshot_id FROM decisions d JOIN decision_runs r "
                      f"ON r.id = d.run_id WHERE {where} ORDER BY r.created_at DESC LIMIT 1", args)
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row, strict=True)) if row else None


def parameters(con: duckdb.DuckDBPyConnection, run_id: str) -> list[UsedValue]:
    rows = con.execute("SELECT name, region, value, start, reference FROM run_parameters WHERE run_id = ? "
                       "ORDER BY name, region", [run_id]).fetchall()
    return [UsedValue(*r) for r in rows]
