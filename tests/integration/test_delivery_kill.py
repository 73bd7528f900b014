"""Kill -9 the delivery worker at random points while it tells a city of units their step and texts their contacts
through the real SMS gateway protocol to its simulator, on SQLite and PostgreSQL; restart it each time until it is
done. No phone gets a text twice, every copy reaches the gateway once, and after the receipts every copy is
delivered (or failed, for a number out of service): nothing is lost, nothing is told twice."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.builders import steady_contributions, uscc, write_snapshot
from tests.conftest import AS_OF, PACK
from wengang import bootstrap, messages
from wengang.adapters.channels.simulators.http import LoopbackServer, Request, Response
from wengang.adapters.channels.simulators.sms import SmsGatewaySimulator
from wengang.adapters.channels.sms_gateway import RECEIPT_SIGNATURE_HEADER
from wengang.config import Settings
from wengang.services import cycles, delivery

pytestmark = [pytest.mark.slow]
WORKER = Path(__file__).with_name("delivery_worker.py")
UNITS = 2000                    # each named a legal representative; every third a specialist too (some opted out)
KILLS = 10
RATE = 2500                     # texts a second the worker may send: a whole run lasts long enough to be killed
SEED = int(os.environ.get("WENGANG_FAULT_SEED", "20261209"))
KEY_ID, KEY_SECRET, CALLBACK_SECRET = "wengang-kill", secrets.token_hex(8), secrets.token_hex(8)
OUT_OF_SERVICE = {"13700000007", "13700000011"}
READY_SECONDS = 60


def phone(n: int, role: int) -> str:
    return f"13{7 + role}{n:08d}"


def contacts() -> list[dict]:
    rows = []
    for n in range(1, UNITS + 1):
        rows.append({"uscc": uscc(n, "91110108"), "role": "legal_representative", "name": f"法人{n}",
                     "phone": phone(n, 0), "email": f"boss{n}@unit.example.cn" if n % 5 == 0 else ""})
        if n % 3 == 0:
            rows.append({"uscc": uscc(n, "91110108"), "role": "hr_specialist", "name": f"专办员{n}",
                         "phone": phone(n, 1), "sms_opt_out": "true" if n % 9 == 0 else "false"})
    return rows


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> dict:
    """UNITS payable employers with their contacts, imported and evaluated once for both databases."""
    from wengang.services import evaluation
    from wengang.services.snapshots import import_folder

    root = tmp_path_factory.mktemp("killcity")
    employers = [{"uscc": uscc(n, "91110108"), "name": f"投递测试{n}号有限公司", "industry": "other",
                  "employees": "50", "bank_code": "102100099996", "account_no": f"62220202{n:08d}",
                  "account_name": f"投递测试{n}号有限公司"} for n in range(1, UNITS + 1)]
    folder = write_snapshot(root / "city", employers=employers, flags=[], contacts=contacts(),
                            contributions=[r for n in range(1, UNITS + 1)
                                           for r in steady_contributions(uscc(n, "91110108"))])
    settings = Settings(data_dir=root / "var")
    snapshot = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings).snapshot.id
    run = evaluation.evaluate(snapshot, PACK, AS_OF, analytics=bootstrap.analytics(settings), settings=settings)
    texted = {c["phone"] for c in contacts() if c.get("sms_opt_out") != "true"}
    return {"settings": settings, "snapshot": snapshot, "run": run, "texted": texted,
            "pycache": tmp_path_factory.mktemp("pycache")}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def settings(request, city, tmp_path):
    """A fresh database with the city's cycle opened (every unit has "identified" to be told), the clock at 10:00
    Beijing time today (outside the quiet hours)."""
    url, drop = f"sqlite:///{tmp_path / 'wengang.sqlite'}", None
    if request.param == "postgresql":
        admin = create_engine(request.getfixturevalue("postgres_admin_url"), isolation_level="AUTOCOMMIT")
        name = f"wengang_kill_{secrets.token_hex(4)}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = make_url(admin.url).set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    morning = dt.datetime.combine(dt.date.today(), dt.time(2, 0))
    found = city["settings"].model_copy(update={
        "database_url": url, "audit_anchor_dir": tmp_path / "anchors", "clock_start": morning,
        "sms_access_key_id": KEY_ID, "sms_access_key_secret": SecretStr(KEY_SECRET),
        "sms_callback_secret": SecretStr(CALLBACK_SECRET)})
    store = bootstrap.open_store(found)
    run = city["run"]
    cycles.open_from_decided(run.decided, store=store, pack_id=PACK, as_of=AS_OF,
                             snapshot_id=run.summary.snapshot_id, run_id=run.summary.id, by="clerk")
    store.close()
    yield found
    if drop is not None:
        drop()


class Gateway:
    """The SMS gateway simulator, in the test's process (it never dies with the worker). Told to, it SIGKILLs the
    worker right after taking the worker's n-th request and before answering it: the worker never learns that
    those messages were taken. Its receipts go to `callback` once released."""

    def __init__(self, folder: Path, callback: str):
        texts = {messages.SMS_TEMPLATES[e]: messages.operator_template(e) for e in messages.EVENTS}
        self.sim = SmsGatewaySimulator(folder / "sms.jsonl", access_keys={KEY_ID: KEY_SECRET}, templates=texts,
                                       callback_url=callback, callback_secret=CALLBACK_SECRET.encode(),
                                       not_in_service=OUT_OF_SERVICE)
        self.victim: int | None = None
        self.countdown: int | None = None
        self.killed_after_taking = 0
        real = self.sim.handle

        def handle(request: Request) -> Response:
            answer = real(request)
            if self.countdown is not None and request.path == "/" and answer.status == 200:
                self.countdown -= 1
                if self.countdown == 0 and self.victim is not None:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(self.victim, signal.SIGKILL)
                    self.killed_after_taking += 1
                    self.countdown = None
            return answer

        self.sim.handle = handle                # type: ignore[method-assign]  # served from start() on
        self.url = self.sim.start()
        self.sim.hold_receipts()                # the receipts route is down until the worker is done


def receipts_route(settings: Settings) -> LoopbackServer:
    """Where the gateway posts its receipts: the receipt route's two steps (check the signature, apply them)."""
    store = bootstrap.open_store(settings)
    lock = threading.Lock()

    def app(request: Request) -> Response:
        found = bootstrap.sms_receipts(request.body, request.headers.get(RECEIPT_SIGNATURE_HEADER.lower(), ""),
                                       settings)
        if found is None:
            return Response(403)
        with lock:
            delivery.apply_receipts(found, store=store)
        return Response(200, b'{"code": 0}')

    server = LoopbackServer(app).start()
    server.store = store                        # type: ignore[attr-defined]  # closed with it
    return server


def start_worker(settings: Settings, gateway: Gateway, began: float, pycache: Path) -> subprocess.Popen:
    """The worker, its clock running on from where the last one's stood (a demo clock starts afresh in each
    process: a restart would find the copies the last run fanned out not due yet). Its compiled modules are kept
    in `pycache`, outside the source tree, so that a restart does not compile them again."""
    assert settings.clock_start is not None
    clock = settings.clock_start + dt.timedelta(seconds=time.monotonic() - began)
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
           "PYTHONPYCACHEPREFIX": str(pycache), "WENGANG_DATABASE_URL": settings.operational_url, "WENGANG_DATA_DIR": str(settings.data_dir),
           "WENGANG_AUDIT_ANCHOR_DIR": str(settings.audit_anchor_path), "WENGANG_SMS_URL": gateway.url,
           "WENGANG_SMS_ACCESS_KEY_ID": KEY_ID, "WENGANG_SMS_RATE": str(RATE), "WENGANG_SMS_ACCESS_KEY_SECRET": KEY_SECRET,
           "WENGANG_CLOCK_START": clock.isoformat(), "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, str(WORKER)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line == "started", f"the worker did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}"
    return proc


def test_a_worker_killed_at_random_points_and_restarted_texts_every_contact_once(settings, city, tmp_path):
    rng, began = random.Random(SEED), time.monotonic()
    route = receipts_route(settings)
    gateway = Gateway(tmp_path, f"{route.url}/receipts")
    kills: list[str] = []
    try:
        for n in range(KILLS + 1):
            worker = start_worker(settings, gateway, began, city["pycache"])
            if n < KILLS and rng.random() < 0.5:        # right after the gateway took a request, before the answer
                gateway.victim, gateway.countdown = worker.pid, rng.randint(1, 5)
                plan = f"after request {gateway.countdown}"
            elif n < KILLS:                             # at a random moment: telling, fanning out or sending
                plan = f"at {rng.uniform(0.02, 0.5):.2f} s"
                with contextlib.suppress(subprocess.TimeoutExpired):
                    worker.wait(float(plan.split()[1]))
                if worker.poll() is None:
                    worker.send_signal(signal.SIGKILL)
            else:
                plan = "never"
            code = worker.wait(READY_SECONDS)
            gateway.countdown = None
            kills.append(f"{plan}: exit {code}")
            if code == 0:
                break
            assert code == -signal.SIGKILL, f"the worker failed: {worker.stderr.read() if worker.stderr else ''}"
        assert code == 0 and sum(k.endswith(f"exit {-signal.SIGKILL}") for k in kills) >= KILLS // 2, kills

        with route.store.reading() as uow:      # type: ignore[attr-defined]
            conn = uow.connection
            sms = dict(conn.execute(text("SELECT key, recipient FROM deliveries WHERE channel = 'sms'")).all())
            pending = conn.execute(text("SELECT count(*) FROM deliveries WHERE status = 'pending' AND "
                                        "channel = 'sms'")).scalar_one()
            told = conn.execute(text("SELECT case_id, count(*) FROM notifications GROUP BY case_id")).all()
        logged = gateway.sim.messages()
        # Every contact who takes texts got one, and nobody two: each key and each phone once in the gateway's log.
        assert Counter(m["phone"] for m in logged).most_common(1)[0][1] == 1
        assert {m["phone"] for m in logged} == city["texted"] == set(sms.values())
        assert sorted(m["out_id"] for m in logged) == sorted(sms) and pending == 0
        assert len(told) == UNITS and {count for _, count in told} == {1}            # each unit told its step once
        # The kills landed where it matters: messages taken whose answer the worker never heard were handed
        # again, under the same keys, and the gateway did not text them twice.
        assert gateway.killed_after_taking >= 1 and gateway.sim.resent >= gateway.killed_after_taking, kills

        gateway.sim.release_receipts()
        assert gateway.sim.flush_receipts(timeout=30)
        with route.store.reading() as uow:      # type: ignore[attr-defined]
            counts = uow.deliveries.counts()
        assert counts.get(("sms", "delivered"), 0) == len(sms) - len(OUT_OF_SERVICE)
        assert counts.get(("sms", "failed"), 0) == len(OUT_OF_SERVICE) and ("sms", "sent") not in counts
    finally:
        gateway.sim.stop()
        route.stop()
        route.store.close()                     # type: ignore[attr-defined]
