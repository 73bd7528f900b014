"""Issue 19: a policy simulation with its comparison on the stored 500,000-unit city — the director's changes
(layoff limit 6% → 5.5%, SME ratio 60% → 90%) on a beijing-2021 run, with and without a budget cap, and the kept
simulation read back as the result page reads it.

Usage: .venv/bin/python bench/bench_simulation.py [--units 500000] [--no-record]
Target (issue 19): a simulation with its comparison ≤ 5 s. The city: the beijing profile, base year 2020, the six
files, generated and imported once under var/bench, evaluated once (the stored run the simulations start from).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CACHE, peak_rss_mb, record  # noqa: E402

from wengang import bootstrap  # noqa: E402
from wengang.config import Settings  # noqa: E402
from wengang.services.evaluation import evaluate  # noqa: E402
from wengang.services.simulation import parse_cap, parse_changes, simulate  # noqa: E402
from wengang.services.snapshots import import_folder  # noqa: E402

LIMIT = 5.0
PACK, AS_OF = "beijing-2021", dt.date(2021, 6, 30)
CHANGES = ["layoff_limit=5.5%", "ratio_sme=90%"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=500_000)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    from wengang.snapshot.generator import generate_city

    root = CACHE / f"simulation-{args.units}"
    settings = Settings(data_dir=root / "var")
    analytics = bootstrap.analytics(settings)
    folder = root / "city"
    started = time.perf_counter()
    if not (folder / "employers.parquet").exists():
        generate_city(folder, units=args.units, seed=2021, profile="beijing", base_year=2020, programme_files=False)
    snapshot = import_folder(folder, analytics=analytics, settings=settings).snapshot.id
    run = evaluate(snapshot, PACK, AS_OF, analytics=analytics, settings=settings, keep=True)
    setup = time.perf_counter() - started
    lines = [f"setup (not timed): a generated beijing city of {args.units:,} units (base year 2020), imported and "
             f"evaluated by {PACK} as of {AS_OF} ({setup:.1f} s); 1-min load {os.getloadavg()[0]:.1f} before"]
    changes = parse_changes(CHANGES)
    simulate(run.summary.id, changes, analytics=analytics, keep=False)                          # warm
    for label, cap in (("no cap", None), ("cap 1,000,000,000 yuan, proportional", parse_cap("1000000000", None)),
                       ("cap 3,000 yuan a unit, ceiling", parse_cap("3000", "ceiling"))):
        t0, c0 = time.perf_counter(), time.process_time()
        sim = simulate(run.summary.id, changes, cap, analytics=analytics, keep=True)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        t = sim.totals
        moved = {m.kind: m.units for m in sim.movements}
        lines.append(f"{' + '.join(CHANGES)}, {label}: **{seconds:.2f} s** (CPU {cpu:.2f} s) decided again, compared "
                     f"unit by unit and kept (target ≤ {LIMIT:.0f} s, {'met' if seconds <= LIMIT else 'MISSED'}); "
                     f"eligible {t.units_before:,} → {t.units_after:,}, {t.fen_before / 100:,.2f} → "
                     f"{t.fen_after / 100:,.2f} yuan; newly in {moved['newly_in']:,}, dropped {moved['dropped']:,}, "
                     f"gaining {moved['gaining']:,}, losing {moved['losing']:,}")
        print(lines[-1], flush=True)
        if sim.id:
            t1 = time.perf_counter()
            analytics.kept_simulation(sim.id)
            lines[-1] += f"; the kept simulation read back in {time.perf_counter() - t1:.3f} s"
    lines.append(f"peak RSS {peak_rss_mb():,.0f} MB; 1-min load {os.getloadavg()[0]:.1f} after")
    if args.no_record:
        print("\n".join(lines))
    else:
        record(f"Issue 19: policy simulation at {args.units:,} units (bench/bench_simulation.py)", lines)


if __name__ == "__main__":
    main()
