"""The analytical store port on the DuckDB file: the only place a page's read of snapshots and runs meets the driver."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from wengang.domain.analytics import Decided, SizeCount, Supplied
from wengang.domain.errors import AnalyticsUnreadable
from wengang.rules import backends, runs
from wengang.rules.engine import decide_unit
from wengang.rules.parameters import load_pack
from wengang.snapshot import store

SIZE_COUNTS = """
    SELECT coalesce(d.size_class, 'unknown') AS size, count(*) AS units,
           count(*) FILTER (d.decision = 'eligible') AS eligible,
           coalesce(sum(d.amount_fen) FILTER (d.decision = 'eligible'), 0) AS fen,
           count(r.uscc) AS reached, count(p.uscc) AS paid
    FROM decisions d LEFT JOIN reached r USING (uscc) LEFT JOIN paid p USING (uscc)
    WHERE d.run_id = ? GROUP BY 1"""


class DuckAnalytics:
    """Reads of the DuckDB file at `path`, each on its own read-only connection (an evaluation may be writing)."""

    def __init__(self, path: Path):
        self.path = path

    def decided(self, uscc: str, run_id: str | None = None) -> Decided | None:
        if not self.path.exists():
            return None
        try:
            con = store.connect(self.path, read_only=True)
            try:
                row = runs.latest_row(con, uscc, run_id)
                return Decided(row, runs.parameters(con, row["run_id"])) if row is not None else None
            finally:
                con.close()
        except duckdb.Error as err:
            raise AnalyticsUnreadable(str(err)) from err

    def redecide(self, uscc: str, run_id: str, supplied: Supplied) -> Decided | None:
        if not self.path.exists():
            return None
        try:
            con = store.connect(self.path, read_only=True)
            try:
                return _redecided(con, uscc, run_id, supplied)
            finally:
                con.close()
        except duckdb.Error as err:
            raise AnalyticsUnreadable(str(err)) from err

    def size_counts(self, run_id: str, reached: Sequence[str], paid: Sequence[str]) -> list[SizeCount] | None:
        if not self.path.exists():
            return None
        try:
            con = store.connect(self.path, read_only=True, wait=0)
        except duckdb.Error as err:
            raise AnalyticsUnreadable(str(err)) from err
        try:
            if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'decisions'").fetchone():
                return None
            con.register("reached", pa.table({"uscc": pa.array(reached, pa.string())}))
            con.register("paid", pa.table({"uscc": pa.array(paid, pa.string())}))
            return [SizeCount(size, units, eligible, int(fen), r, p)
                    for size, units, eligible, fen, r, p in con.execute(SIZE_COUNTS, [run_id]).fetchall()]
        finally:
            con.close()


def _redecided(con: duckdb.DuckDBPyConnection, uscc: str, run_id: str, supplied: Supplied) -> Decided | None:
    """The unit decided again on the run's snapshot, pack and date by the rules' single-unit entry, with the supplied
    facts: a row shaped as a stored one (employer's columns from the snapshot, the supplied ones in their place)."""
    stored = runs.latest_row(con, uscc, run_id)
    if stored is None:
        return None
    info = store.find(con, snapshot_id=stored["snapshot_id"])
    if info is None:
        return None
    frame, resolved = decide_unit(backends.duckdb_tables(con, info), load_pack(stored["pack"]), stored["as_of"],
                                  uscc, supplied=supplied)
    rows = backends.execute(frame).to_pylist()
    if not rows:
        return None
    row = {**stored, **rows[0], **{k: v for k, v in supplied.items() if k in runs.FROM_SNAPSHOT}}
    return Decided(row, list(dict.fromkeys(resolved.used)))
