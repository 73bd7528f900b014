"""Staff queues at city scale (issue 14): a filtered queue page and a name search at 20 concurrent staff clients.

Usage: .venv/bin/python bench/bench_queues.py [--units 500000] [--db sqlite postgresql] [--clients 20]
       [--seconds 20] [--no-record]
Target (issue 14), on each database: p95 of a queue page with a filter, and of a name search, ≤ 100 ms at 20
concurrent staff clients.

Setup (not timed, cached): one cycle of N cases written straight through the Cases port (`insert_many`, the same
bulk insert a cycle opening uses, so the search indexes and triggers of migration 0009 are maintained as they would
be), with names of three parts (place × brand × trade, 40 × 400 × 25), credit codes in 20 districts, and the
states a freshly opened cycle has (≈ 90 % identified, 4 % review, 3 % dispatch, 3 % held). SQLite: kept as
var/bench/queues-N.sqlite; PostgreSQL: kept as database wengang_bench_queues_N. It is not the generated city of
bench_cycle.py (importing and evaluating 500,000 units takes most of an hour on this shared machine): the queue
reads only the cases table, which has here the same rows, columns and indexes.

What a client does: `services.queues.page` — one read transaction with the page (LIMIT/OFFSET) and its COUNT, the
way the route calls it (HTML rendering is not timed). Each client loops for --seconds over random queries of one
kind: "filter" = one state (review, dispatch or held) × one of the 20 districts, a random page of the first five;
"search" = a brand (3 characters, ≈ 1/400 of the cycle) or a credit-code prefix of 12 characters.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cycle import PG_ADMIN  # noqa: E402
from common import CACHE, record  # noqa: E402

from wengang import bootstrap  # noqa: E402
from wengang.config import Settings  # noqa: E402
from wengang.domain.ports import NewCase  # noqa: E402
from wengang.domain.queues import case_query  # noqa: E402
from wengang.services import queues  # noqa: E402

PLACES = [a + b for a in "东西南北中新华安康宁" for b in "城湖山河"]                         # 40
BRANDS = [a + b + c for a in "金银瑞祥鑫泰宏盛德隆" for b in "丰源达通利恒昌和" for c in "科贸实业"][:400]
TRADES = ["科技", "贸易", "建材", "餐饮", "物流", "制造", "电子", "医药", "纺织", "印刷", "软件", "农业", "化工",
          "机械", "食品", "服装", "家具", "塑料", "环保", "能源", "传媒", "设计", "咨询", "物业", "装饰"]
DISTRICTS = [f"63{n:04d}" for n in range(101, 121)]
STATES = ["identified"] * 90 + ["review"] * 4 + ["dispatch-confirmation"] * 3 + ["account-held"] * 3
AT = dt.datetime(2021, 10, 8, 1, 0)


def uscc(n: int, district: str) -> str:
    return f"91{district}{n:09d}X"


def build(store, units: int) -> int:
    """One cycle of `units` cases through the Cases port, 50,000 a transaction; returns its id."""
    rng = random.Random(14)
    with store.transaction() as uow:
        cycle_id = uow.cycles.add(program="ui-return", pack="beijing-2021", as_of=AT.date(), snapshot_id="bench",
                                  run_id="bench", rounds_required=1, opened_by="bench", opened_at=AT).id
        uow.commit()
    for start in range(0, units, 50_000):
        rows = []
        for n in range(start, min(units, start + 50_000)):
            state = rng.choice(STATES)
            rows.append(NewCase("ui-return", cycle_id, uscc(n, rng.choice(DISTRICTS)),
                                f"{rng.choice(PLACES)}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司",
                                "review" if state == "review" else "eligible", Decimal(rng.randrange(100, 500_000)),
                                6000, "R12_FLAGGED" if state == "review" else "", "bench", state == "dispatch-confirmation",
                                state != "account-held", False, False, False, state, "符合条件 / eligible", None, 1))
        with store.transaction() as uow:
            uow.cases.insert_many(rows)
            uow.commit()
    return cycle_id


def stored(db: str, units: int) -> tuple[object, int, float | None]:
    """(store, cycle id, seconds it took to build or None when cached)."""
    if db == "sqlite":
        path = CACHE / f"queues-{units}.sqlite"
        url, fresh = f"sqlite:///{path}", not path.exists()
    else:
        name = f"wengang_bench_queues_{units}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            fresh = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None
            if fresh:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        from sqlalchemy.engine import make_url
        url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    settings = Settings(data_dir=CACHE / f"queues-{db}-{units}", database_url=url,
                        audit_anchor_dir=CACHE / f"queues-{db}-{units}" / "anchors")
    store = bootstrap.open_store(settings)
    took = None
    if fresh:
        began = time.perf_counter()
        build(store, units)
        took = time.perf_counter() - began
        if db == "postgresql":
            with store.engine.connect() as conn:
                conn.execute(text("ANALYZE cases"))
                conn.commit()
    with store.reading() as uow:
        cycle_id = max(c.id for c in uow.cycles.all())
    return store, cycle_id, took


def query_of(kind: str, cycle_id: int, rng: random.Random):
    if kind == "filter":
        return case_query(cycle_id, states=[rng.choice(["review", "dispatch-confirmation", "account-held"])],
                          district=rng.choice(DISTRICTS), page=rng.randint(1, 5), per_page=50)
    if rng.random() < 0.75:
        return case_query(cycle_id, q=rng.choice(BRANDS), per_page=50)
    return case_query(cycle_id, q=uscc(rng.randrange(0, 10**6), rng.choice(DISTRICTS))[:12], per_page=50)


def load(store, cycle_id: int, kind: str, clients: int, seconds: float, think: float = 0.0) -> tuple[list[float], int]:
    """Latencies (ms) of every request `clients` threads made in `seconds`, each pausing `think` seconds (a person
    reading the page) between its requests; and the rows they counted."""
    times: list[float] = []
    counted = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        mine = []
        while time.perf_counter() < stop:
            q = query_of(kind, cycle_id, rng)
            began = time.perf_counter()
            page = queues.page(q, store=store)
            mine.append((time.perf_counter() - began) * 1000)
            counted[0] += page.total
            if think:
                time.sleep(rng.uniform(0, 2 * think))
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, counted[0]


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=500_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--think", type=float, default=0.5,
                        help="mean pause of a client between its pages (s); 0 too is measured: the saturation run")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    lines = []
    for db in args.db:
        store, cycle_id, took = stored(db, args.units)
        if took is not None:
            lines.append(f"{db}: built the {args.units:,}-case cycle through `insert_many` (search indexes kept "
                         f"by the database) in {took:.1f} s (setup, not the target)")
        for kind in ("filter", "search"):
            began = time.perf_counter()
            cold, _ = load(store, cycle_id, kind, 1, 3.0)            # one client, first sight of each filter
            lines.append(f"{db}: {kind}, one client alone for {time.perf_counter() - began:.0f} s (cold totals): "
                         f"{len(cold)} pages, p50 {p(cold, 50):.1f} ms, p95 {p(cold, 95):.1f} ms")
            for think in (args.think, 0.0):
                times, _ = load(store, cycle_id, kind, args.clients, args.seconds, think)
                p95 = p(times, 95)
                verdict = "met" if p95 <= 100 else "MISSED"
                who = f"pausing {think:g} s on average between pages" if think else "with no pause (saturation)"
                lines.append(f"{db}: {kind} at {args.clients} clients {who}, {len(times):,} pages in "
                             f"{args.seconds:.0f} s: p50 {p(times, 50):.1f} ms, **p95 {p95:.1f} ms** (target ≤ 100 ms, "
                             f"{verdict}), max {max(times):.0f} ms, {len(times) / args.seconds:.0f} pages/s")
        store.close()
    title = f"Staff queues (bench_queues.py, {args.units:,} cases, {args.clients} clients)"
    if args.no_record:
        print("\n".join(lines))
    else:
        record(title, lines)


if __name__ == "__main__":
    main()
