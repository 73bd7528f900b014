"""A simulation compared with its stored run, unit by unit, in SQL on the analytical store: the budget before, with
the changes and after a cap, by district, size, industry and unit type; who moved; the amount bands; SME coverage.
Only these aggregates are ever stored (`simulations`), never a unit's row, and never as a run."""

from __future__ import annotations

import datetime as dt
import json
import secrets

import duckdb
import pyarrow as pa

from wengang.domain.simulation import BANDS, Band, Cap, Change, Coverage, Group, Movement, Simulated

SIMULATIONS_DDL = """CREATE TABLE IF NOT EXISTS simulations (
    id VARCHAR PRIMARY KEY, run_id VARCHAR NOT NULL, pack VARCHAR NOT NULL, as_of DATE NOT NULL,
    changes VARCHAR NOT NULL, cap VARCHAR, created_at TIMESTAMP NOT NULL, units BIGINT NOT NULL,
    fen_before BIGINT NOT NULL, fen_after BIGINT NOT NULL, figures VARCHAR NOT NULL)"""

# One row per unit of the snapshot: before (the stored run), with the changes, and after the cap (filled in later).
UNITS = """CREATE OR REPLACE TEMP TABLE sim AS
SELECT n.uscc, e.name, coalesce(e.region, '') AS district, coalesce(e.industry, 'unknown') AS industry,
       coalesce(e.unit_type, 'unknown') AS unit_type, coalesce(o.size_class, 'unknown') AS size_before,
       coalesce(n.size_class, 'unknown') AS size_after, coalesce(o.decision, 'none') AS decision_before,
       n.decision AS decision_after, coalesce(o.decision = 'eligible', false) AS in_before,
       n.decision = 'eligible' AS in_after,
       CASE WHEN o.decision = 'eligible' THEN o.amount_fen ELSE 0 END::BIGINT AS fen_before,
       CASE WHEN n.decision = 'eligible' THEN n.amount_fen ELSE 0 END::BIGINT AS fen_changed,
       CASE WHEN n.decision = 'eligible' THEN n.amount_fen ELSE 0 END::BIGINT AS fen_after,
       o.layoff_rate_micro AS layoff_before, n.layoff_rate_micro AS layoff_after, n.reasons AS reasons_after
FROM sim_new n LEFT JOIN (SELECT * FROM decisions WHERE run_id = ?) o USING (uscc)
LEFT JOIN {schema}.employers e USING (uscc)"""

# Proportional cap: each amount × cap ÷ total, rounded down to the fen; the fen left over (fewer than the units)
# go one each to the largest remainders, ties to the smaller credit code. The total is then exactly the cap. Only
# those few are sorted (a top-N), not every unit: a window over 330,000 remainders cost a second and a half.
SHARE = "(fen_changed::HUGEINT * $cap) // $total"
LEFT_OVER = f"SELECT $cap - coalesce(sum({SHARE}), 0) FROM sim"
PROPORTIONAL = f"""SELECT * EXCLUDE (extra) REPLACE (({SHARE} + coalesce(extra, 0))::BIGINT AS fen_after)
FROM sim LEFT JOIN (SELECT uscc, 1 AS extra FROM sim WHERE fen_changed > 0
                    ORDER BY (fen_changed::HUGEINT * $cap) % $total DESC, uscc LIMIT $left) USING (uscc)"""
CEILING = "SELECT * REPLACE (least(fen_changed, ?)::BIGINT AS fen_after) FROM sim"

KIND = """CASE WHEN in_after AND NOT in_before THEN 'newly_in' WHEN in_before AND NOT in_after THEN 'dropped'
               WHEN in_before AND fen_after > fen_before THEN 'gaining'
               WHEN in_before AND fen_after < fen_before THEN 'losing' END"""
MOVEMENTS = ("newly_in", "dropped", "gaining", "losing")

GROUP = """WITH b AS (SELECT {before} AS key, count(*) FILTER (in_before) AS ub, sum(fen_before) AS fb
                   FROM sim GROUP BY 1),
         a AS (SELECT {after} AS key, count(*) FILTER (in_after) AS ua, sum(fen_changed) AS fc, sum(fen_after) AS fa
               FROM sim GROUP BY 1)
    SELECT coalesce(b.key, a.key) AS key, coalesce(ub, 0), coalesce(ua, 0), coalesce(fb, 0), coalesce(fc, 0),
           coalesce(fa, 0)
    FROM b FULL JOIN a ON a.key = b.key ORDER BY 1"""
COLUMNS = {"district": ("district", "district"), "size": ("size_before", "size_after"),
           "industry": ("industry", "industry"), "unit_type": ("unit_type", "unit_type")}
SME = "IN ('medium', 'small', 'micro')"

MOVED = f"""SELECT uscc, name, district, size_after AS size_class, industry, unit_type, {KIND} AS movement,
       decision_before, decision_after, fen_before, fen_changed, fen_after, fen_after - fen_before AS difference,
       layoff_before, layoff_after, reasons_after
FROM sim WHERE {KIND} IS NOT NULL ORDER BY movement, abs(fen_after - fen_before) DESC, uscc"""


def compare(con: duckdb.DuckDBPyConnection, *, run: tuple[str, str, str, dt.date], schema: str,
            decided: pa.Table, changes: tuple[Change, ...], cap: Cap | None) -> Simulated:
    """The figures of `decided` (the changed pack's decisions, not stored) against the stored run's decisions."""
    run_id, snapshot_id, pack, as_of = run
    con.register("sim_new", decided.select(["uscc", "decision", "amount_fen", "size_class", "layoff_rate_micro",
                                            "reasons"]))
    try:
        con.execute(UNITS.format(schema=schema), [run_id])
        _apply_cap(con, cap)
        groups = {name: [Group(*_ints(r)) for r in _rows(con, GROUP.format(before=b, after=a))]
                  for name, (b, a) in COLUMNS.items()}
        total = _rows(con, GROUP.format(before="'total'", after="'total'"))
        units = _rows(con, "SELECT count(*) FROM sim")[0][0]
        moved = con.execute(MOVED).fetch_arrow_table()
        return Simulated(run_id, snapshot_id, pack, as_of, changes, cap, int(units),
                         Group(*_ints(total[0])) if total else Group("total", 0, 0, 0, 0, 0), groups,
                         _movements(con), _bands(con), *_coverage(con), moved=moved)
    finally:
        con.execute("DROP TABLE IF EXISTS sim")
        con.execute("DROP TABLE IF EXISTS sim_capped")
        con.unregister("sim_new")


def _apply_cap(con: duckdb.DuckDBPyConnection, cap: Cap | None) -> None:
    """`fen_after`: the changed amounts, cut at the ceiling or scaled down to the cap (no change when they fit)."""
    if cap is None:
        return
    if cap.mode == "ceiling":
        _rewrite(con, CEILING, [cap.fen])
        return
    total = int(_rows(con, "SELECT coalesce(sum(fen_changed), 0) FROM sim")[0][0])
    if total > cap.fen:
        values = {"cap": cap.fen, "total": total}
        left = int(con.execute(LEFT_OVER, values).fetchall()[0][0])
        _rewrite(con, PROPORTIONAL, {**values, "left": left})


def _rewrite(con: duckdb.DuckDBPyConnection, select: str, args: list[int] | dict[str, int]) -> None:
    """`sim` made again from a SELECT of it (same columns, same order): at 500,000 units a DuckDB UPDATE joined
    to a window took a second, a new table a fifth of that."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE sim_capped AS {select}", args)
    con.execute("DROP TABLE sim")
    con.execute("ALTER TABLE sim_capped RENAME TO sim")


def _movements(con: duckdb.DuckDBPyConnection) -> list[Movement]:
    """Units newly in, dropped, gaining and losing (after the cap), each kind listed even when empty."""
    found = {k: (u, fb, fa) for k, u, fb, fa in _rows(
        con, f"SELECT {KIND}, count(*), sum(fen_before), sum(fen_after) FROM sim GROUP BY 1")}
    return [Movement(k, *(int(x) for x in found.get(k, (0, 0, 0)))) for k in MOVEMENTS]


def _bands(con: duckdb.DuckDBPyConnection) -> list[Band]:
    """Eligible units by amount band, before and after (the last band open above), in one scan."""
    within = [f"BETWEEN {low} AND {high - 1}" if high is not None else f">= {low}" for low, high in BANDS]
    counts = _rows(con, "SELECT " + ", ".join(f"count(*) FILTER (in_before AND fen_before {w}), "
                                              f"count(*) FILTER (in_after AND fen_after {w})" for w in within)
                   + " FROM sim")[0]
    return [Band(low, high, int(counts[2 * i]), int(counts[2 * i + 1])) for i, (low, high) in enumerate(BANDS)]


def _coverage(con: duckdb.DuckDBPyConnection) -> tuple[Coverage, Coverage]:
    """Eligible units, eligible SMEs and all SMEs (by the size class of each side), before and after."""
    row = _rows(con, f"""SELECT count(*) FILTER (in_before), count(*) FILTER (in_before AND size_before {SME}),
                                count(*) FILTER (size_before {SME}), count(*) FILTER (in_after),
                                count(*) FILTER (in_after AND size_after {SME}), count(*) FILTER (size_after {SME})
                         FROM sim""")[0]
    return Coverage(*(int(x) for x in row[:3])), Coverage(*(int(x) for x in row[3:]))


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """Every row of a query (one place that reads results)."""
    return con.execute(sql).fetchall()


def _ints(row: tuple) -> tuple:
    """A group's row with its counts and sums as Python ints (DuckDB sums come back as HUGEINT/Decimal)."""
    return (str(row[0]), *(int(x) for x in row[1:]))


def store_simulation(con: duckdb.DuckDBPyConnection, simulated: Simulated, at: dt.datetime) -> str:
    """Keep a simulation's aggregates (never its units) in `simulations`, apart from the runs; its new id."""
    con.execute(SIMULATIONS_DDL)
    sim_id = f"s{at:%Y%m%d%H%M%S}{secrets.token_hex(2)}"
    changes = json.dumps([{"key": c.key, "value": c.value, "region": c.region} for c in simulated.changes],
                         ensure_ascii=False)
    cap = json.dumps({"mode": simulated.cap.mode, "fen": simulated.cap.fen}) if simulated.cap else None
    con.execute("INSERT INTO simulations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [sim_id, simulated.run_id, simulated.pack, simulated.as_of, changes, cap, at.replace(tzinfo=None),
                 simulated.units, simulated.totals.fen_before, simulated.totals.fen_after,
                 json.dumps(simulated.figures(), ensure_ascii=False)])
    return sim_id
