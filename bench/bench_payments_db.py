"""Payments through the real database path at city scale: batches, approvals, XSD-valid files, bank answers, ledger.

Usage: .venv/bin/python bench/bench_payments_db.py [--units 500000] [--db sqlite postgresql] [--workers N]
       [--profile DIR] [--no-record] [--keep]
Targets (issue #5), on each database: 500,000 payments: batches + XSD-valid files ≤ 30 s; ingest of their status
reports ≤ 30 s.

Setup (not timed): the generated beijing city of bench/common.py, imported once and evaluated once (both cached under
var/bench/payments-store-N), opened as a cycle; then one UPDATE moves every case to re-verified (the cases the rules
found ineligible or under review get a synthetic amount in the same UPDATE, so that every unit is paid) and the units
without an account in the snapshot get a staff-entered account verified by a second person. Accounts are read the
way payments read them: the verified ones from the database, the rest from the snapshot behind the case's run.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil
import pyarrow as pa
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cycle import postgres_database  # noqa: E402
from common import CACHE, city, peak_rss_mb, record  # noqa: E402

from wengang import bootstrap  # noqa: E402
from wengang.adapters.banks.simulator import BankSimulator  # noqa: E402
from wengang.adapters.db.store import SqlStore  # noqa: E402
from wengang.config import Settings  # noqa: E402
from wengang.domain.cases import State  # noqa: E402
from wengang.rules.runs import FROM_SNAPSHOT  # noqa: E402
from wengang.services import cycles, ledger, payments, reconcile  # noqa: E402
from wengang.snapshot import store as snapshots  # noqa: E402

BANK_FILES = bootstrap.banks()   # what writes and reads bank files, as the CLI gets it

PACK, AS_OF = "beijing-2021", dt.date(2021, 6, 30)
LIMITS = {"files": 30.0, "ingest": 30.0}
PREPARER, APPROVERS = "clerk-wang", ("approver-li", "director-zhao")


def evaluated(units: int) -> tuple[str, str]:
    """(snapshot id, run id) of the cached city, imported and evaluated at most once (run in a child process, so
    that the import check's memory does not count in the payments' peak)."""
    from wengang.services.evaluation import evaluate
    from wengang.services.snapshots import import_folder

    settings = store_settings(units)
    imported = import_folder(city(units), analytics=bootstrap.analytics(settings), settings=settings)
    if imported.snapshot is None:
        raise SystemExit(f"import refused: {imported.check.report}")
    snapshot_id = imported.snapshot.id
    con = snapshots.connect(settings.analytics_path)
    try:
        has_runs = con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'decision_runs'").fetchone()
        row = has_runs and con.execute("SELECT id FROM decision_runs WHERE snapshot_id = ? AND pack = ? AND as_of = ? "
                                       "ORDER BY created_at DESC LIMIT 1", [snapshot_id, PACK, AS_OF]).fetchone()
    finally:
        con.close()
    if row:
        return snapshot_id, row[0]
    return snapshot_id, evaluate(snapshot_id, PACK, AS_OF, analytics=bootstrap.analytics(settings),
                                 settings=settings, keep=True).summary.id


def store_settings(units: int) -> Settings:
    return Settings(data_dir=CACHE / f"payments-store-{units}")


def decisions(settings: Settings, snapshot_id: str, run_id: str) -> pa.Table:
    """The decided table of a stored run as the evaluation returned it: a stored run keeps only what it decided,
    the employer's own columns (name, account …) are read back from its snapshot."""
    con = snapshots.connect(settings.analytics_path, read_only=True)
    try:
        stored = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE "
                                            "table_name = 'decisions'").fetchall()}
        back = ", ".join(f"e.{c}" for c in FROM_SNAPSHOT if c not in stored)
        return con.execute(f"SELECT d.* EXCLUDE (run_id){', ' + back if back else ''} FROM decisions d JOIN "
                           f"{snapshots.schema_of(snapshot_id)}.employers e USING (uscc) WHERE d.run_id = ? "
                           "ORDER BY d.uscc", [run_id]).to_arrow_table()
    finally:
        con.close()


class PeakRss:
    """Samples this process's resident memory and its workers' every 20 ms in a thread, while a timed part runs."""

    def __init__(self) -> None:
        self.main = self.worker = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            self.main = max(self.main, me.memory_info().rss)
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    self.worker = max(self.worker, child.memory_info().rss)
            self._stop.wait(0.02)

    def __enter__(self) -> PeakRss:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def missing_accounts(settings: Settings, snapshot_id: str) -> list[str]:
    """Units the snapshot holds no account for (they get one from staff, verified by a second person)."""
    con = snapshots.connect(settings.analytics_path, read_only=True)
    try:
        return [r[0] for r in con.execute(
            f"SELECT uscc FROM {snapshots.schema_of(snapshot_id)}.employers WHERE bank_code IS NULL "
            "OR account_no IS NULL OR account_name IS NULL ORDER BY uscc").fetchall()]
    finally:
        con.close()


def reverified_cycle(store: SqlStore, settings: Settings, snapshot_id: str, run_id: str, decided: pa.Table) -> int:
    """Open the cycle the ordinary way, then every case to re-verified (one UPDATE), payable, with an account."""
    status = cycles.open_from_decided(decided, store=store, pack_id=PACK, as_of=AS_OF, snapshot_id=snapshot_id,
                                      run_id=run_id, by="bench")
    cycle_id = status.cycle.id
    # Money is integer fen on SQLite, NUMERIC(20,2) on PostgreSQL: 100.00 … 20,099.99 yuan where the rules paid 0.
    synthetic = "(10000 + (id * 7919) % 2000000)" + ("" if store.dialect == "sqlite" else " / 100.0")
    with store.transaction() as uow:
        uow.connection.execute(text(
            f"UPDATE cases SET state = :state, reason = :reason, version = version + 1, "
            f"decision = 'eligible', amount = CASE WHEN amount > 0 THEN amount ELSE {synthetic} END "
            f"WHERE cycle_id = :cycle"), {"state": State.REVERIFIED.value, "cycle": cycle_id,
                                          "reason": "基准设置 / benchmark setup: re-verified"})
        now = uow.now()
        for i, uscc in enumerate(missing_accounts(settings, snapshot_id), start=1):
            uow.accounts.add(
                cycle_id=cycle_id, uscc=uscc, bank_code="102100099996", account_no=f"6222{i:015d}",
                account_name=f"补录账户{i}号单位", source="staff", status="active", created_by="clerk-zhou",
                created_at=now, verified_by="checker-sun", verified_at=now, note="bench: 柜面核验")
        uow.commit()
    return cycle_id


def batches_and_files(store: SqlStore, settings: Settings, cycle_id: int, out: Path, workers: int) -> dict:
    """The timed part one: prepare per bank, approve each (four or six eyes), write every bank file."""
    t0 = time.perf_counter()
    prepared = payments.prepare_batches(cycle_id, store=store, analytics=bootstrap.analytics(settings),
                                        settings=settings, by=PREPARER)
    t1 = time.perf_counter()
    for b in prepared.batches:
        done = payments.approve_batch(b.number, store=store, settings=settings, by=APPROVERS[0])
        if done.status != "approved":
            payments.approve_batch(b.number, store=store, settings=settings, by=APPROVERS[1])
    t2 = time.perf_counter()
    written = payments.write_all_files([b.number for b in prepared.batches], store=store, banks=BANK_FILES,
                                       settings=settings, out_dir=out, by=PREPARER, workers=workers)
    t3 = time.perf_counter()
    return {"prepared": prepared, "written": written, "prepare": t1 - t0, "approve": t2 - t1, "files": t3 - t2,
            "total": t3 - t0}


def answer(args: tuple[str, str, int]) -> list[str]:
    """One bank's answer to one file (a worker process): pain.002 (or status CSV), settlement and returns."""
    path, out, seed = args
    a = BankSimulator(seed=seed, reject_share=0.02, return_share=0.005).answer(path, out)
    return [str(f.path) for f in (a.pain002, a.settlement, a.returns) if f is not None]


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (the database server's own is not in it)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measured(folder: Path | None, name: str, fn, rss: PeakRss) -> tuple:
    """(result, wall s, CPU s, highest 1-min load seen at start or end); under cProfile when a folder is given."""
    load, cpu, started = os.getloadavg()[0], cpu_seconds(), time.perf_counter()
    if folder is None:
        with rss:
            result = fn()
    else:
        prof = cProfile.Profile()
        try:
            result = prof.runcall(fn)
        finally:
            folder.mkdir(parents=True, exist_ok=True)
            prof.dump_stats(str(folder / f"{name}.prof"))
    return result, time.perf_counter() - started, cpu_seconds() - cpu, max(load, os.getloadavg()[0])


def run(db: str, setup: tuple, folder: Path, args: argparse.Namespace, rss: PeakRss) -> list[str]:
    settings, snapshot_id, run_id, decided = setup
    url, drop = (f"sqlite:///{folder / 'bench.sqlite'}", lambda: None) if db == "sqlite" else postgres_database()
    settings = settings.model_copy(update={"database_url": url, "audit_anchor_dir": folder / f"{db}-anchors"})
    store = bootstrap.open_store(settings)     # keyed and checkpointed as in use
    out, bank = folder / f"{db}-out", folder / f"{db}-bank"
    profile = Path(args.profile) / db if args.profile else None
    try:
        started = time.perf_counter()
        cycle_id = reverified_cycle(store, settings, snapshot_id, run_id, decided)
        t_setup = time.perf_counter() - started
        print(f"{db}: cycle of {decided.num_rows:,} re-verified cases set up in {t_setup:.1f} s", flush=True)
        one, _, cpu_files, load = measured(profile, "files", lambda: batches_and_files(
            store, settings, cycle_id, out, args.workers), rss)
        written, prepared = one["written"], one["prepared"]
        print(f"{db}: batches + files {one['total']:.1f} s (prepare {one['prepare']:.1f}, approve "
              f"{one['approve']:.1f}, files {one['files']:.1f}; CPU {cpu_files:.1f} s; load {load:.1f})", flush=True)
        started = time.perf_counter()
        with ProcessPoolExecutor(args.workers) as pool:
            answers = [p for got in pool.map(answer, [(str(w.path), str(bank), 2021) for w in written]) for p in got]
        t_bank = time.perf_counter() - started
        results, t_ingest, cpu_ingest, load_ingest = measured(profile, "ingest", lambda: reconcile.ingest(
            [Path(p) for p in answers], store=store, banks=BANK_FILES, settings=settings, by=PREPARER,
            workers=args.workers), rss)
        print(f"{db}: ingest {t_ingest:.1f} s (CPU {cpu_ingest:.1f} s; load {load_ingest:.1f})", flush=True)
        started = time.perf_counter()
        report = ledger.check(store=store)
        t_check = time.perf_counter() - started
        assert report.ok, report.problems[:5]
        total = report.total
        assert total.issued == total.paid + total.returned + total.pending, total
        with store.reading() as uow:
            states = {s: n for s, (n, _) in uow.cases.count_by_state(cycle_id).items()}
            notices = len(uow.notifications.of_kind("payment_failed"))
    finally:
        store.close()
        drop()
    n = sum(b.entries for b in prepared.batches)
    assert n == decided.num_rows and not prepared.skipped, (n, prepared.skipped[:3])
    applied: dict[str, int] = {}
    for r in results:
        for k, v in r.applied.items():
            applied[k] = applied.get(k, 0) + v
    exceptions = sum(len(r.exceptions) for r in results)
    assert exceptions == 0 and notices == applied.get("rejected", 0) + applied.get("returned", 0), (exceptions,
                                                                                                    notices, applied)
    formats = sorted({w.message for w in written})
    size = sum(w.path.stat().st_size for w in written)
    ok = {k: "met" if v <= LIMITS[k] else "MISSED" for k, v in (("files", one["total"]), ("ingest", t_ingest))}
    return [
        f"{db}: {n:,} payments in {len(prepared.batches)} batches ({', '.join(formats)}), {len(prepared.skipped)} "
        f"cases skipped; batches + XSD-valid files: **{one['total']:.1f} s** (target ≤ {LIMITS['files']:.0f} s, "
        f"{ok['files']}) — prepare {one['prepare']:.1f} s, approve {one['approve']:.1f} s, files {one['files']:.1f} s "
        f"({args.workers} worker processes, files {size / 2**20:.0f} MiB); {cpu_files:.1f} s of CPU in this process "
        f"and its workers; 1-min load up to {load:.1f}",
        f"{db}: bank simulator answered {len(written)} files with {len(answers)} files in {t_bank:.1f} s (not timed "
        f"with the rest)",
        f"{db}: ingest of {len(answers)} answer files (pain.002, camt.054 settlement and returns, CSV): "
        f"**{t_ingest:.1f} s** (target ≤ {LIMITS['ingest']:.0f} s, {ok['ingest']}) — applied "
        f"{', '.join(f'{k} {v:,}' for k, v in sorted(applied.items()))}; {exceptions} exceptions; {notices:,} failure "
        f"notices; {cpu_ingest:.1f} s of CPU in this process and its workers; 1-min load up to {load_ingest:.1f}",
        f"{db}: `ledger check` over {report.postings:,} postings: ok in {t_check:.1f} s; issued {total.issued} = paid "
        f"{total.paid} + returned {total.returned} + pending {total.pending}; refunded {total.refunded}; cases "
        f"{', '.join(f'{k} {v:,}' for k, v in sorted(states.items()))}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--profile", metavar="DIR", help="write cProfile stats of the two timed parts here")
    parser.add_argument("--keep", action="store_true", help="keep the database and files in var/bench/payments-db")
    parser.add_argument("--no-record", action="store_true", help="print only; do not append to bench/RESULTS.md")
    parser.add_argument("--setup-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_only:
        print(json.dumps(evaluated(args.units)))
        return
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--units", str(args.units), "--setup-only"], check=True,
                         capture_output=True, text=True).stdout
    snapshot_id, run_id = json.loads(out.strip().splitlines()[-1])
    settings = store_settings(args.units)
    setup = (settings, snapshot_id, run_id, decisions(settings, snapshot_id, run_id))
    print(f"city of {args.units:,} imported and evaluated (cached) in {time.perf_counter() - started:.1f} s; run "
          f"{run_id}", flush=True)
    lines = []
    with tempfile.TemporaryDirectory(prefix="wengang-bench-") as tmp:
        folder = Path(tmp)
        if args.keep:
            folder = CACHE / "payments-db"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        rss = PeakRss()
        for db in args.db:
            got = run(db, setup, folder, args, rss)
            print("\n".join(got), flush=True)
            lines += got
    lines.append(f"setup: the cached generated city imported and evaluated once (beijing-2021, {AS_OF}), opened as a "
                 f"cycle, then every case moved to re-verified with one UPDATE (ineligible and review cases given a "
                 f"synthetic amount so that all pay); units without a snapshot account got a verified staff account")
    lines.append(f"peak RSS while timed: {rss.main / 2**20:,.0f} MB (main process), {rss.worker / 2**20:,.0f} MB "
                 f"(largest worker, forked: shared pages counted); whole run {peak_rss_mb():,.0f} MB main; 1-min load "
                 f"average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (shared machine, 2 CPUs)")
    if args.no_record:
        print("\n".join(lines))
    else:
        record(f"Payments through the database (bench_payments_db.py, {args.units:,} cases)", lines)


if __name__ == "__main__":
    main()
