"""Shared by the benchmarks: machine facts, peak memory, a cached generated city, and RESULTS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
CACHE = Path(os.environ.get("WENGANG_BENCH_DIR", "var/bench"))


def machine() -> str:
    with open("/proc/meminfo") as fh:
        mem_kb = next(int(line.split()[1]) for line in fh if line.startswith("MemTotal"))
    return f"{platform.machine()} {os.cpu_count()} cores {mem_kb / 2**20:.0f} GiB, Python {platform.python_version()}"


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory. For this process, its own high-water mark (VmHWM): Linux carries ru_maxrss across
    fork and exec, so a fresh process started by a 3 GB parent would report 3 GB however little it used."""
    if not children and os.path.exists("/proc/self/status"):
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def record(title: str, lines: list[str]) -> None:
    """Print the figures and append them, dated, with the machine, to bench/RESULTS.md."""
    text = f"\n## {title} — {dt.datetime.now():%Y-%m-%d %H:%M} — {machine()}\n" + "".join(f"- {x}\n" for x in lines)
    print(text)
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nFigures printed by the scripts in bench/, newest last.\n",
                           encoding="utf-8")
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(text)


def city(units: int, seed: int = 2021, fmt: str = "parquet") -> Path:
    """A generated beijing city of `units` (Parquet files, or CSV), made once and kept under var/bench."""
    from wengang.snapshot.generator import generate_city

    folder = CACHE / (f"city-{units}-{seed}" if fmt == "parquet" else f"city-{fmt}-{units}-{seed}")
    if not (folder / f"employers.{fmt}").exists():
        generate_city(folder, units=units, seed=seed, profile="beijing", programme_files=False,   # the six files
                      fmt=fmt)
    return folder


def serve_web(env: dict[str, str], port: int, workers: int = 1) -> subprocess.Popen:
    """The web app as its own uvicorn process with these settings in its environment; returns once it answers."""
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "wengang.web.asgi:make", "--factory", "--host",
                             "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning",
                             "--no-access-log"], env={**os.environ, **env})
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as reply:
                if reply.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def stored_database(kind: str, db: str, units: int):
    """A bench's database kept between runs (a SQLite file under var/bench, or a PostgreSQL database of its own):
    its URL, settings, and whether it is still to be built."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from wengang.config import Settings

    folder = CACHE / f"{kind}-{db}-{units}"
    if db == "sqlite":
        path = CACHE / f"{kind}-{units}.sqlite"
        url, fresh = f"sqlite:///{path.resolve()}", not path.exists()
    else:
        admin_url = os.environ.get("WENGANG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
        name = f"wengang_bench_{kind}_{units}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            fresh = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None
            if fresh:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, Settings(data_dir=folder.resolve(), database_url=url), fresh
