"""Kept simulations and the stored runs a simulation starts from, read back from the analytical store for a page."""

from __future__ import annotations

import json

import duckdb

from wengang.domain.analytics import RunSummary
from wengang.domain.simulation import Cap, Change, Kept

KEPT = """SELECT id, run_id, pack, as_of, changes, cap, created_at, units, fen_before, fen_after,
                 coalesce(json_extract_string(figures, '$.by'), ''), figures FROM simulations"""
RUNS = """SELECT id, snapshot_id, pack, as_of, engine, units, eligible, review, ineligible, amount_fen, seconds
          FROM decision_runs ORDER BY created_at DESC, id LIMIT ?"""


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the store holds the table yet (a fresh store has neither runs nor simulations)."""
    return con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = ?", [table]).fetchone() is not None


def stored_runs(con: duckdb.DuckDBPyConnection, limit: int) -> list[RunSummary]:
    """The newest stored runs first: what a simulation may start from."""
    return [RunSummary(*row) for row in con.execute(RUNS, [limit]).fetchall()] if _has(con, "decision_runs") else []


def kept_list(con: duckdb.DuckDBPyConnection, limit: int) -> list[Kept]:
    """The newest kept simulations first."""
    if not _has(con, "simulations"):
        return []
    return [_kept(row) for row in con.execute(f"{KEPT} ORDER BY created_at DESC, id LIMIT ?", [limit]).fetchall()]


def kept_one(con: duckdb.DuckDBPyConnection, sim_id: str) -> Kept | None:
    """One kept simulation by its id; None when there is none."""
    if not _has(con, "simulations"):
        return None
    row = con.execute(f"{KEPT} WHERE id = ?", [sim_id]).fetchone()
    return _kept(row) if row else None


def _kept(row: tuple) -> Kept:
    """A row of `simulations` with its changes, cap and figures read back from their JSON."""
    changes = tuple(Change(c["key"], c["value"], c.get("region", "")) for c in json.loads(row[4]))
    cap = Cap(**json.loads(row[5])) if row[5] else None
    return Kept(row[0], row[1], row[2], row[3], changes, cap, row[6], int(row[7]), int(row[8]), int(row[9]), row[10],
                json.loads(row[11]))
