"""Kill -9 the payment run of a city of thousands, at random moments and inside its bulk statements, on SQLite and
PostgreSQL; restart it each time; the books balance, the audit chain holds, and nobody is paid twice."""

from __future__ import annotations

import os
import random
import resource
import secrets
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from tests.conftest import AS_OF, PACK
from tests.integration.fault_harness import Plan, Runs, Trial, books
from tests.paycity import write_pay_city
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.audit import Entry
from wengang.domain.errors import Refused
from wengang.domain.payments import parse_end_to_end_id
from wengang.services import cycles, ledger, payments

pytestmark = [pytest.mark.slow]
UNITS = 4000                    # payable employers: four banks' files of 400 to 1,600 payments
KILLS = 50                      # at least, per database
MAX_TRIALS = 60
SEED = int(os.environ.get("WENGANG_FAULT_SEED", "20261203"))
STATUS_OF = {"paid": "paid", "rejected": "rejected", "returned": "returned"}      # the bank's fate → our attempt
CASE_OF = {"paid": "paid", "rejected": "failed", "returned": "failed"}
CASE, TO_STATE = Entry._fields.index("case_id"), Entry._fields.index("to_state")     # in an audit row


@pytest.fixture(scope="module")
def big_city(tmp_path_factory) -> dict:
    """The city imported and evaluated once for both databases."""
    from wengang.services import evaluation
    from wengang.services.snapshots import import_folder

    root = tmp_path_factory.mktemp("faultcity")
    settings = Settings(data_dir=root / "var")
    snapshot = import_folder(write_pay_city(root / "city", UNITS), analytics=bootstrap.analytics(settings),
                             settings=settings).snapshot.id
    return {"data_dir": root / "var", "snapshot": snapshot,
            "run": evaluation.evaluate(snapshot, PACK, AS_OF, analytics=bootstrap.analytics(settings),
                                       settings=settings)}


@dataclass
class Template:
    """A re-verified cycle of the city in one database, with its data folder; copied for every trial."""

    folder: Path
    cycle_id: int
    admin: object | None = None           # PostgreSQL: the server, to clone the template database
    database: str | None = None

    def trial(self, n: int, root: Path) -> Trial:
        """A copy of the data folder and the database (a file copy, or CREATE DATABASE … TEMPLATE)."""
        shutil.copytree(self.folder, root / "var")
        url = None
        if self.admin is not None:
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{self.database}_t{n}" TEMPLATE "{self.database}"')
            url = self.admin.url.set(database=f"{self.database}_t{n}").render_as_string(hide_password=False)
        return Trial(n, Settings(data_dir=root / "var", database_url=url), self.cycle_id, root, SEED + n)

    def drop(self, n: int) -> None:
        if self.admin is not None:
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.database}_t{n}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def template(request, big_city, tmp_path_factory):
    from tests.paycity import reverified_cycle

    folder = tmp_path_factory.mktemp(f"fault-{request.param}") / "var"
    shutil.copytree(big_city["data_dir"], folder)
    admin = name = url = None
    if request.param == "postgresql":
        admin = create_engine(request.getfixturevalue("postgres_admin_url"), isolation_level="AUTOCOMMIT")
        name = f"wengang_fault_{secrets.token_hex(4)}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    settings = Settings(data_dir=folder, database_url=url)
    store = bootstrap.open_store(settings)
    cycle_id = reverified_cycle(store, settings, {**big_city, "data_dir": folder})
    store.close()
    yield Template(folder, cycle_id, admin, name)
    if admin is not None:
        with admin.connect() as conn:
            for (db,) in conn.exec_driver_sql(f"SELECT datname FROM pg_database WHERE datname LIKE '{name}%%'"):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.dispose()


Next = Callable[[list[Trial]], tuple[int, list[Plan]] | None]      # the trials so far → the next one's plans


def campaign(template: Template, root: Path, runs: Runs, schedule: Next) -> list[Trial]:
    """Each trial's runs in turn on its own copy of the template: `ledger check` and `audit verify` after every kill
    (on what the restart starts from), and everything a user relies on at the end."""
    trials: list[Trial] = []
    while (upcoming := schedule(trials)) is not None:
        n, plans = upcoming
        trial = template.trial(n, root / f"t{n}")
        trials.append(trial)
        for plan in plans:
            kill = trial.drive(runs, plan)
            if kill is not None:
                report, verification = books(trial.settings)
                assert report.ok, f"seed {SEED}, {kill}: ledger check: {report.problems[:5]}"
                assert verification.ok, f"seed {SEED}, {kill}: audit verify: {verification.problems[:5]}"
        settled(trial)
        template.drop(n)
    return trials


def settled(trial: Trial) -> None:
    """What a user relies on once the run is through: every case paid or failed exactly as the bank decided, each
    once, the books balanced to the fen and equal to the bank's outcomes, the audit chain intact."""
    report, verification = books(trial.settings)
    where = f"seed {SEED}, trial {trial.number}, kills {[str(k) for k in trial.kills]}"
    assert report.ok, (where, report.problems[:5])
    assert verification.ok, (where, verification.problems[:5])
    store = bootstrap.open_store(trial.settings)
    try:
        with store.reading() as uow:
            attempts = uow.payments.attempts()
            twice = uow.payments.cases_paid_twice()
            told = {}                                   # case → the state its audit trail last took it to
            for row in uow.audit.entries():
                if row[CASE] is not None and row[TO_STATE] is not None:
                    told[row[CASE]] = row[TO_STATE]
        state = {c.id: c.state.value for s in ("paid", "failed")
                 for c in cycles.cases(trial.cycle_id, store=store, state=s, limit=UNITS + 1)}
        counts = cycles.status(trial.cycle_id, store=store).counts
    finally:
        store.close()
    decided = trial.bank.decided
    assert twice == [], where
    assert sum(n for n, _ in counts.values()) == UNITS and set(counts) == {"paid", "failed"}, (where, counts)
    assert len(attempts) == UNITS == len({a.case_id for a in attempts}), where       # one payment per case
    assert {a.end_to_end_id for a in attempts} == set(decided), where                # every one reached the bank
    wrong = [(a.end_to_end_id, a.status, state.get(a.case_id), decided[a.end_to_end_id].fate) for a in attempts
             if (a.status, state.get(a.case_id)) != (STATUS_OF[decided[a.end_to_end_id].fate],
                                                      CASE_OF[decided[a.end_to_end_id].fate])]
    assert wrong == [], (where, wrong[:5])
    assert {c: told.get(c) for c in state} == state, where                       # every move has its entry
    bank_paid = {e for e in trial.bank.simulator.remembered()["paid"] if decided[e].fate == "paid"}
    cases_paid = [parse_end_to_end_id(e)[0] for e in trial.bank.simulator.remembered()["paid"]]
    assert len(cases_paid) == len(set(cases_paid)), where                            # the bank paid each once
    assert bank_paid == {a.end_to_end_id for a in attempts if a.status == "paid"}, where
    money = {fate: sum((a.amount for a in attempts if decided[a.end_to_end_id].fate == fate), Decimal("0.00"))
             for fate in ("paid", "rejected", "returned")}
    total = report.total
    assert (total.paid, total.returned, total.pending) == (money["paid"], money["rejected"] + money["returned"], 0)
    assert total.issued == sum(money.values()) == total.paid + total.returned + total.pending


def cpu_seconds() -> tuple[float, float]:
    """CPU time of this process, and of the finished processes it started (the runners count once they end)."""
    return tuple(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF,
                                                                           resource.RUSAGE_CHILDREN)))


def test_kill_9_anywhere_in_the_payment_run_and_restart(template, tmp_path, capsys, request):
    started, cpu_before = time.monotonic(), cpu_seconds()
    runs = Runs(tmp_path / "runs")
    request.addfinalizer(runs.close)
    # Two trials run through whole, then again (a restart with nothing left to do): how long a run takes and how
    # many bulk statements it pauses in, with and without work; the kills are spread over those.
    calibration = campaign(template, tmp_path, runs, lambda done: [
        (0, [Plan(), Plan(keyed=True)]), (1, [Plan(keyed=True), Plan()]), None][len(done)])
    first_seconds, idle_seconds = calibration[0].seconds[0], calibration[1].seconds[1]
    first_notes, idle_notes = calibration[1].notes[0], calibration[0].notes[0]
    assert first_notes > 20 and idle_notes >= 5
    rng = random.Random(SEED)

    def schedule(done: list[Trial]) -> tuple[int, list[Plan]] | None:
        """Trials of two to four kills, half at a random moment, half at a random bulk statement, until enough
        kills landed; the first kill of a trial anywhere in a whole run, the next ones in the restarts."""
        if sum(len(t.kills) for t in done) >= KILLS:
            return None
        assert len(done) < MAX_TRIALS, f"only {sum(len(t.kills) for t in done)} kills in {len(done)} trials"
        plans = []
        for i in range(rng.choice((2, 3, 4))):
            seconds, notes = (first_seconds, first_notes) if i == 0 else (idle_seconds, idle_notes)
            plans.append(Plan.at_note(rng.randint(1, notes)) if rng.random() < 0.5 else
                         Plan(seconds=rng.uniform(0, seconds)))
        return len(done) + 2, [*plans, Plan()]

    trials = campaign(template, tmp_path, runs, schedule)
    kills = [k for t in trials for k in t.kills]
    steps = Counter(k.step for k in kills)
    inside = Counter(k.statement for k in kills if k.inside)
    runs.close()
    cpu = [after - before for after, before in zip(cpu_seconds(), cpu_before, strict=True)]
    with capsys.disabled():
        print(f"\n{template.database or 'sqlite'}: seed {SEED}, {len(kills)} kills in {len(trials)} trials "
              f"({runs.count} runs), {time.monotonic() - started:.0f} s (CPU: this process {cpu[0]:.0f} s, the runs "
              f"{cpu[1]:.0f} s); a "
              f"whole run works {first_seconds:.2f} s ({first_notes} bulk statements), a restart with nothing to do "
              f"{idle_seconds:.2f} s ({idle_notes})")
        print("  kills by step: " + ", ".join(f"{s} {c}" for s, c in steps.most_common()))
        print("  inside bulk statements: " + ", ".join(f"{s} {c}" for s, c in inside.most_common()))
        for k in kills:
            print(f"  {k}")
    assert len(kills) >= KILLS
    assert sum(inside.values()) >= 10, inside                 # the keyed kills really landed inside the statements
    assert len(steps) >= 5, steps                              # spread over the run, not bunched in one step


def test_a_batch_cannot_be_approved_twice_after_a_crash(pay_store, pay_settings, reverified):
    [batch, *_] = payments.prepare_batches(reverified, store=pay_store,
                                           analytics=bootstrap.analytics(pay_settings), settings=pay_settings, by="clerk").batches
    payments.approve_batch(batch.number, store=pay_store, settings=pay_settings, by="approver")
    with pytest.raises(Refused, match="not waiting for approval"):
        payments.approve_batch(batch.number, store=pay_store, settings=pay_settings, by="approver-2")
    assert ledger.check(store=pay_store).postings == batch.entries
