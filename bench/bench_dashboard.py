"""The dashboard at city scale (issue 19.2): every view — one cycle or a year, broken down by district, size,
industry, unit type or programme — uncached, on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/bench_dashboard.py [--units 500000] [--db sqlite postgresql] [--repeat 3] [--no-record]
Target (issue 19): any dashboard view ≤ 1 s uncached at 500,000 cases on both databases.

Setup (not timed, cached as var/bench/dashboard-N.sqlite and database wengang_bench_dashboard_N): a cycle of N cases
near its end (55 % paid, 5 % closed, 2 % failed, 1 % re-issued, the rest listed, re-verified, in review, rejected or
identified) and a second programme's cycle of N/10 opened the same year, written through the Cases port in 50,000s;
credit codes in 30 districts (Beijing's and Shenzhen's, and two codes no data set names), size classes, 16 industries,
9 unit types, insured headcounts (one in twenty unknown); one paid payment per paid case settled 5 to 60 days after
opening, one rejected per failed or re-issued case with a bank's reason; and the audit log a city's cycle leaves,
through the real chain: one `case_opened` entry per case and, for the reach figures, sign-ins by 90 % of the main
cycle's units (half of them twice), progress looked up for 20 % and a call back asked for by 1 % (≈ 1.8 million
entries at 500,000).

What is timed: `services.figures.board` — the three grouped statements and the roll-up — for each view, each run on
a fresh unit of work (no cache in the app, nor here); and the whole staff page (render included) through the app in
this process for the cycle view by district, and its reach fragment (issue 16.6, counted from the messages and the
audit log, loaded after the page, kept for 30 s and cleared before each request). Best and worst of --repeat runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CACHE, record, stored_database  # noqa: E402

from wengang import bootstrap  # noqa: E402
from wengang.config import Settings  # noqa: E402
from wengang.domain.audit import Draft  # noqa: E402
from wengang.domain.figures import BREAKDOWNS  # noqa: E402
from wengang.domain.identifiers import uscc_check_char  # noqa: E402
from wengang.domain.ports import NewCase  # noqa: E402
from wengang.rules.criteria import INDUSTRY_WORDS, UNIT_TYPE_WORDS  # noqa: E402
from wengang.services import figures, people  # noqa: E402

AT = dt.datetime(2021, 10, 8, 1, 0)
DISTRICTS = ([f"1101{n:02d}" for n in (1, 2, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19)]
             + [f"4403{n:02d}" for n in (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)] + ["999901", "999902"])
STATES = (["paid"] * 55 + ["closed"] * 5 + ["failed"] * 2 + ["reissued"] * 1 + ["publicity"] * 8
          + ["re-verified"] * 5 + ["review"] * 4 + ["rejected"] * 17 + ["identified"] * 3)
SIZES = ["micro"] * 60 + ["small"] * 25 + ["medium"] * 8 + ["large"] * 2 + [None] * 5
INDUSTRIES, TYPES = list(INDUSTRY_WORDS), list(UNIT_TYPE_WORDS)
REASONS = ["AC04", "AC01", "AM05", "MS03", None]
PASSWORD = "Bench-pass-2021"
CHUNK = 50_000


def uscc(n: int, district: str) -> str:
    body = f"91{district}{n:09d}"
    return body + uscc_check_char(body)


def build(store, units: int) -> None:
    """The two cycles, their cases and payments (see the module's docstring)."""
    rng = random.Random(19)
    with store.transaction() as uow:
        main = uow.cycles.add(program="ui-return", pack="beijing-2021", as_of=AT.date(), snapshot_id="bench",
                              run_id="bench", rounds_required=1, opened_by="bench", opened_at=AT).id
        other = uow.cycles.add(program="sme-training", pack="cn-2021", as_of=AT.date(), snapshot_id="bench",
                               run_id="bench", rounds_required=1, opened_by="bench",
                               opened_at=AT + dt.timedelta(days=20)).id
        batch = uow.payment_batches.add(cycle_id=main, number="B-1", bank_code="102", file_format="pain.001.001.09",
                                        entries=1, total=Decimal("1.00"), status="sent", approvals_needed=1,
                                        prepared_by="bench", prepared_at=AT, approved_by="bench2", approved_at=AT,
                                        sent_at=AT, execution_date=None).id
        uow.commit()
    for cycle_id, count, first in ((main, units, 0), (other, units // 10, units)):
        opened = AT if cycle_id == main else AT + dt.timedelta(days=20)
        for start in range(first, first + count, CHUNK):
            rows = []
            for n in range(start, min(first + count, start + CHUNK)):
                state = rng.choice(STATES)
                rows.append(NewCase("ui-return" if cycle_id == main else "sme-training", cycle_id,
                                    uscc(n, rng.choice(DISTRICTS)), f"单位{n}", "eligible",
                                    Decimal(rng.randrange(100, 500_000)), 6000, "", "bench", False, True, False,
                                    False, False, state, "", None, 1, rng.choice(SIZES),
                                    None if rng.random() < 0.05 else rng.randrange(1, 400), rng.choice(INDUSTRIES),
                                    rng.choice(TYPES)))
            with store.transaction() as uow:
                ids = uow.cases.insert_many(rows)
                uow.audit.append(served(rng, rows, ids, cycle_id == main))
                attempts = []
                for case_id, row in zip(ids, rows, strict=True):
                    paid = row.state in ("paid", "closed")
                    if paid or row.state in ("failed", "reissued"):
                        settled = opened + dt.timedelta(days=rng.randrange(5, 61), hours=rng.randrange(0, 24))
                        attempts.append((case_id, 1, batch, f"E{case_id}", row.uscc, row.name, row.amount, "102",
                                         "6222020200001234", row.name, "paid" if paid else "rejected",
                                         None if paid else rng.choice(REASONS), opened, settled))
                uow.payments.add_attempts(attempts)
                uow.commit()


def served(rng: random.Random, rows: list[NewCase], ids: list[int], main: bool) -> list[Draft]:
    """The audit entries of these cases: opened, and (in the main cycle) how their units were served."""
    out = []
    for case_id, row in zip(ids, rows, strict=True):
        out.append(Draft("bench", "case_opened", f"case:{case_id}", case_id, None, row.state, "开启周期",
                         {"uscc": row.uscc}))
        if not main:
            continue
        if rng.random() < 0.9:
            out += [Draft(row.uscc, "signed_in", "session", reason="登录")] * rng.choice((1, 2))
        if rng.random() < 0.2:
            out.append(Draft("public", "progress_looked_up", f"unit:{row.uscc}", reason="查询进度"))
        if rng.random() < 0.01:
            out.append(Draft(row.uscc, "callback_requested", "callback:0", reason="呼我必回", data={"uscc": row.uscc}))
    return out


def where(db: str, units: int) -> tuple[str, Settings, bool]:
    """The stored database's URL, its settings, and whether it is still to be built."""
    return stored_database("dashboard", db, units)


def timed(call, repeat: int) -> tuple[float, float, float]:
    """Best and worst wall seconds of `repeat` calls, and the least CPU seconds this process spent on one (on SQLite
    all the work: what a view costs on a quiet machine; on PostgreSQL only the client's share)."""
    took, cpu = [], []
    for _ in range(repeat):
        began, used = time.perf_counter(), time.process_time()
        call()
        took.append(time.perf_counter() - began)
        cpu.append(time.process_time() - used)
    return min(took), max(took), min(cpu)


def page_times(settings: Settings, cycle_id: int, repeat: int) -> tuple[tuple[float, float, float], ...]:
    """The whole staff page (cycle, by district) and its reach fragment through the app in this process, the reach
    cache cleared each time."""
    from fastapi.testclient import TestClient

    from wengang.web.app import create_app

    app = create_app(settings)
    with TestClient(app) as client:
        store = app.state.store
        token = people.sign_in("bench-clerk", PASSWORD, store=store, employer=False, client="bench")[0]
        client.cookies.set("wg_session", token)

        def one():
            reply = client.get(f"/staff/dashboard?cycle={cycle_id}&by=district")
            assert reply.status_code == 200 and "fig-paid" in reply.text, reply.status_code

        def reach():
            app.state.dashboards.clear()
            reply = client.get(f"/staff/dashboard/reach?cycle={cycle_id}")
            assert reply.status_code == 200 and 'id="reach"' in reply.text, reply.status_code
        return timed(one, repeat), timed(reach, repeat)


def run(db: str, units: int, repeat: int) -> list[str]:
    url, settings, fresh = where(db, units)
    store = bootstrap.open_store(settings)
    lines = []
    try:
        if fresh:
            began = time.perf_counter()
            build(store, units)
            people.create_staff("bench-clerk", "clerk", store=store, by="bench", password=PASSWORD)
            if db == "postgresql":            # as autovacuum would: statistics, and the visibility map
                vacuum = create_engine(url, isolation_level="AUTOCOMMIT")
                with vacuum.connect() as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
                vacuum.dispose()
            lines.append(f"{db}: built {units:,} + {units // 10:,} cases and their payments in "
                         f"{time.perf_counter() - began:.0f} s (not timed below)")
        with store.reading() as uow:
            main = min(c.id for c in uow.cycles.all())
        worst = most_cpu = 0.0
        parts = []
        for scope, label in (({"cycle_id": main}, "cycle"), ({"year": 2021}, "year")):
            for by in BREAKDOWNS:
                best, slow, cpu = timed(lambda s=scope, b=by: figures.board(store=store, by=b, **s), repeat)
                worst, most_cpu = max(worst, slow), max(most_cpu, cpu)
                parts.append(f"{label}×{by} {best:.2f}–{slow:.2f} (CPU {cpu:.2f})")
        b = figures.board(store=store, cycle_id=main)
        lines.append(f"{db}: **slowest view {worst:.2f} s** wall (target ≤ 1 s, {'met' if worst <= 1 else 'MISSED'}), "
                     f"most CPU of this process for a view {most_cpu:.2f} s; best–worst wall of {repeat} per view, s: "
                     + "; ".join(parts))
        with store.reading() as uow:
            entries = uow.audit.count()
        lines.append(f"{db}: the cycle's figures: {b.total.cases:,} cases, {b.total.paid:,} paid "
                     f"({b.total.paid_amount:,} yuan), {b.total.insured:,} employees covered, SME coverage "
                     f"{b.total.sme_coverage}%, days to money median {b.days.median} / P90 {b.days.p90}, "
                     f"{sum(f.payments for f in b.failures):,} failed payments; {entries:,} audit entries")
    finally:
        store.close()
    (best, slow, cpu), (r_best, r_slow, r_cpu) = page_times(settings, main, repeat)
    lines.append(f"{db}: whole page (cycle by district, rendered) {best:.2f}–{slow:.2f} s wall, CPU {cpu:.2f} s; its "
                 f"reach fragment (loaded after it, counted again) {r_best:.2f}–{r_slow:.2f} s wall, CPU {r_cpu:.2f} s")
    bootstrap.close_stores()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    lines = [f"1-min load {os.getloadavg()[0]:.1f} before"]
    for db in args.db:
        lines += run(db, args.units, args.repeat)
    lines.append(f"1-min load {os.getloadavg()[0]:.1f} after (shared machine, 2 cores)")
    title = f"Issue 19.2: the dashboard at {args.units:,} cases (bench/bench_dashboard.py)"
    if args.no_record:
        print("\n".join(lines))
    else:
        record(title, lines)


if __name__ == "__main__":
    main()
