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


def city(units: int, seed: int = 2021) -> Path:
    """A generated beijing city of `units`, made once and kept under var/bench."""
    from wengang.snapshot.generator import generate_city

    folder = CACHE / f"city-{units}-{seed}"
    if not (folder / "employers.parquet").exists():
        generate_city(folder, units=units, seed=seed, profile="beijing", programme_files=False)   # the six files
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
