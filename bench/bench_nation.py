"""Issue 18.3: a nation on one box — a 10,000,000-unit city streamed to Parquet, imported, evaluated with every
explanation stored, opened as a cycle and taken to payment files, each step the command a clerk runs.

Usage: .venv/bin/python bench/bench_nation.py [--units 10000000] [--steps import evaluate cycle] [--no-record]
Targets (issue 18), on this 2-core, 24 GB machine: import ≤ 15 min; evaluate with explanations ≤ 3 min; peak memory
≤ 8 GB. Opening the cycle and preparing payments have no time target: they must finish, out of core.

The city (not timed here, cached under var/bench/nation-N) is the beijing profile's stable-job return files
(employers, contributions, separations, ui_claims, flags, contacts: 240 M monthly rows at ten million units),
written block by block by the generator, one Parquet row group per block of a million units. Each step below is
`wengang …` in a fresh process on the embedded default store (DuckDB for the analytical side, SQLite for cases),
timed with /usr/bin/time: wall seconds, CPU seconds (user + system, every thread) and peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CACHE, record  # noqa: E402

POLICY, AS_OF = "cn-2022", "2022-06-30"
STAFF = {"clerk-wang": "clerk", "reviewer-li": "reviewer", "approver-li": "approver", "director-zhao": "approver"}
TARGETS = {"import": 15 * 60, "evaluate": 3 * 60}
PEAK_TARGET_MB = 8 * 1024


def nation(units: int) -> Path:
    """The generated city, made once: the generator streams it block by block."""
    from wengang.snapshot.generator import generate_city

    folder = CACHE / f"nation-{units}"
    if not (folder / "contacts.parquet").exists():
        started = time.perf_counter()
        counts = generate_city(folder, units=units, seed=2021, base_year=2021, programme_files=False)
        print(f"generated {sum(counts.values()):,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


class Steps:
    """Each `wengang` command in its own process under /usr/bin/time, on one data folder and one Beijing clock."""

    def __init__(self, data: Path):
        self.data, self.lines = data.resolve(), []
        self.people: dict = {}
        self.data.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "WENGANG_DATA_DIR": str(self.data)}

    def run(self, label: str, args: list[str], *, at: str, who: str | None = None, stdin: str = "",
            shown: bool = True) -> dict:
        env = {**self.env, "WENGANG_CLOCK_START": f"{at}:00+08:00"}
        if who:              # signed in afresh before each step: a nation's step outlasts an idle session
            name = self.people["names"][who]
            env["WENGANG_SESSION_FILE"] = str(self.data / "sessions" / name)
            signed = subprocess.run([sys.executable, "-m", "wengang", "login", name, "--password-stdin"],
                                    input=f"{self.people['password']}\n", env=env, text=True, capture_output=True)
            if signed.returncode:
                sys.exit(f"login {name} failed:\n{signed.stdout[-2000:]}\n{signed.stderr[-2000:]}")
        stats = self.data / "time.txt"
        started = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", str(stats),
                               sys.executable, "-m", "wengang", *args],
                              input=stdin, env=env, text=True, capture_output=True)
        if done.returncode:
            sys.exit(f"{label} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        wall, user, system, peak_kb = stats.read_text().split()[-4:]
        step = {"label": label, "wall": float(wall), "cpu": float(user) + float(system), "peak_mb": int(peak_kb) / 1024,
                "load": os.getloadavg()[0], "out": done.stdout}
        if shown:
            print(f"{label}: {step['wall']:.1f} s wall, {step['cpu']:.1f} s CPU, peak {step['peak_mb']:,.0f} MB, "
                  f"load {step['load']:.1f} ({time.perf_counter() - started:.1f} s)", flush=True)
            self.lines.append(step)
        return step


def staff(steps: Steps) -> None:
    """The four staff, made once per data folder (their names and password kept in it for a resumed run)."""
    kept = steps.data / "bench-staff.json"
    if kept.exists():
        steps.people = json.loads(kept.read_text())
        return
    tag, password = secrets.token_hex(3), f"Nb-{secrets.token_hex(8)}-7K"
    steps.people = {"password": password, "names": {who: f"{who}-{tag}" for who in STAFF}}
    for who, role in STAFF.items():
        steps.run("add staff", ["people", "add-staff", steps.people["names"][who], "--role", role],
                  at="2022-06-30T15:30", stdin=f"{password}\n{password}\n", shown=False)
    kept.write_text(json.dumps(steps.people))


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--units", type=int, default=10_000_000)
    args.add_argument("--data", type=Path, help="the data folder (default: a new one under var/bench)")
    args.add_argument("--steps", nargs="+", default=["import", "evaluate", "cycle", "publicity", "payments"])
    args.add_argument("--no-record", action="store_true")
    opts = args.parse_args()
    folder = nation(opts.units)
    data = opts.data or CACHE / f"nation-store-{opts.units}"
    steps = Steps(data)
    if "import" in opts.steps:
        steps.run("import", ["snapshot", "import", str(folder)], at="2022-06-30T15:00")
    if "evaluate" in opts.steps:
        steps.run("evaluate", ["evaluate", str(folder), "--policy", POLICY, "--as-of", AS_OF,
                               "--out", str(steps.data / "decisions.csv")], at="2022-06-30T15:10")
    staff(steps)
    if "cycle" in opts.steps:
        steps.run("cycle open", ["cycle", "open", "--policy", POLICY, "--as-of", AS_OF], at="2022-06-30T16:00",
                  who="clerk-wang")
    if "publicity" in opts.steps:
        steps.run("publicity start", ["publicity", "start", "1", "--start", "2022-07-01"], at="2022-07-01T09:00",
                  who="clerk-wang")
        steps.run("publicity close", ["publicity", "close", "C1-P1", "--on", "2022-07-08"], at="2022-07-08T09:00",
                  who="clerk-wang")
        steps.run("reverify", ["reverify", "1"], at="2022-07-08T10:00", who="reviewer-li")
    if "payments" in opts.steps:
        steps.run("batch prepare", ["batch", "prepare", "1"], at="2022-07-11T09:00", who="clerk-wang")
        steps.run("batch approve (1st)", ["batch", "approve", "--cycle", "1"], at="2022-07-11T10:00",
                  who="approver-li")
        steps.run("batch approve (2nd)", ["batch", "approve", "--cycle", "1"], at="2022-07-11T11:00",
                  who="director-zhao")
        steps.run("batch files", ["batch", "files", "--cycle", "1", "--out", str(data / "bank" / "out")],
                  at="2022-07-11T14:00", who="clerk-wang")
    lines = []
    for step in steps.lines:
        target = TARGETS.get(step["label"])
        verdict = "" if target is None else (f" (target ≤ {target // 60} min{'' if step['wall'] <= target else ', MISSED'})")
        lines.append(f"{step['label']}: **{step['wall']:.1f} s**{verdict}, {step['cpu']:.1f} s CPU, peak "
                     f"{step['peak_mb']:,.0f} MB (target ≤ 8 GB{'' if step['peak_mb'] <= PEAK_TARGET_MB else ', MISSED'}),"
                     f" 1-min load {step['load']:.1f}")
    for step in steps.lines:
        tail = [line for line in step["out"].splitlines() if line.strip()][-3:]
        lines.append(f"{step['label']} said: " + " / ".join(t.strip() for t in tail)[:400])
    print("\n".join(lines))
    if not opts.no_record:
        record(f"Issue 18.3: a nation on one box, {opts.units:,} units (bench_nation.py)", lines)


if __name__ == "__main__":
    main()
