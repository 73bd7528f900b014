"""Step messages at city scale (issue 16): told, rendered, queued, fanned out and handed to the SMS gateway over HTTP,
then every receipt back, on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/bench_messages.py [--units 500000] [--db sqlite postgresql] [--profile DIR]
       [--no-record]
Target (issue 16), on each database: 500,000 step messages rendered, queued and delivered to the SMS simulator
≤ 60 s (out); their receipts applied ≤ 60 s (back).

Setup (not timed, cached): the generated beijing city of bench/common.py (its `contacts` file: 1 to 3 people a unit,
none for one in twelve, some with e-mail or WeChat, 3 % who turned texts off), imported and evaluated once (the cache
bench_payments_db.py keeps under var/bench/payments-store-N); then, in a fresh database, the cycle opened from that
run the ordinary way (`cycles.open_from_decided`): one `case_opened` audit entry per case, so every identified case
has "identified" to be told and every case under review "application_needed". At 500,000 units that is ≈ 350,000
step messages and ≈ 490,000 SMS copies (the e-mail and WeChat copies are fanned out too, and left pending: no sender
is given for them).

What is timed, in this process, with the clock at 10:00 Beijing (outside the SMS quiet hours):
- out: `tell.tell` given the units' contacts, as the worker tells (read the audit log, render each message from its
  Jinja2 template, queue it already fanned out: one delivery per contact × channel, contacts read from DuckDB, in
  the same transaction) + `delivery.fan_out` (what is left: nothing here) + `delivery.send_due` over the SMS
  channel through the real `SmsGatewaySender` (signed JSON requests, SendBatchSms of 100, several in flight) to a real
  `SmsGatewaySimulator` on loopback, until no SMS copy is due. Its CPU seconds are given for this process and, on
  PostgreSQL, for the server's backends of the bench's database (the other half of the work). The simulator runs in a process of its own (the
  operator's gateway is another machine's work, not ours) and holds its receipts meanwhile.
- back: the simulator releases its receipts; it posts them, signed, 1,000 a post, to the real receipt route
  (`POST /api/v1/channels/sms/receipts` of `uvicorn wengang.web.asgi:make`, one worker process on the same
  database), which checks each post's signature and applies it with `delivery.apply_receipts`; timed until the
  route has taken every one (then every SMS copy is checked to be delivered).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil
from pydantic import SecretStr
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cycle import PG_ADMIN, postgres_database  # noqa: E402
from bench_payments_db import AS_OF, PACK, PeakRss, decisions, measured, store_settings  # noqa: E402
from common import peak_rss_mb, record, serve_web  # noqa: E402

from wengang import bootstrap, messages  # noqa: E402
from wengang.adapters.channels.simulators.sms import SmsGatewaySimulator  # noqa: E402
from wengang.adapters.channels.sms_gateway import SmsGatewaySender  # noqa: E402
from wengang.config import Settings  # noqa: E402
from wengang.services import cycles, delivery, tell  # noqa: E402

LIMIT = 60.0
KEY_ID, SIGN = "wengang-bench", "稳岗返还"
# Made once per run, inherited by the gateway's process.
KEY_SECRET = os.environ.setdefault("WENGANG_BENCH_SMS_KEY_SECRET", secrets.token_hex(16))
CALLBACK_SECRET = os.environ.setdefault("WENGANG_BENCH_SMS_CALLBACK_SECRET", secrets.token_hex(16))


def morning() -> dt.datetime:
    """Today 10:00 Beijing (02:00 UTC): the clock the run starts at, far from the SMS quiet hours."""
    return dt.datetime.combine(dt.date.today(), dt.time(2, 0))


def serve(settings: Settings, port: int) -> subprocess.Popen:
    """The web app as its own uvicorn process on this store (as `wengang serve` runs it); returns once it answers."""
    return serve_web({"WENGANG_DATABASE_URL": settings.database_url, "WENGANG_DATA_DIR": str(settings.data_dir),
                      "WENGANG_AUDIT_ANCHOR_DIR": str(settings.audit_anchor_path),
                      "WENGANG_SMS_CALLBACK_SECRET": CALLBACK_SECRET,
                      "WENGANG_CLOCK_START": settings.clock_start.isoformat(), "WENGANG_WEB_COOKIE_SECURE": "false"},
                     port)


class Gateway:
    """The SMS simulator in a process of its own (as the operator's gateway is on another machine), driven by lines
    on its stdin: it holds its receipts until told to post them."""

    def __init__(self, folder: Path, callback: str):
        self.log = folder / "sms.jsonl"
        self.proc = subprocess.Popen([sys.executable, __file__, "--gateway", str(self.log), callback],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()

    def ask(self, command: str) -> str:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def messages(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(60)


def gateway_process(log: Path, callback: str) -> None:
    """--gateway: serve until stdin closes; `release` posts the receipts held and answers once all are taken."""
    texts = {messages.SMS_TEMPLATES[e]: messages.operator_template(e) for e in messages.EVENTS}
    sim = SmsGatewaySimulator(log, access_keys={KEY_ID: KEY_SECRET}, templates=texts, sign_names=(SIGN,),
                              callback_url=callback, callback_secret=CALLBACK_SECRET.encode())
    print(sim.start(), flush=True)
    sim.hold_receipts()
    for line in sys.stdin:
        if line.strip() == "release":
            sim.release_receipts()
            flushed = sim.flush_receipts(timeout=3600)
            print(json.dumps([flushed, sim.pusher.attempts, sim.pusher.failures]), flush=True)
    sim.stop()


class ServerCpu:
    """CPU seconds spent by the PostgreSQL backends serving one database (summed over those connected at the end;
    a backend connected at the start counts from there): the database's share of the work, which this process's
    CPU time leaves out. Zero for SQLite (it works inside this process)."""

    def __init__(self, url: str):
        self.name = None if url.startswith("sqlite") else url.rsplit("/", 1)[1]
        self.admin = None if self.name is None else create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")

    def seconds(self) -> dict[int, float]:
        if self.admin is None:
            return {}
        with self.admin.connect() as conn:
            pids = [r[0] for r in conn.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE datname = %(d)s",
                                                       {"d": self.name})]
        found = {}
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(pid).cpu_times()
                found[pid] = times.user + times.system
        return found

    def around(self, fn):
        """fn's result and the CPU seconds the database's backends spent meanwhile."""
        before = self.seconds()
        result = fn()
        return result, sum(v - before.get(pid, 0.0) for pid, v in self.seconds().items())

    def close(self) -> None:
        if self.admin is not None:
            self.admin.dispose()


def out(store, settings: Settings, sender: SmsGatewaySender) -> dict:
    """Tell, fan out, hand every SMS copy over; each part's seconds."""
    t0 = time.perf_counter()
    analytics = bootstrap.analytics(settings)
    told = tell.tell(store=store, settings=settings, analytics=analytics)
    t1 = time.perf_counter()
    fanned = told.copies + delivery.fan_out(store=store, analytics=analytics)
    t2 = time.perf_counter()
    sent: Counter[str] = Counter()
    while True:
        done = delivery.send_due(store=store, senders={"sms": sender}, budget=3600.0)
        for tally in (done.sent, done.failed, done.retried):
            sent.update({f"{k}:{'sent' if tally is done.sent else 'failed' if tally is done.failed else 'retry'}": v
                         for k, v in tally.items()})
        if done.held:
            raise SystemExit("quiet hours: the clock is wrong")
        if not done.handed and not done.failed and not done.retried:
            break
    t3 = time.perf_counter()
    return {"told": told, "fanned": fanned, "sent": sent, "tell": t1 - t0, "fan": t2 - t1, "send": t3 - t2,
            "total": t3 - t0}


def run(db: str, setup: tuple, folder: Path, args: argparse.Namespace, rss: PeakRss) -> list[str]:
    cached, snapshot_id, run_id, decided = setup
    url, drop = (f"sqlite:///{folder / f'{db}.sqlite'}", lambda: None) if db == "sqlite" else postgres_database()
    settings = cached.model_copy(update={
        "database_url": url, "audit_anchor_dir": folder / f"{db}-anchors", "clock_start": morning(),
        "sms_callback_secret": SecretStr(CALLBACK_SECRET)})
    store = bootstrap.open_store(settings)
    profile = Path(args.profile) / db if args.profile else None
    port = 8100 + os.getpid() % 700
    server = sim = None
    db_cpu = ServerCpu(url)
    try:
        started = time.perf_counter()
        cycles.open_from_decided(decided, store=store, pack_id=PACK, as_of=AS_OF, snapshot_id=snapshot_id,
                                          run_id=run_id, by="bench")
        print(f"{db}: cycle of {decided.num_rows:,} cases opened in {time.perf_counter() - started:.1f} s (setup)",
              flush=True)
        server = serve(settings, port)
        (folder / db).mkdir(exist_ok=True)
        sim = Gateway(folder / db, f"http://127.0.0.1:{port}/api/v1/channels/sms/receipts")
        with SmsGatewaySender(sim.url, KEY_ID, KEY_SECRET, SIGN, messages.SMS_TEMPLATES) as sender:
            (went, srv_out), t_out, cpu_out, load_out = measured(
                profile, "out", lambda: db_cpu.around(lambda: out(store, settings, sender)), rss)
        print(f"{db}: out {t_out:.1f} s (tell {went['tell']:.1f}, fan-out {went['fan']:.1f}, send "
              f"{went['send']:.1f}; CPU {cpu_out:.1f} s here, {srv_out:.1f} s in the database's server; load "
              f"{load_out:.1f}); {dict(went['sent'])}", flush=True)
        sms = went["sent"]["sms:sent"]
        (flushed, posts, failures), t_back, cpu_back, load_back = measured(
            profile, "back", lambda: json.loads(sim.ask("release")), rss)
        with store.reading() as uow:
            counts = uow.deliveries.counts()
        print(f"{db}: back {t_back:.1f} s ({posts} posts, {failures} refused; load {load_back:.1f}); {counts}",
              flush=True)
        logged = sim.messages()
    finally:
        if sim is not None:
            sim.stop()
        if server is not None:
            server.terminate()
            server.wait(30)
        store.close()
        db_cpu.close()
        drop()
    keys = Counter(m["out_id"] for m in logged)
    assert flushed and len(logged) == sms and len(keys) == sms, (flushed, len(logged), len(keys), sms)
    delivered = counts.get(("sms", "delivered"), 0) + counts.get(("sms", "failed"), 0)
    assert delivered == sms and not counts.get(("sms", "sent")) and not counts.get(("sms", "pending")), counts
    told = went["told"]
    rate_out, rate_back = sms / went["total"], sms / t_back
    verdict = {k: "met" if v <= LIMIT else "MISSED" for k, v in (("out", went["total"]), ("back", t_back))}
    return [
        f"{db}: {decided.num_rows:,} cases opened; "
        f"{told.total:,} step messages told ({', '.join(f'{k} {v:,}' for k, v in sorted(told.queued.items()))}), "
        f"{went['fanned']:,} copies fanned out ({sms:,} SMS, the rest e-mail and WeChat left pending)",
        f"{db}: **out {went['total']:.1f} s** (target ≤ {LIMIT:.0f} s, {verdict['out']}) — tell (render, queue, fan out) "
        f"{went['tell']:.1f} s, fan-out of the rest {went['fan']:.1f} s, send_due over HTTP to the simulator "
        f"{went['send']:.1f} s; {rate_out:,.0f} SMS/s; {cpu_out:.1f} s of CPU in this process"
        f"{f', {srv_out:.1f} s in the PostgreSQL backends of its database' if db == 'postgresql' else ''}; "
        f"1-min load up to {load_out:.1f}",
        f"{db}: **back {t_back:.1f} s** (target ≤ {LIMIT:.0f} s, {verdict['back']}) — {sms:,} receipts posted "
        f"signed to the receipt route in {posts:,} posts ({failures} refused or failed), applied by "
        f"`delivery.apply_receipts`; {rate_back:,.0f} receipts/s; every SMS copy then delivered "
        f"({counts.get(('sms', 'delivered'), 0):,}) or failed ({counts.get(('sms', 'failed'), 0):,}); the "
        f"simulator's log holds {len(logged):,} texts, each idempotency key once; 1-min load up to {load_back:.1f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--profile", metavar="DIR", help="write cProfile stats of the two timed parts here")
    parser.add_argument("--no-record", action="store_true", help="print only; do not append to bench/RESULTS.md")
    parser.add_argument("--gateway", nargs=2, metavar=("LOG", "CALLBACK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.gateway:
        gateway_process(Path(args.gateway[0]), args.gateway[1])
        return
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    payments_bench = str(Path(__file__).with_name("bench_payments_db.py"))
    got = subprocess.run([sys.executable, payments_bench, "--units", str(args.units), "--setup-only"], check=True,
                         capture_output=True, text=True).stdout
    snapshot_id, run_id = json.loads(got.strip().splitlines()[-1])
    cached = store_settings(args.units)
    setup = (cached, snapshot_id, run_id, decisions(cached, snapshot_id, run_id))
    print(f"city of {args.units:,} imported and evaluated (cached) in {time.perf_counter() - started:.1f} s; run "
          f"{run_id}", flush=True)
    lines = []
    rss = PeakRss()
    with tempfile.TemporaryDirectory(prefix="wengang-bench-") as tmp:
        for db in args.db:
            got_lines = run(db, setup, Path(tmp), args, rss)
            print("\n".join(got_lines), flush=True)
            lines += got_lines
    lines.append(f"setup: the cached generated city (its contacts file) imported and evaluated once ({PACK}, "
                 f"{AS_OF}), the cycle opened from that run in a fresh database; the simulator ran in a process of "
                 f"its own and held its receipts until out was done")
    lines.append(f"peak RSS while timed: {rss.main / 2**20:,.0f} MB (this process), "
                 f"{rss.worker / 2**20:,.0f} MB (largest of the web server and the simulator); whole run {peak_rss_mb():,.0f} MB; 1-min load "
                 f"average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (shared machine, 2 CPUs)")
    if args.no_record:
        print("\n".join(lines))
    else:
        record(f"Step messages out and back (bench_messages.py, {args.units:,} units)", lines)


if __name__ == "__main__":
    main()
