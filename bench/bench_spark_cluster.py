"""The generated city decided by DuckDB and by a standalone Spark cluster started here, in one run.

Usage: uv run python bench/bench_spark_cluster.py [--units 500000] [--worker-memory 2g]
Figures (issue 18): the cluster's fixed start-up (JVMs, workers registered, the session and its executors), Spark
checking and deciding the Parquet folder where it lies, DuckDB importing and deciding the same folder, wall and CPU
time (CPU of every process: this one, its driver JVM, the master, the workers and their executors), and the
decisions compared unit by unit (0 differ).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

from common import city, record  # noqa: E402

AS_OF, PACK = dt.date(2021, 6, 30), "beijing-2021"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(groups: set[int]) -> float:
    """User and system CPU of every live process in these process groups (the cluster's JVMs and executors, this
    process and its driver JVM)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in groups:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def load() -> str:
    return "load " + " / ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--units", type=int, default=500_000)
    args.add_argument("--worker-memory", default="2g")
    args.add_argument("--no-record", action="store_true")
    opts = args.parse_args()

    from tests import spark_cluster

    from wengang import bootstrap
    from wengang.config import Settings
    from wengang.services.evaluation import evaluate
    from wengang.services.snapshots import import_folder

    folder = city(opts.units)
    work = Path(tempfile.mkdtemp(prefix="wengang-bench-spark-"))
    spark_cluster.MEMORY = opts.worker_memory
    lines = [f"{opts.units:,}-unit generated city (Parquet, {folder}), {PACK} as of {AS_OF}; "
             f"cluster: 1 master + 2 workers × 1 core × {opts.worker_memory}, on this machine ({os.cpu_count()} cores)"]

    settings = Settings(data_dir=work / "duck")
    analytics = bootstrap.analytics(settings)
    started, cpu = time.perf_counter(), time.process_time()
    info = import_folder(folder, analytics=analytics, settings=settings).snapshot
    imported = time.perf_counter() - started, time.process_time() - cpu, load()
    started, cpu = time.perf_counter(), time.process_time()
    duck = evaluate(info.id, PACK, AS_OF, analytics=analytics, settings=settings, keep=False)
    duck_s = time.perf_counter() - started, time.process_time() - cpu, load()
    lines.append(f"DuckDB: import (check + store) {imported[0]:.1f} s wall / {imported[1]:.1f} s CPU ({imported[2]}); "
                 f"decide {duck_s[0]:.1f} s wall / {duck_s[1]:.1f} s CPU ({duck_s[2]})")

    started = time.perf_counter()
    cluster = spark_cluster.start(work / "cluster")
    try:
        groups = {p.pid for p in cluster.processes} | {os.getpgrp()}
        up = time.perf_counter() - started
        os.environ["WENGANG_SPARK_MASTER"] = cluster.master
        os.environ["PYSPARK_SUBMIT_ARGS"] = (f"--conf spark.executor.memory={opts.worker_memory} "
                                             "--conf spark.driver.memory=2g pyspark-shell")
        from wengang.rules import backends

        session = backends.spark_session()
        session.sql("SELECT count(*) FROM range(0, 1000, 1, 4)").collect()     # both executors up and working
        ready = time.perf_counter() - started
        lines.append(f"cluster fixed start-up: {up:.1f} s to two registered workers, {ready:.1f} s to a session "
                     f"whose executors ran a first job ({load()})")
        spark_settings = Settings(data_dir=work / "spark")
        started, cpu = time.perf_counter(), cpu_seconds(groups)
        spark = evaluate(str(folder), PACK, AS_OF, analytics=bootstrap.analytics(spark_settings),
                         settings=spark_settings, engine="spark", keep=False)
        spark_wall, spark_cpu = time.perf_counter() - started, cpu_seconds(groups) - cpu
        lines.append(f"Spark on the cluster: check + type + decide the folder where it lies {spark_wall:.1f} s wall / "
                     f"{spark_cpu:.1f} s CPU, all processes ({load()}); of it deciding {spark.summary.seconds:.1f} s")
        session.stop()
    finally:
        cluster.stop()

    differ = differing(duck.decided, spark.decided)
    lines.append(f"decisions: {duck.decided.num_rows:,} units on DuckDB, {spark.decided.num_rows:,} on Spark, "
                 f"{differ} differ; eligible {duck.summary.eligible:,}, total {duck.summary.amount_fen / 100:,.2f} yuan")
    if opts.no_record:
        print("\n".join(lines))
    else:
        record("Spark standalone cluster vs DuckDB (issue 18)", lines)


def differing(a, b) -> int:
    """Units whose row differs in any column, or that one side lacks, counted by DuckDB."""
    import duckdb

    con = duckdb.connect()
    con.register("a", a)
    con.register("b", b.select(a.column_names))
    return con.execute("SELECT count(*) FROM ((SELECT * FROM a EXCEPT ALL SELECT * FROM b) UNION ALL "
                       "(SELECT * FROM b EXCEPT ALL SELECT * FROM a))").fetchone()[0]


if __name__ == "__main__":
    main()
