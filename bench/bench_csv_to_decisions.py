"""Issue 18: a 500,000-unit CSV city from its files to decisions, wengang beside a hand-written DuckDB query that
reads the same CSV files and decides the same rules, in one run; the strict import's peak memory; evaluating an
imported folder again beside evaluating it by id; and, in the same run, the floor: what any import that keeps the
snapshot costs with no check at all (hash the files, DuckDB's own parallel reader typed into a DuckDB file).

Usage: .venv/bin/python bench/bench_csv_to_decisions.py [--units 500000] [--no-record]
Targets (issue 18): CSV to decisions ≤ 2× the hand query; strict-import peak ≤ 2 GB; re-evaluating an imported folder
≤ 2 s more than evaluating by id. Each wengang step runs in a fresh process (its own peak memory, CPU time counted for
all its threads); the hand query too. The pack is beijing-2021 as of 2021-06-30 (the generated city's base year is
2020), `wengang evaluate DIR` as the command line runs it: the folder imported strictly, every unit decided, the
decisions and explanations stored (the decisions file itself is not written, the hand query writes none either).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import city, peak_rss_mb, record  # noqa: E402

PACK, AS_OF = "beijing-2021", "2021-06-30"
# The four files the return reads, typed as DATA.md has them; the hand query reads them with DuckDB's own parallel
# CSV reader (no check of any value: that is the work the hand query leaves out and wengang does).
HAND_COLUMNS = {
    "employers": {"uscc": "VARCHAR", "name": "VARCHAR", "unit_type": "VARCHAR", "industry": "VARCHAR",
                  "region": "VARCHAR", "registered_on": "DATE", "employees": "INTEGER", "revenue": "DECIMAL(18,2)",
                  "assets": "DECIMAL(18,2)", "size_class": "VARCHAR", "labor_dispatch": "BOOLEAN",
                  "bank_code": "VARCHAR", "account_no": "VARCHAR", "account_name": "VARCHAR"},
    "contributions": {"uscc": "VARCHAR", "month": "VARCHAR", "insured": "INTEGER", "unit_due": "DECIMAL(18,2)",
                      "unit_paid": "DECIMAL(18,2)", "person_due": "DECIMAL(18,2)", "person_paid": "DECIMAL(18,2)",
                      "back_paid": "DECIMAL(18,2)"},
    "separations": {"uscc": "VARCHAR", "person_id": "VARCHAR", "date": "DATE", "reason": "VARCHAR"},
    "flags": {"uscc": "VARCHAR", "source": "VARCHAR", "flag": "VARCHAR", "listed_on": "DATE", "removed_on": "DATE"},
}


def _cpu() -> float:
    """CPU seconds of this process, every thread (DuckDB's and Arrow's) included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def hand(folder: str, out: str) -> dict:
    """The hand-written query: DuckDB reads the CSV files and decides every unit (bench/hand_sql.py's rules)."""
    import duckdb
    from hand_sql import beijing_2021_sql

    started, cpu = time.perf_counter(), _cpu()
    con = duckdb.connect()
    con.execute("CREATE SCHEMA csv")
    for name, columns in HAND_COLUMNS.items():
        types = ", ".join(f"'{c}': '{t}'" for c, t in columns.items())
        path = str(Path(folder, f"{name}.csv")).replace("'", "''")
        con.execute(f"CREATE VIEW csv.{name} AS SELECT * FROM read_csv('{path}', header = true, columns = {{{types}}})")
    decided = con.execute(beijing_2021_sql("csv", AS_OF, yearly=False)).to_arrow_table()
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    con.register("decided", decided)
    con.execute(f"COPY decided TO '{out}' (FORMAT parquet)")
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_rss_mb()}


def floor(folder: str, db: str) -> dict:
    """The least any import that keeps the snapshot must do, with no check at all: hash the files' bytes (wengang's
    own hash) and have DuckDB read every CSV file with its parallel reader, typed as the store holds it, into a
    DuckDB file, checkpointed. No value checked, no key, no orphan, no summary, nothing decided."""
    import duckdb

    from wengang.snapshot.batch_checks import SQL_TYPES, typed_columns
    from wengang.snapshot.reading import content_hash
    from wengang.snapshot.schema import FILES_BY_NAME

    started, cpu = time.perf_counter(), _cpu()
    files = {p.name: p for p in sorted(Path(folder).glob("*.csv"))}
    content_hash(files)
    con = duckdb.connect(db)
    for path in files.values():
        spec = FILES_BY_NAME[path.stem]
        typed = typed_columns(spec)
        types = ", ".join(f"'{c.name}': '{SQL_TYPES[c.kind] if c.name in typed else 'VARCHAR'}'" for c in spec.columns)
        con.execute(f"CREATE TABLE {spec.name} AS SELECT * FROM read_csv('{path}', header = true, "
                    f"columns = {{{types}}}, auto_detect = false)")
    con.execute("CHECKPOINT")
    con.close()
    return {"seconds": time.perf_counter() - started, "cpu": _cpu() - cpu, "peak_mb": peak_rss_mb()}


PHASES = (("hash", "计算内容哈希"), ("read+check", "读取"), ("cross-row checks+summary", "校验"),
          ("store", "写入分析库"), ("decide", "评估"), ("store decisions", "保存决定"))


class _Clock:
    """A progress port that notes when the evaluation starts (the import is done), the peak memory until then, and
    the wall and CPU seconds of each phase (the steps the import and the evaluation say)."""

    def __init__(self) -> None:
        self.import_s: float | None = None
        self.import_peak_mb = 0.0
        self.started = time.perf_counter()
        self.phases: dict[str, list[float]] = {}
        self._phase: tuple[str, float, float] | None = None

    def step(self, label: str) -> None:
        if label.startswith("评估 / evaluating") and self.import_s is None:
            self.import_s = time.perf_counter() - self.started
            self.import_peak_mb = peak_rss_mb()
        phase = next((name for name, start in PHASES if label.startswith(start)), None)
        if phase is not None:
            self.close()
            self._phase = (phase, time.perf_counter(), _cpu())

    def close(self) -> None:
        if self._phase is not None:
            name, wall, cpu = self._phase
            spent = self.phases.setdefault(name, [0.0, 0.0])
            spent[0] += time.perf_counter() - wall
            spent[1] += _cpu() - cpu
            self._phase = None

    def advance(self, done: int, total: int) -> None:
        return None


def wengang(store: str, ref: str, out: str | None) -> dict:
    """`wengang evaluate REF` through the service: a folder (imported when new) or a snapshot id."""
    import datetime as dt

    from wengang import bootstrap
    from wengang.config import Settings
    from wengang.services.evaluation import evaluate

    settings = Settings(data_dir=Path(store))
    clock, cpu = _Clock(), _cpu()
    result = evaluate(ref, PACK, dt.date.fromisoformat(AS_OF), analytics=bootstrap.analytics(settings),
                      settings=settings, progress=clock)
    seconds, cpu = time.perf_counter() - clock.started, _cpu() - cpu
    clock.close()
    if out:
        import pyarrow.parquet as pq
        pq.write_table(result.decided.select(["uscc", "decision", "amount_fen"]), out)
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_rss_mb(), "import_s": clock.import_s,
            "import_peak_mb": clock.import_peak_mb, "snapshot": result.summary.snapshot_id, "phases": clock.phases,
            "eligible": result.summary.eligible, "review": result.summary.review,
            "ineligible": result.summary.ineligible, "amount_fen": result.summary.amount_fen}


def _fresh(*args: str) -> dict:
    """One step in a new Python process: its own peak memory and CPU time."""
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def differ(engine: str, hand_out: str) -> int:
    """Units whose decision or amount in fen differ between wengang and the hand query (either side missing counts)."""
    import duckdb

    return duckdb.connect().execute(f"""
        SELECT count(*) FROM read_parquet('{engine}') e FULL JOIN read_parquet('{hand_out}') h USING (uscc)
        WHERE e.decision IS DISTINCT FROM h.decision OR e.amount_fen IS DISTINCT FROM h.amount_fen""").fetchone()[0]


def _seconds(runs: list[dict]) -> str:
    return ", ".join(f"{r['seconds']:.2f}" for r in runs)


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--units", type=int, default=500_000)
    args.add_argument("--no-record", action="store_true")
    args.add_argument("--hand", nargs=2, metavar=("FOLDER", "OUT"))
    args.add_argument("--wengang", nargs=3, metavar=("STORE", "REF", "OUT"))
    args.add_argument("--floor", nargs=2, metavar=("FOLDER", "DB"))
    opts = args.parse_args()
    if opts.hand or opts.wengang or opts.floor:
        print(json.dumps(hand(*opts.hand) if opts.hand else floor(*opts.floor) if opts.floor
                         else wengang(*opts.wengang[:2], opts.wengang[2] or None)))
        return
    folder = city(opts.units, fmt="csv")
    os.sync()                                   # the generated files written back before anything is timed
    with tempfile.TemporaryDirectory(prefix="wengang-csv-bench-") as tmp:
        hand_out, engine_out, store = f"{tmp}/hand.parquet", f"{tmp}/engine.parquet", f"{tmp}/var"
        loads = [_load()]
        h = _fresh("--hand", str(folder), hand_out)
        loads.append(_load())
        w = _fresh("--wengang", store, str(folder), engine_out)
        loads.append(_load())
        f = _fresh("--floor", str(folder), f"{tmp}/floor.duckdb")
        loads.append(_load())
        units_differ = differ(engine_out, hand_out)
        again, by_id = [], []
        for _ in range(2):                      # alternated, best of two each: the machine is shared
            again.append(_fresh("--wengang", store, str(folder), ""))
            by_id.append(_fresh("--wengang", store, w["snapshot"], ""))
        loads.append(_load())
    again_s, by_id_s = min(r["seconds"] for r in again), min(r["seconds"] for r in by_id)
    ratio = w["seconds"] / h["seconds"]
    lines = [
        f"{opts.units:,}-unit CSV city ({sum(p.stat().st_size for p in folder.iterdir()) / 1e6:,.0f} MB, "
        f"{PACK} as of {AS_OF}); 1-min load before/after each step: {' → '.join(loads)}",
        f"hand-written DuckDB query reading the CSV files: **{h['seconds']:.2f} s** ({h['cpu']:.1f} s CPU, peak "
        f"{h['peak_mb']:.0f} MB)",
        f"wengang CSV to decisions (`evaluate DIR`: strict import, then decisions and explanations stored): "
        f"**{w['seconds']:.2f} s** ({w['cpu']:.1f} s CPU) = **{ratio:.2f}× the hand query** (target ≤ 2×, "
        f"{'met' if ratio <= 2 else 'MISSED'}); of which the import {w['import_s']:.2f} s",
        f"the floor, with no check at all (the files hashed, then every CSV file read by DuckDB's parallel reader, "
        f"typed, into a DuckDB file, checkpointed; nothing decided): **{f['seconds']:.2f} s** ({f['cpu']:.1f} s CPU) = "
        f"**{f['seconds'] / h['seconds']:.2f}× the hand query**; wengang = {w['seconds'] / f['seconds']:.2f}× the floor",
        "its phases, wall / CPU s: " + "; ".join(f"{name} {wall:.1f} / {used:.1f}" for name, (wall, used) in w["phases"].items()),
        f"strict-import peak memory **{w['import_peak_mb'] / 1024:.2f} GB** (target ≤ 2 GB, "
        f"{'met' if w['import_peak_mb'] <= 2048 else 'MISSED'}); the whole process with the evaluation "
        f"{w['peak_mb'] / 1024:.2f} GB",
        f"agreement: **{units_differ} units differ** from the hand query in decision or fen (must be 0); wengang "
        f"{w['eligible']:,} eligible, {w['review']:,} review, {w['ineligible']:,} ineligible, "
        f"{w['amount_fen'] / 100:,.2f} yuan",
        f"evaluating the imported folder again: **{again_s:.2f} s** against {by_id_s:.2f} s by id (best of two each, "
        f"alternated; {_seconds(again)} / {_seconds(by_id)}): "
        f"{again_s - by_id_s:+.2f} s (target ≤ +2 s, {'met' if again_s - by_id_s <= 2 else 'MISSED'})",
    ]
    if opts.no_record:
        print("\n".join(lines))
    else:
        record(f"Issue 18: CSV to decisions beside a hand-written query (bench_csv_to_decisions.py, "
               f"{opts.units:,} units)", lines)


if __name__ == "__main__":
    main()
