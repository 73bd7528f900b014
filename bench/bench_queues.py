"""Staff queues at city scale (issue 14): every queue filter and both searches at 20 concurrent staff clients over
HTTP, and the employer's progress page at 50 clients while another 500,000-case cycle is being opened.

Usage: .venv/bin/python bench/bench_queues.py [--units 500000] [--db sqlite postgresql] [--clients 20]
       [--seconds 10] [--think 0.5] [--workers 2] [--no-record] [--skip-progress]
       (BENCH_KINDS="name search,rule reason" runs only those kinds of page)
Targets (issue 14), on each database: p95 of any queue page with a filter or a search ≤ 100 ms at 20 concurrent
staff clients; p95 of the employer progress page ≤ 50 ms at 50 clients while a job opens another 500,000 cases.

Setup (not timed, cached): one cycle of N cases written straight through the Cases port (`insert_many`, the same
bulk insert a cycle opening uses, so the search indexes and triggers are maintained as they would be), with names of
three parts (place × brand × trade, 40 × 400 × 25), valid credit codes in 20 districts, the states a freshly opened
cycle has (≈ 90 % identified, 4 % review, 3 % dispatch, 3 % held), size classes, and last-change times spread over
60 days (one UPDATE after the build). SQLite: kept as var/bench/queues-N.sqlite; PostgreSQL: database
wengang_bench_queues_N. Not the generated city of bench_cycle.py (importing and evaluating 500,000 units takes most of
an hour here): a queue reads only the cases table, which has here the same rows, columns and indexes.

What is timed: whole HTTP requests (page rendered) to a real server process (`uvicorn wengang.web.asgi:make`, as
`wengang serve` runs it) from 20 keep-alive clients in one asyncio loop of this process, a signed-in clerk. Each
client asks its kind of page with random values, pausing --think seconds on average between pages (a person reading
it; each also waits such a pause before its first page: twenty people do not click at the same millisecond — a run
before 2026-12-04 started all twenty at once, and that first burst alone was the slowest 5 % of a 10-second run),
then again with no pause (saturation: 2 cores shared by server and clients). The progress figure runs on a copy
of the stored database: 50 signed-in units ask /portal while a second process opens another cycle of N cases with
`cycles.open_from_decided` — the write step of the open-cycle job (the rules run before it reads DuckDB, not this
database, and is left out: its input would be a generated city).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cycle import PG_ADMIN  # noqa: E402
from bench_web import serve  # noqa: E402
from common import record, stored_database  # noqa: E402

from wengang import bootstrap  # noqa: E402
from wengang.config import Settings  # noqa: E402
from wengang.domain.identifiers import uscc_check_char  # noqa: E402
from wengang.domain.ports import NewCase  # noqa: E402
from wengang.services import notify, people  # noqa: E402

PLACES = [a + b for a in "东西南北中新华安康宁" for b in "城湖山河"]                         # 40
BRANDS = [a + b + c for a in "金银瑞祥鑫泰宏盛德隆" for b in "丰源达通利恒昌和" for c in "科贸实业"][:400]
TRADES = ["科技", "贸易", "建材", "餐饮", "物流", "制造", "电子", "医药", "纺织", "印刷", "软件", "农业", "化工",
          "机械", "食品", "服装", "家具", "塑料", "环保", "能源", "传媒", "设计", "咨询", "物业", "装饰"]
DISTRICTS = [f"63{n:04d}" for n in range(101, 121)]
STATES = ["identified"] * 90 + ["review"] * 4 + ["dispatch-confirmation"] * 3 + ["account-held"] * 3
SIZES = ["micro"] * 60 + ["small"] * 25 + ["medium"] * 8 + ["large"] * 2 + [None] * 5
AT = dt.datetime(2021, 10, 8, 1, 0)
DAYS = 60                          # last changes spread over the 60 days from AT
PASSWORD = "Bench-pass-2021"
EMPLOYERS = 50
PACE = 0.25                        # an employer's mean pause between two looks (≈ bench_web's one per 250 ms)


def uscc(n: int, district: str) -> str:
    body = f"91{district}{n:09d}"
    return body + uscc_check_char(body)


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
                                6000, "size_class_unknown" if state == "review" else "", "bench", state == "dispatch-confirmation",
                                state != "account-held", False, False, False, state, "符合条件 / eligible", None, 1,
                                rng.choice(SIZES)))
        with store.transaction() as uow:
            uow.cases.insert_many(rows)
            uow.commit()
    spread = {"sqlite": f"datetime('{AT:%Y-%m-%d %H:%M:%S}', '+' || (id % {DAYS}) || ' days')",
              "postgresql": f"TIMESTAMP '{AT:%Y-%m-%d %H:%M:%S}' + (id % {DAYS}) * INTERVAL '1 day'"}
    with store.engine.begin() as conn:
        conn.execute(text(f"UPDATE cases SET changed_at = {spread[conn.dialect.name]} WHERE cycle_id = :c"),
                     {"c": cycle_id})
    return cycle_id


def where(db: str, units: int) -> tuple[str, Settings, bool]:
    """The stored database's URL, its settings, and whether it is still to be built."""
    return stored_database("queues", db, units)


def stored(db: str, units: int) -> tuple[str, Settings, int, float | None]:
    """(url, settings, cycle id, seconds the build took or None when cached); staff and employers made once."""
    url, settings, fresh = where(db, units)
    store = bootstrap.open_store(settings)
    took = None
    try:
        if fresh:
            began = time.perf_counter()
            build(store, units)
            took = time.perf_counter() - began
            people.create_staff("bench-clerk", "clerk", store=store, by="bench", password=PASSWORD)
            activate(store, settings, units)
            if db == "postgresql":             # as autovacuum would; SQLite has no statistics unless asked (the app never does)
                with store.engine.begin() as conn:
                    conn.execute(text("ANALYZE cases"))
        with store.reading() as uow:
            cycle_id = max(c.id for c in uow.cycles.all())
    finally:
        store.close()
    return url, settings, cycle_id, took


def employer_codes(units: int) -> list[str]:
    rng = random.Random(14)
    codes = []
    for n in range(units):             # the same draws as build(): the district each unit got
        rng.choice(STATES)
        codes.append(uscc(n, rng.choice(DISTRICTS)))
        rng.choice(PLACES), rng.choice(BRANDS), rng.choice(TRADES), rng.randrange(100, 500_000), rng.choice(SIZES)
    step = max(1, units // EMPLOYERS)
    return codes[::step][:EMPLOYERS]


def activate(store, settings: Settings, units: int) -> None:
    """EMPLOYERS units activated (their codes read from the outbox file, as their phones would)."""
    sealer, outbox = bootstrap.sealer(settings), bootstrap.outbox(settings)
    for code in employer_codes(units):
        people.issue_activation(code, store=store, by="bench", sealer=sealer)
        notify.deliver(store=store, channel=outbox, kind="activation_code")
        message = [m["text"] for m in outbox.opened() if m["uscc"] == code][-1]
        people.activate(code, re.search(r"激活码 ([A-Z0-9]{10})", message).group(1), PASSWORD, store=store)


def tokens(settings: Settings, units: int) -> tuple[str, list[str]]:
    """A clerk's session and the employers' sessions (signing in again each run)."""
    store = bootstrap.open_store(settings)
    try:
        clerk = people.sign_in("bench-clerk", PASSWORD, store=store, employer=False, client="bench")[0]
        units_ = [people.sign_in(c, PASSWORD, store=store, employer=True)[0] for c in employer_codes(units)]
    finally:
        store.close()
    return clerk, units_


def day(rng: random.Random) -> str:
    return (AT.date() + dt.timedelta(days=rng.randrange(0, DAYS))).isoformat()


KINDS = tuple(os.environ.get("BENCH_KINDS", "").split(",")) if os.environ.get("BENCH_KINDS") else ("state × district", "district", "review × size", "state × last-change dates", "programme", "rule reason",
         "sort by amount in a state", "name search", "credit-code search")


def path_of(kind: str, cycle: int, rng: random.Random) -> str:
    """One page of the given kind with random values (a page of the first five where a filter leaves many)."""
    state = rng.choice(["review", "dispatch-confirmation", "account-held"])
    q: dict[str, object] = {"cycle": cycle}
    where_ = "/staff/queue"
    if kind == "state × district":
        q |= {"state": state, "district": rng.choice(DISTRICTS), "page": rng.randint(1, 5)}
    elif kind == "district":
        q |= {"district": rng.choice(DISTRICTS), "page": rng.randint(1, 5)}
    elif kind == "review × size":
        where_ = "/staff/review"
        q |= {"size": rng.choice(["micro", "small", "medium", "large", "unknown"])}
    elif kind == "state × last-change dates":
        first = day(rng)
        last = dt.date.fromisoformat(first) + dt.timedelta(days=rng.randrange(0, 8))     # one day to a week
        q |= {"state": state, "changed_from": first, "changed_to": last.isoformat(), "page": rng.randint(1, 3)}
    elif kind == "programme":
        q |= {"program": "ui-return", "page": rng.randint(1, 5)}
    elif kind == "rule reason":
        q |= {"reason": "size_class_unknown", "page": rng.randint(1, 5)}
    elif kind == "sort by amount in a state":
        q |= {"state": "identified", "sort": rng.choice(["amount", "-amount"]), "page": rng.randint(1, 5)}
    elif kind == "name search":
        q |= {"q": rng.choice(BRANDS)}
    else:
        q |= {"q": uscc(rng.randrange(0, 10**6), rng.choice(DISTRICTS))[:12]}
    return f"{where_}?{urlencode(q)}"


async def client(port: int, ask, until: float, think: float, out: list, errors: list, seed: int) -> None:
    """One keep-alive connection asking again and again (`ask(rng)` gives the request), pausing `think` on average."""
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if think:       # people do not all click at the same millisecond: each starts after a pause of its own, too
        await asyncio.sleep(rng.uniform(0, 2 * think))
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(ask(rng))
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
            await reader.readexactly(length)
            out.append((time.perf_counter() - started) * 1000)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(head.split(b"\r\n", 1)[0].decode())
            if think:
                await asyncio.sleep(rng.uniform(0, 2 * think))
    except (OSError, asyncio.IncompleteReadError) as err:
        errors.append(repr(err))
    finally:
        writer.close()


async def load(port: int, asks: list, seconds: float, think: float) -> tuple[list[float], list]:
    out: list[float] = []
    errors: list = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(client(port, ask, until, think, out, errors, i) for i, ask in enumerate(asks)))
    return out, errors


def request(path: str, cookie: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: wg_session={cookie}\r\n\r\n".encode()


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def line(db: str, what: str, times: list[float], errors: list, seconds: float, target: float) -> str:
    if not times:
        return f"{db}: {what}: no answer ({errors[:2]})"
    p95 = p(times, 95)
    verdict = "met" if p95 <= target and not errors else "MISSED"
    return (f"{db}: {what}: {len(times):,} pages in {seconds:.0f} s, p50 {p(times, 50):.1f} ms, **p95 {p95:.1f} ms** "
            f"(target ≤ {target:.0f} ms, {verdict}), max {max(times):.0f} ms, errors {len(errors)}"
            + (f" {errors[:2]}" if errors else ""))


def queues_figures(db: str, url: str, settings: Settings, cycle: int, clerk: str, args) -> list[str]:
    port = 8100 + os.getpid() % 700
    proc = serve(url, settings.data_dir, port, args.workers)
    lines = []
    try:
        for kind in KINDS:
            asks = [lambda rng, k=kind: request(path_of(k, cycle, rng), clerk)] * args.clients
            asyncio.run(load(port, asks[:2], 2.0, 0.0))                               # warm-up, not kept
            for think in (args.think, 0.0):
                times, errors = asyncio.run(load(port, asks, args.seconds, think))
                who = f"pausing {think:g} s on average" if think else "no pause (saturation)"
                lines.append(line(db, f"{kind}, {args.clients} clients {who}", times, errors, args.seconds, 100))
                print(lines[-1], flush=True)
    finally:
        proc.terminate()
        proc.wait(30)
    return lines


def copy_of(db: str, url: str, units: int) -> tuple[str, callable]:
    """A throw-away copy of the stored database (the progress run adds a cycle to it)."""
    if db == "sqlite":
        source = Path(make_url(url).database)
        target = source.with_name(f"progress-{units}.sqlite")

        def drop_file() -> None:         # with its write-ahead log: a stale -wal beside a new copy corrupts it
            for path in (target, *(target.with_name(target.name + s) for s in ("-wal", "-shm"))):
                path.unlink(missing_ok=True)
        drop_file()
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)              # what the source holds, its write-ahead log included
        return f"sqlite:///{target}", drop_file
    name = f"wengang_bench_progress_{units}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), drop


OPENER = """
import datetime as dt, sys, time
sys.path.insert(0, {bench!r})
from bench_cycle import decided_table
from wengang import bootstrap
from wengang.config import Settings
from wengang.services import cycles
table = decided_table({units})
store = bootstrap.open_store(Settings(data_dir={folder!r}, database_url={url!r}))
print("opening", flush=True)
began = time.perf_counter()
status = cycles.open_from_decided(table, store=store, pack_id="cn-2021", as_of=dt.date(2021, 6, 30),
                                  snapshot_id="bench-second", run_id="bench-second-run", by="bench")
print(f"opened {{status.cases}} in {{time.perf_counter() - began:.1f}} s", flush=True)
"""


def progress_figures(db: str, url: str, settings: Settings, units: int, employers: list[str], args) -> list[str]:
    """/portal at 50 clients (a request each 250 ms, as bench_web paces it) while another process opens a cycle."""
    copy, drop = copy_of(db, url, units)
    port = 8800 + os.getpid() % 700
    lines = []
    try:
        proc = serve(copy, settings.data_dir, port, args.workers)
        try:
            portal = [request("/portal", t) for t in employers]
            asks = [lambda rng, r=r: r for r in portal]
            asyncio.run(load(port, asks, 2.0, PACE))                                   # warm-up, not kept
            quiet, errors = asyncio.run(load(port, asks, args.seconds, PACE))
            lines.append(line(db, f"employer progress /portal, {len(asks)} clients pausing {PACE} s on average, "
                                  "nothing else running", quiet, errors, args.seconds, 50))
            print(lines[-1], flush=True)
            opener = subprocess.Popen([sys.executable, "-c", OPENER.format(
                bench=str(Path(__file__).resolve().parent), units=units, folder=str(settings.data_dir), url=copy)],
                stdout=subprocess.PIPE, text=True)
            assert opener.stdout.readline().strip() == "opening"      # the 500,000-row table is made
            began = time.perf_counter()
            during: list[float] = []
            errors = []
            while opener.poll() is None:
                took, errs = asyncio.run(load(port, asks, 5.0, PACE))
                during += took
                errors += errs
            opened = opener.stdout.read().strip()
            seconds = time.perf_counter() - began
            lines.append(line(db, f"employer progress /portal, {len(asks)} clients pausing {PACE} s on average, WHILE "
                                  f"another process opened a {units:,}-case cycle ({opened})", during, errors,
                              seconds, 50))
            print(lines[-1], flush=True)
        finally:
            proc.terminate()
            proc.wait(30)
    finally:
        drop()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=500_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--think", type=float, default=0.5, help="mean pause of a staff client between pages (s)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--skip-progress", action="store_true")
    args = parser.parse_args()
    lines = []
    for db in args.db:
        url, settings, cycle, took = stored(db, args.units)
        if took is not None:
            lines.append(f"{db}: built the {args.units:,}-case cycle through `insert_many` (search and queue indexes "
                         f"kept by the database) in {took:.1f} s (setup, not a target)")
            print(lines[-1], flush=True)
        clerk, employers = tokens(settings, args.units)
        lines += queues_figures(db, url, settings, cycle, clerk, args)
        if not args.skip_progress:
            lines += progress_figures(db, url, settings, args.units, employers, args)
    lines.append(f"server: uvicorn, {args.workers} worker processes; clients: one asyncio process on the same machine "
                 f"(2 cores shared); load average {os.getloadavg()[0]:.1f} at the end")
    title = f"Staff queues over HTTP (bench_queues.py, {args.units:,} cases, {args.clients} staff clients)"
    if args.no_record:
        print("\n".join(lines))
    else:
        record(title, lines)


if __name__ == "__main__":
    main()
