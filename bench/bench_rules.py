"""Rules engine on a 500,000-unit city: decisions, decisions with explanations, vs one hand-written query.

Usage: uv run python bench/bench_rules.py [--units 500000] [--spark-units 20000]
Targets (issue #3): decisions ≤ 2 s, with every explanation stored ≤ 5 s, peak memory ≤ 1 GB,
engine ÷ hand SQL ≤ 1.2, agreement on every unit and every fen.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CACHE, city, peak_rss_mb, record  # noqa: E402

AS_OF = dt.date(2021, 6, 30)


def measure(store_dir: str, snapshot_id: str) -> dict:
    """Runs in a fresh process so its peak memory is the evaluation's own."""

    from hand_sql import beijing_2021_sql, float_sql

    from wengang.config import Settings
    from wengang.rules.backends import duckdb_tables
    from wengang.rules.engine import DECISION_COLUMNS, decide
    from wengang.rules.parameters import load_pack
    from wengang.services.evaluation import evaluate
    from wengang.snapshot import store

    settings = Settings(data_dir=Path(store_dir))
    con = store.connect(settings.analytics_path)
    info = store.find(con, snapshot_id=snapshot_id)
    pack = load_pack("beijing-2021")
    timings = {}
    for _ in range(3):
        started = time.perf_counter()
        frame, _ = decide(duckdb_tables(con, info), pack, AS_OF)
        engine_out = frame.select(*DECISION_COLUMNS).to_pyarrow()
        timings.setdefault("decisions", []).append(time.perf_counter() - started)
        started = time.perf_counter()
        hand = con.execute(beijing_2021_sql(info.schema)).to_arrow_table()
        timings.setdefault("hand", []).append(time.perf_counter() - started)
    floats = con.execute(float_sql(info.schema)).to_arrow_table()
    con.register("engine_out", engine_out)
    con.register("hand_out", hand)
    con.register("float_out", floats)
    disagree = con.execute("""SELECT count(*) FILTER (WHERE e.decision <> h.decision),
                                     count(*) FILTER (WHERE e.amount_fen <> h.amount_fen), count(*)
                              FROM engine_out e FULL JOIN hand_out h USING (uscc)""").fetchone()
    float_wrong = con.execute("""SELECT count(*) FILTER (WHERE e.decision <> f.decision),
                                        count(*) FILTER (WHERE e.amount_fen <> f.amount_fen)
                                 FROM engine_out e JOIN float_out f USING (uscc)""").fetchone()
    counts = dict(con.execute("SELECT decision, count(*) FROM engine_out GROUP BY 1").fetchall())
    total = con.execute("SELECT sum(amount_fen) FROM engine_out WHERE decision = 'eligible'").fetchone()[0]
    con.close()
    started = time.perf_counter()
    evaluate(snapshot_id, "beijing-2021", AS_OF, settings=settings, keep=True)
    stored = time.perf_counter() - started
    return {"decisions_s": min(timings["decisions"]), "hand_s": min(timings["hand"]), "stored_s": stored,
            "decision_mismatch": disagree[0], "fen_mismatch": disagree[1], "units": disagree[2],
            "float_wrong_decisions": float_wrong[0], "float_wrong_fen": float_wrong[1], "counts": counts,
            "eligible_fen": int(total or 0), "peak_mb": peak_rss_mb()}


def evaluation_peak(store_dir: str, snapshot_id: str) -> dict:
    """One evaluation with every explanation stored, alone in a fresh process: its time and peak memory."""
    from wengang.config import Settings
    from wengang.services.evaluation import evaluate

    started = time.perf_counter()
    evaluate(snapshot_id, "beijing-2021", AS_OF, settings=Settings(data_dir=Path(store_dir)), keep=True)
    return {"cold_s": time.perf_counter() - started, "peak_mb": peak_rss_mb()}


def spark_time(store_dir: str, snapshot_id: str) -> float:
    from wengang.config import Settings
    from wengang.services.evaluation import evaluate

    settings = Settings(data_dir=Path(store_dir))
    started = time.perf_counter()
    evaluate(snapshot_id, "beijing-2021", AS_OF, settings=settings, engine="spark", keep=False)
    return time.perf_counter() - started


def imported(units: int) -> tuple[str, str]:
    from wengang.config import Settings
    from wengang.services.snapshots import import_folder

    store_dir = CACHE / f"store-{units}"
    result = import_folder(city(units), settings=Settings(data_dir=store_dir))
    if result.snapshot is None:
        raise SystemExit(f"import refused: {result.check.report}")
    return str(store_dir), result.snapshot.id


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--units", type=int, default=500_000)
    args.add_argument("--spark-units", type=int, default=20_000)
    args.add_argument("--measure", nargs=2, metavar=("STORE", "SNAPSHOT"))
    args.add_argument("--peak", nargs=2, metavar=("STORE", "SNAPSHOT"))
    opts = args.parse_args()
    if opts.measure or opts.peak:
        print(json.dumps(measure(*opts.measure) if opts.measure else evaluation_peak(*opts.peak)))
        return
    store_dir, snapshot_id = imported(opts.units)
    out = subprocess.run([sys.executable, __file__, "--measure", store_dir, snapshot_id],
                         check=True, capture_output=True, text=True).stdout
    m = json.loads(out.strip().splitlines()[-1])
    alone = json.loads(subprocess.run([sys.executable, __file__, "--peak", store_dir, snapshot_id], check=True,
                                      capture_output=True, text=True).stdout.strip().splitlines()[-1])
    spark_store, spark_snapshot = imported(opts.spark_units)
    spark_s = spark_time(spark_store, spark_snapshot)
    fen = m["eligible_fen"]
    record(f"rules engine, beijing-2021, {m['units']:,} units (DuckDB, 2 cores)", [
        f"decisions: {m['decisions_s']:.2f} s (target ≤ 2 s); with every explanation stored: "
        f"{m['stored_s']:.2f} s warm (target ≤ 5 s), {alone['cold_s']:.2f} s in a fresh process",
        f"peak memory of that evaluation alone: {alone['peak_mb']:.0f} MB (target ≤ 1 GB; the measuring process, "
        f"which also runs the hand and float queries three times, peaked at {m['peak_mb']:.0f} MB)",
        f"hand-written DuckDB query: {m['hand_s']:.2f} s; engine ÷ hand = {m['decisions_s'] / m['hand_s']:.2f} "
        f"(goal ≤ 1.2)",
        f"agreement with the hand query: {m['decision_mismatch']} decisions and {m['fen_mismatch']} amounts differ "
        f"(must be 0 and 0)",
        f"a float-arithmetic query gets {m['float_wrong_decisions']} decisions and {m['float_wrong_fen']} amounts "
        f"wrong on the same city",
        f"decisions: {m['counts']}; eligible total {fen // 100:,}.{fen % 100:02d} yuan",
        f"Spark local mode, {opts.spark_units:,} units: {spark_s:.1f} s (JVM start included)",
    ])


if __name__ == "__main__":
    main()
