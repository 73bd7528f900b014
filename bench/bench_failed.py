"""The failed-payments worklist (/staff/exceptions) on a cycle of 10,000 failed payments (issue 14, item 5): each
page as the service built it before (every failed case read into Python, classified, counted and paged there) and
as the store pages it now (the step a CASE expression, counts a GROUP BY, one page read), on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/bench_failed.py [--failed 10000] [--db sqlite postgresql] [--repeat 15] [--no-record]

Setup (not timed): tests/failedcity.py's cycle (every step of a re-issue, failures over 60 days), written through
the repositories into a fresh SQLite file / a fresh PostgreSQL database. Timed: the service call a page makes
(`failed_payments.worklist`, and the old one kept in tests/failedcity.py as the reference), in this process, after
one call to warm up; the two are checked equal first. Memory: tracemalloc's peak during one call of each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))     # tests/failedcity.py: the builder and the old code

from bench_cycle import postgres_database  # noqa: E402
from common import record  # noqa: E402
from tests.builders import uscc  # noqa: E402
from tests.failedcity import failed_cycle, old_worklist  # noqa: E402

from wengang import bootstrap  # noqa: E402
from wengang.config import Settings  # noqa: E402
from wengang.services import failed_payments  # noqa: E402

PAGES = {"first page, every step": {}, "one step (awaiting an account)": {"step": "awaiting-account"},
         "name search": {"search": "城东科技"}, "credit-code search": {"search": uscc(7, "91110101")[:12]},
         "last page": {"page": "last"}, "a page past the last (a list that shrank)": {"page": 10_000}}


def timed(call, repeat: int) -> tuple[float, float]:
    call()
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent), max(spent)


def peak_mb(call) -> float:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(db: str, failed: int, repeat: int, folder: Path) -> list[str]:
    url, drop = (f"sqlite:///{folder / 'failed.sqlite'}", lambda: None) if db == "sqlite" else postgres_database()
    store = bootstrap.open_store(Settings(database_url=url, data_dir=folder / "var"))
    lines = []
    try:
        started = time.perf_counter()
        cycle_id = failed_cycle(store, failed, dt.datetime.now(dt.UTC).replace(tzinfo=None))
        lines.append(f"{db}: build of {failed:,} failed payments {time.perf_counter() - started:.1f} s")
        for title, kw in PAGES.items():
            if kw.get("page") == "last":
                kw = {"page": failed_payments.worklist(cycle_id, store=store, recovery_days=30).pages}
            new = failed_payments.worklist(cycle_id, store=store, recovery_days=30, **kw)
            old = old_worklist(cycle_id, store=store, recovery_days=30, today=new.today, **kw)
            assert new == old, title
            before = timed(lambda kw=kw: old_worklist(cycle_id, store=store, recovery_days=30, **kw), repeat)
            after = timed(lambda kw=kw: failed_payments.worklist(cycle_id, store=store, recovery_days=30, **kw),
                          repeat)
            memory = ""
            if not kw:
                memory = (f"; Python memory peak {peak_mb(lambda: old_worklist(cycle_id, store=store, recovery_days=30)):.1f}"
                          f" MB → {peak_mb(lambda: failed_payments.worklist(cycle_id, store=store, recovery_days=30)):.2f} MB")
            lines.append(f"{db}: {title} ({new.count:,} match, page {new.page} of {new.pages}): before p50 "
                         f"{before[0]:.1f} ms (max {before[1]:.1f}), **after p50 {after[0]:.1f} ms** "
                         f"(max {after[1]:.1f}){memory}")
            print(lines[-1], flush=True)
    finally:
        store.close()
        drop()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failed", type=int, default=10_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for db in args.db:
            lines += run(db, args.failed, args.repeat, Path(tmp) / db)
    lines.append(f"{args.repeat} timed calls per page after one to warm up, in-process (no HTTP, no template); "
                 "both versions return equal worklists (checked before timing)")
    if args.no_record:
        print("\n".join(lines))
    else:
        record(f"Failed-payments worklist (bench_failed.py, {args.failed:,} failed payments)", lines)


if __name__ == "__main__":
    main()
