"""Fault injection on PostgreSQL: kill the payment run at random points, restart it, and nobody is paid twice."""

from __future__ import annotations

import random
import secrets
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url

from tests.paycity import PAY_UNITS, reverified_cycle
from wengang import bootstrap
from wengang.adapters.banks.simulator import BankSimulator
from wengang.config import Settings
from wengang.domain.errors import Refused
from wengang.domain.payments import parse_end_to_end_id
from wengang.services import ledger, payments, reconcile

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
TRIALS = 50


class Crash(BaseException):
    """The process dies here (BaseException: no `except Exception` in the code under test may swallow it)."""


class Killer:
    """Counts kill points (every SQL statement, every step between files and the bank) and dies at the k-th."""

    def __init__(self, at: int | None):
        self.at, self.seen = at, 0

    def point(self, *_args) -> None:
        self.seen += 1
        if self.at is not None and self.seen == self.at:
            raise Crash(f"killed at point {self.at}")


def run_payments(store, settings: Settings, cycle_id: int, bank: BankSimulator, root: Path, kill: Killer,
                 resend: bool = False) -> None:
    """The whole payment run as an operator would restart it: every step safe to repeat; after a crash the
    operator cannot know which files reached the bank, so every file is sent again (`resend`)."""
    payments.prepare_batches(cycle_id, store=store, settings=settings, by="clerk")
    for b in payments.list_batches(store=store, cycle_id=cycle_id):
        if b["status"] == "prepared":
            payments.approve_batch(b["number"], store=store, settings=settings, by="approver")
    for b in payments.list_batches(store=store, cycle_id=cycle_id):
        written = payments.write_files(b["number"], store=store, settings=settings, out_dir=root / "out", by="clerk")
        kill.point()                                   # file on disk (and maybe recorded), not yet at the bank
        if resend or not any((root / "bank").rglob(f"{b['number']}.*")):
            sends = len(list((root / "bank").glob("send-*")))
            bank.answer(written.path, root / "bank" / f"send-{sends + 1}")   # a resend gets its own answers
            kill.point()                               # the bank has answered; we have read nothing yet
    answers = sorted((root / "bank").rglob("*.*"), key=lambda p: ("returns" in p.name, "camt" in p.name, str(p)))
    for path in answers:
        reconcile.ingest([path], store=store, settings=settings, by="clerk")
        kill.point()


@pytest.fixture(scope="module")
def template(postgres_admin_url, pay_city):
    """A database holding a re-verified cycle of 30 units, cloned for every trial (CREATE DATABASE … TEMPLATE)."""
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    name = f"wengang_fault_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    settings = Settings(data_dir=pay_city["data_dir"], database_url=url)
    store = bootstrap.open_store(settings)
    cycle_id = reverified_cycle(store, settings, pay_city)
    store.close()
    yield {"admin": admin, "name": name, "cycle": cycle_id, "data_dir": pay_city["data_dir"]}
    with admin.connect() as conn:
        for db in [r[0] for r in conn.exec_driver_sql(
                f"SELECT datname FROM pg_database WHERE datname LIKE '{name}%%'")]:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    admin.dispose()


def trial_store(template, n: int, kill: Killer):
    name = f"{template['name']}_t{n}"
    with template["admin"].connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template["name"]}"')
    url = template["admin"].url.set(database=name).render_as_string(hide_password=False)
    settings = Settings(data_dir=template["data_dir"], database_url=url)
    store = bootstrap.open_store(settings)
    event.listen(store.engine, "before_cursor_execute", kill.point)
    return store, settings


def outcome(store, settings, template, bank, root, kill) -> dict:
    """Run to the end (restarting once after the kill), then everything a payment run must guarantee."""
    crashed = False
    try:
        run_payments(store, settings, template["cycle"], bank, root, kill)
        kill.at = None                                 # this run had fewer points than the draw: it simply finished
    except Crash:
        crashed = True
        store.close()                                  # the process is gone: its connections and transactions too
        store = bootstrap.open_store(settings)
        run_payments(store, settings, template["cycle"], bank, root, Killer(None), resend=True)
    report = ledger.check(store=store)
    with store.reading() as uow:
        counts = {s: n for s, (n, _) in uow.cases.count_by_state(template["cycle"]).items()}
        paid = {a.end_to_end_id: a for a in uow.payments.attempts(status="paid")}
    store.close()
    return {"report": report, "counts": counts, "paid": paid, "crashed": crashed}


def test_fifty_random_kills_never_pay_a_case_twice_and_the_books_balance(template, tmp_path):
    clean = Killer(None)
    store, settings = trial_store(template, 0, clean)
    bank0 = BankSimulator(seed=0, reject_share=0.15, return_share=0.1)
    first = outcome(store, settings, template, bank0, tmp_path / "t0", clean)
    points = clean.seen
    assert points > 100 and first["report"].ok
    rng = random.Random(20261121)
    killed_where = []
    for n in range(1, TRIALS + 1):
        kill = Killer(rng.randint(1, points))
        bank = BankSimulator(seed=n, reject_share=0.15, return_share=0.1)
        store, settings = trial_store(template, n, kill)
        got = outcome(store, settings, template, bank, tmp_path / f"t{n}", kill)
        killed_where.append(kill.at if got["crashed"] else None)
        report = got["report"]
        assert report.ok, (n, kill.at, report.problems)
        assert sum(got["counts"].values()) == PAY_UNITS
        assert set(got["counts"]) <= {"paid", "failed"}, (n, kill.at, got["counts"])
        # the bank's side: it paid each case at most once, and exactly the attempts we hold as paid
        kept = {e for e in bank.remembered()["paid"] if bank.fate(e).fate == "paid"}
        cases = [parse_end_to_end_id(e)[0] for e in kept]
        assert len(cases) == len(set(cases)), (n, kill.at)
        assert kept == set(got["paid"]), (n, kill.at)
        assert report.total.paid == sum(a.amount for a in got["paid"].values())
        assert report.total.issued == report.total.paid + report.total.returned + report.total.pending
    assert len(set(killed_where) - {None}) > TRIALS * 0.6   # the kills really happened, spread over the run


def test_a_batch_cannot_be_approved_twice_after_a_crash(template, tmp_path):
    kill = Killer(None)
    store, settings = trial_store(template, 99, kill)
    [batch, *_] = payments.prepare_batches(template["cycle"], store=store, settings=settings, by="clerk").batches
    payments.approve_batch(batch["number"], store=store, settings=settings, by="approver")
    with pytest.raises(Refused, match="not waiting for approval"):
        payments.approve_batch(batch["number"], store=store, settings=settings, by="approver-2")
    assert ledger.check(store=store).postings == batch["entries"]
    store.close()
