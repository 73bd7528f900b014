"""Time a 500,000-unit Beijing city: generation, then a strict import; peak memory; a line in RESULTS.md.

Targets: generation ≤ 30 s, strict import ≤ 60 s, peak RSS ≤ 4 GB (issue 18: the strict import ≤ 2 GB).

    uv run python bench/bench_generate_import.py [--units 500000] [--seed 1] [--format parquet]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from wengang import bootstrap
from wengang.config import Settings
from wengang.services.snapshots import import_folder
from wengang.snapshot.generator import generate_city

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADING = "## Synthetic city: generate + strict import (bench_generate_import.py, 500,000 units)"
GB = 1 << 30


class PeakRss:
    """Samples this process's resident memory every 20 ms in a thread; `peak` is the highest seen."""

    def __init__(self) -> None:
        self._proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            self._stop.wait(0.02)

    def __enter__(self) -> PeakRss:
        self.peak = self._proc.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def timed(fn: Callable[[], Any]) -> tuple[Any, float, int]:
    """Run fn; its result, wall seconds and peak RSS in bytes."""
    gc.collect()
    with PeakRss() as rss:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return result, seconds, rss.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", dest="fmt", default="parquet", choices=("parquet", "csv"))
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    parser.add_argument("--programme-files", action="store_true",
                        help="also hires, interns and dues (~35 dues rows a unit); off: the six files measured so far")
    args = parser.parse_args()
    machine = (f"{platform.node()}, {os.cpu_count()} CPU, {psutil.virtual_memory().total / GB:.0f} GB RAM, "
               f"Python {platform.python_version()}, load before {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="wengang-bench-") as tmp:
        folder, data = Path(tmp) / "city", Path(tmp) / "var"
        counts, gen_s, gen_peak = timed(lambda: generate_city(folder, units=args.units, seed=args.seed,
                                                              fmt=args.fmt, programme_files=args.programme_files))
        rows = sum(counts.values())
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"generate  {args.units:,} units, {rows:,} rows ({size / 1e6:,.0f} MB {args.fmt}) in {gen_s:.1f} s: "
              f"{args.units / gen_s:,.0f} units/s, {rows / gen_s:,.0f} rows/s, peak {gen_peak / GB:.2f} GB")
        result, imp_s, imp_peak = timed(lambda: import_folder(folder,
                                                              analytics=bootstrap.analytics(Settings(data_dir=data)),
                                                                     settings=Settings(data_dir=data)))
        stored = "stored" if result.snapshot is not None else f"REFUSED ({len(result.check.faults)} faults)"
        print(f"import    strict, {stored} in {imp_s:.1f} s: {args.units / imp_s:,.0f} units/s, "
              f"{rows / imp_s:,.0f} rows/s, peak {imp_peak / GB:.2f} GB")
    verdict = ", ".join(f"{name} {'ok' if ok else 'MISSED'}" for name, ok in (
        ("generate ≤ 30 s", gen_s <= 30), ("import ≤ 60 s", imp_s <= 60),
        ("peak ≤ 4 GB", max(gen_peak, imp_peak) <= 4 * GB), ("import peak ≤ 2 GB", imp_peak <= 2 * GB)))
    print(f"targets: {verdict} (load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    if args.no_record:
        return
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n", encoding="utf-8")
    text = RESULTS.read_text(encoding="utf-8")
    headings = [ln for ln in text.splitlines() if ln.startswith("## ")]
    # other benches share the file: our lines go under our own heading, appended only
    heading = "" if headings and headings[-1] == HEADING else ("\n" if text.endswith("\n") else "\n\n") + HEADING + "\n"
    line = heading + (f"- {dt.datetime.now():%Y-%m-%d %H:%M} generate+import {args.units:,} units ({rows:,} rows, {args.fmt}): "
            f"generate {gen_s:.1f} s ({rows / gen_s:,.0f} rows/s, peak {gen_peak / GB:.2f} GB); strict import "
            f"{stored} {imp_s:.1f} s ({rows / imp_s:,.0f} rows/s, peak {imp_peak / GB:.2f} GB) — {machine}\n")
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(line)
    print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
