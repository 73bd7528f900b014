"""The analytical store port on the DuckDB file: the only place a page's read of snapshots and runs meets the driver."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from wengang.domain.analytics import Decided, SizeCount
from wengang.domain.errors import AnalyticsUnreadable
from wengang.rules import runs
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
