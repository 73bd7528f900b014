"""Employer progress page and API under 50 concurrent clients on loopback, with a 500,000-case cycle stored.

Usage: uv run python bench/bench_web.py [--units 500000] [--clients 50] [--seconds 20] [--db sqlite postgresql]
       [--dashboard]
Target (issue #6): GET /portal and GET /api/v1/me/progress answer with p95 ≤ 50 ms and no errors at 50 concurrent
clients. The server runs as its own process (`uvicorn wengang.web.asgi:make`), the clients are keep-alive HTTP/1.1
connections in one asyncio loop of this process; each client signs in as a different unit of the cycle. Two loads:
`paced` (each client asks every --pace-ms, like people refreshing a phone) and `flat out` (each asks again the moment
its answer arrives: the capacity of the machine, clients and server sharing its cores).
--dashboard (issue 19): the paced load again while a director reads the dashboard the whole time, one view after the
other (each breakdown of the cycle, uncached), on one more connection: the portal's p95 beside each view's time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cycle import decided_table, postgres_database  # noqa: E402
from common import record, serve_web  # noqa: E402

from wengang import bootstrap  # noqa: E402
from wengang.config import Settings  # noqa: E402
from wengang.services import cycles, notify, people, publicity  # noqa: E402

PACK, AS_OF = "cn-2021", dt.date(2021, 6, 30)
PASSWORD = "Bench-pass-2021"
TARGET_MS = 50.0


def build(url: str, folder: Path, units: int, clients: int) -> tuple[list[str], str, int]:
    """The cycle of `units` cases on a public list, and `clients` activated units; their session tokens (the codes
    read from the outbox file as the units' phones would, opened with the gateway's key), a director's and the
    cycle's id."""
    settings = Settings(data_dir=folder, database_url=url)
    sealer, outbox = bootstrap.sealer(settings), bootstrap.outbox(settings)
    store = bootstrap.open_store(settings)   # the server's key and anchors
    try:
        table = decided_table(units)
        started = time.perf_counter()
        status = cycles.open_from_decided(table, store=store, pack_id=PACK, as_of=AS_OF, snapshot_id="bench",
                                          run_id="bench-run")
        publicity.start(status.cycle.id, store=store, by="bench")   # today: a list is never back-dated
        print(f"stored {status.cases:,} cases and published them in {time.perf_counter() - started:.1f} s", flush=True)
        codes = table.column("uscc").to_pylist()
        step = max(1, len(codes) // clients)
        tokens = []
        for uscc in codes[::step][:clients]:
            people.issue_activation(uscc, store=store, by="bench", sealer=sealer)
            notify.deliver(store=store, channel=outbox, kind="activation_code")
            text = [m["text"] for m in outbox.opened() if m["uscc"] == uscc][-1]
            people.activate(uscc, re.search(r"激活码 ([A-Z0-9]{10})", text).group(1), PASSWORD, store=store)
            tokens.append(people.sign_in(uscc, PASSWORD, store=store, employer=True)[0])
        people.create_staff("bench-director", "approver", store=store, by="bench", password=PASSWORD)
        director = people.sign_in("bench-director", PASSWORD, store=store, employer=False)[0]
        return tokens, director, status.cycle.id
    finally:
        store.close()


def serve(url: str, data_dir: Path, port: int, workers: int) -> subprocess.Popen:
    """The web app as its own uvicorn process on this store; returns once it answers."""
    return serve_web({"WENGANG_DATABASE_URL": url, "WENGANG_DATA_DIR": str(data_dir),
                      "WENGANG_WEB_COOKIE_SECURE": "false"}, port, workers)


async def client(port: int, request: bytes, until: float, warm: float, pace: float, out: list, errors: list) -> None:
    """One keep-alive connection asking again and again; latencies after the warm-up are kept."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if pace:
        await asyncio.sleep(random.uniform(0, pace))       # people do not all tap at the same millisecond
    try:
        while (now := time.perf_counter()) < until:
            started = now
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
            await reader.readexactly(length)
            took = time.perf_counter() - started
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(head.split(b"\r\n", 1)[0])
            if started >= warm:
                out.append(took)
            if pace:
                await asyncio.sleep(max(0.0, pace - took))
    except (OSError, asyncio.IncompleteReadError) as err:
        errors.append(repr(err))
    finally:
        writer.close()


async def load(port: int, requests: list[bytes], seconds: float, pace: float,
               board: list[bytes] | None = None) -> tuple[list[float], list, float, list[float]]:
    """All clients at once for the given seconds after a two-second warm-up; with `board`, one more connection
    asking for those dashboard views one after the other the whole time (their times kept apart)."""
    start = time.perf_counter()
    warm, until = start + 2.0, start + 2.0 + seconds
    out: list[float] = []
    errors: list = []
    views: list[float] = []
    readers = [client(port, r, until, warm, pace, out, errors) for r in requests]
    if board:
        readers.append(director(port, board, until, views, errors))
    await asyncio.gather(*readers)
    return out, errors, seconds, views


async def director(port: int, views: list[bytes], until: float, out: list, errors: list) -> None:
    """A director reading each dashboard view in turn on one keep-alive connection, as fast as they come."""
    await asyncio.sleep(2.0)                               # after the warm-up, like the clients' kept times
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        i = 0
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(views[i % len(views)])
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
            await reader.readexactly(length)
            out.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(b"dashboard: " + head.split(b"\r\n", 1)[0])
            i += 1
    finally:
        writer.close()


def figures(name: str, took: list[float], errors: list, seconds: float) -> tuple[str, float]:
    """One line of percentiles, throughput and errors."""
    took = sorted(took)
    pct = lambda p: took[min(len(took) - 1, int(len(took) * p))] * 1000  # noqa: E731
    p95 = pct(0.95)
    return (f"{name}: {len(took):,} answers, {len(took) / seconds:,.0f}/s, p50 {pct(0.5):.1f} ms, **p95 {p95:.1f} ms**, "
            f"p99 {pct(0.99):.1f} ms, max {took[-1] * 1000:.0f} ms, errors {len(errors)}"
            f"{' (' + str(errors[:3]) + ')' if errors else ''}"), p95


def run(db: str, args, folder: Path) -> list[str]:
    """Build, serve and load one database; the lines for RESULTS.md."""
    url, drop = (f"sqlite:///{folder / 'web.sqlite'}", lambda: None) if db == "sqlite" else postgres_database()
    try:
        tokens, boss, cycle_id = build(url, folder, args.units, args.clients)
        port = 8800 + os.getpid() % 1000
        proc = serve(url, folder, port, args.workers)
        lines = []
        try:
            for name, path, header in (("GET /portal (page)", "/portal", "Cookie: wg_session={t}"),
                                       ("GET /api/v1/me/progress", "/api/v1/me/progress",
                                        "Authorization: Bearer {t}")):
                requests = [(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{header.format(t=t)}\r\n\r\n").encode()
                            for t in tokens]
                for mode, pace in (("paced", args.pace_ms / 1000), ("flat out", 0.0)):
                    took, errors, seconds, _ = asyncio.run(load(port, requests, args.seconds, pace))
                    line, p95 = figures(f"{db}, {name}, {len(tokens)} clients {mode}"
                                        + (f" (one request per {args.pace_ms} ms each)" if pace else ""),
                                        took, errors, seconds)
                    verdict = "meets" if p95 <= TARGET_MS and not errors else "misses"
                    lines.append(f"{line} — {verdict} the target p95 ≤ {TARGET_MS:.0f} ms")
                    print(lines[-1], flush=True)
            if args.dashboard:
                lines.append(with_dashboard(db, port, tokens, boss, cycle_id, args))
                print(lines[-1], flush=True)
        finally:
            proc.terminate()
            proc.wait(30)
        return lines
    finally:
        drop()


def with_dashboard(db: str, port: int, tokens: list[str], boss: str, cycle_id: int, args) -> str:
    """The paced portal load while a director reads every breakdown of the cycle's dashboard, uncached."""
    from wengang.domain.figures import BREAKDOWNS

    requests = [f"GET /portal HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: wg_session={t}\r\n\r\n".encode()
                for t in tokens]
    board = [f"GET /staff/dashboard?cycle={cycle_id}&by={by} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             f"Cookie: wg_session={boss}\r\n\r\n".encode() for by in BREAKDOWNS]
    took, errors, seconds, views = asyncio.run(load(port, requests, args.seconds, args.pace_ms / 1000, board))
    line, p95 = figures(f"{db}, GET /portal, {len(tokens)} clients paced while a director reads the dashboard",
                        took, errors, seconds)
    views.sort()
    return (f"{line} — {'meets' if p95 <= TARGET_MS and not errors else 'misses'} p95 ≤ {TARGET_MS:.0f} ms; "
            f"the dashboard meanwhile: {len(views)} views (each breakdown of the cycle in turn, uncached), median "
            f"{views[len(views) // 2]:.2f} s, slowest **{views[-1]:.2f} s** (target ≤ 1 s, "
            f"{'met' if views and views[-1] <= 1 else 'MISSED'})" if views else f"{line}; no dashboard view answered")


def main() -> None:
    """Every database asked for; the figures appended to bench/RESULTS.md."""
    random.seed(2021)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pace-ms", type=int, default=250)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--dashboard", action="store_true", help="also: the portal while a director reads the dashboard")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    lines = []
    with tempfile.TemporaryDirectory(prefix="wengang-bench-web-") as tmp:
        for db in args.db:
            lines += run(db, args, Path(tmp))
    lines.append(f"{args.units:,} cases stored; server: uvicorn, {args.workers} worker processes; clients: one asyncio "
                 f"process on the same machine; 1-min load average {load_before:.1f} before, "
                 f"{os.getloadavg()[0]:.1f} after")
    record(f"Web: employer progress under load (bench_web.py, {args.units:,} cases)", lines)


if __name__ == "__main__":
    main()
