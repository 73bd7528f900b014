"""Case lifecycle at city scale, on SQLite and PostgreSQL: open 500,000 cases, publish them, verify 1,000,000 entries.

Usage: uv run python bench/bench_cycle.py [--units 500000] [--entries 1000000] [--db sqlite postgresql]
Targets (issue #4), on each database: open ≤ 30 s; start publicity for all ≤ 15 s; audit verify of
1,000,000 entries ≤ 30 s. The decisions are synthesised (valid credit codes), not evaluated: this measures the
operational store, not the rules engine (bench_rules.py does that).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_rss_mb, record  # noqa: E402

from wengang import bootstrap  # noqa: E402
from wengang.config import Settings  # noqa: E402
from wengang.domain.audit import Draft  # noqa: E402
from wengang.domain.identifiers import uscc_check_char  # noqa: E402
from wengang.services import audit, cycles, publicity  # noqa: E402

PACK, AS_OF = "cn-2021", dt.date(2021, 6, 30)       # one comparison round: publicity may start at once
PG_ADMIN = os.environ.get("WENGANG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
LIMITS = {"open": 30.0, "publicity": 15.0, "verify": 30.0}


def decided_table(units: int, seed: int = 4) -> pa.Table:
    """A decisions table as the rules engine writes it: 97% eligible with an account, 1% each routed elsewhere."""
    rng = np.random.default_rng(seed)
    codes = []
    for i in range(units):
        body = f"91{110101 + i % 900:06d}{i:09d}"
        codes.append(body + uscc_check_char(body))
    draw = rng.random(units)
    decision = np.where(draw < 0.01, "ineligible", np.where(draw < 0.02, "review", "eligible"))
    return pa.table({
        "uscc": codes,
        "name": [f"北京合成单位{i}有限公司" for i in range(units)],
        "decision": decision,
        "amount_fen": pa.array(np.where(decision == "ineligible", 0, rng.integers(10_000, 5_000_000, units))),
        "ratio_units": pa.array(np.full(units, 6000)),
        "reasons": np.where(decision == "eligible", "", np.where(decision == "review", "flag:failed_commitment",
                                                                 "flag:dishonest_debtor")),
        "labor_dispatch": pa.array((draw >= 0.02) & (draw < 0.03)),
        "has_account": pa.array(~((draw >= 0.03) & (draw < 0.04))),
    })


def postgres_database() -> tuple[str, callable]:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"wengang_bench_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), drop


def filler(count: int):
    for i in range(count):
        yield Draft("bench", "note", f"bench:{i}", None, None, None, "填充 / filler entry", {"i": i})


def run(db: str, table: pa.Table, entries: int, folder: Path) -> list[str]:
    url, drop = (f"sqlite:///{folder / 'bench.sqlite'}", lambda: None) if db == "sqlite" else postgres_database()
    store = bootstrap.open_store(Settings(database_url=url, data_dir=folder))   # keyed, checkpointed as in use
    try:
        started = time.perf_counter()
        status = cycles.open_from_decided(table, store=store, pack_id=PACK, as_of=AS_OF, snapshot_id="bench",
                                          run_id="bench-run")
        t_open = time.perf_counter() - started
        started = time.perf_counter()
        batch = publicity.start(status.cycle.id, store=store, by="bench")   # today: a list is never back-dated
        t_publicity = time.perf_counter() - started
        with store.reading() as uow:
            have = uow.audit.head()[0]
        started = time.perf_counter()
        with store.transaction() as uow:
            uow.audit.append(filler(max(0, entries - have)))
            uow.commit()
        t_fill = time.perf_counter() - started
        result = audit.verify_log(store=store)
        assert result.ok, result.problems[:3]
    finally:
        store.close()
        drop()
    counts = ", ".join(f"{k} {v[0]:,}" for k, v in sorted(status.counts.items()))
    fill_rate = max(1, entries - have) / t_fill if t_fill else 0
    return [
        f"{db}: open a cycle of {table.num_rows:,} cases (+ as many audit entries): **{t_open:.1f} s** "
        f"(target ≤ {LIMITS['open']:.0f} s) — {counts}",
        f"{db}: start publicity for {batch.entries:,} cases (one UPDATE + bulk audit): **{t_publicity:.1f} s** "
        f"(target ≤ {LIMITS['publicity']:.0f} s)",
        f"{db}: `audit verify` over {result.entries:,} entries: **{result.seconds:.1f} s** "
        f"(target ≤ {LIMITS['verify']:.0f} s); bulk append ran at {fill_rate:,.0f} entries/s",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    table = decided_table(args.units)
    print(f"synthesised {args.units:,} decisions in {time.perf_counter() - started:.1f} s", flush=True)
    lines = []
    with tempfile.TemporaryDirectory(prefix="wengang-bench-") as tmp:
        for db in args.db:
            got = run(db, table, args.entries, Path(tmp))
            print("\n".join(got), flush=True)
            lines += got
    lines.append(f"peak memory {peak_rss_mb():,.0f} MB; 1-min load average {load_before:.1f} before, "
                 f"{os.getloadavg()[0]:.1f} after (the machine is shared: figures rise with it)")
    record(f"Case lifecycle (bench_cycle.py, {args.units:,} cases)", lines)


if __name__ == "__main__":
    main()
