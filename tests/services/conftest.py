"""Service tests on the in-memory store: a small city of eight units in three versions, decided by a stand-in for
the analytical store (its evaluations and snapshot accounts), so no test here touches a database file."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from argon2 import PasswordHasher

from tests.builders import uscc
from tests.clocks import on_day
from tests.fakes import FakeStore
from tests.fakes.outside import FakeChannel, FakeSealer
from wengang.config import Settings
from wengang.domain.analytics import Evaluated, RunSummary, SnapshotAccount, SnapshotContact
from wengang.domain.snapshots import SnapshotInfo
from wengang.services import (
    activation,
    cycles,
    evaluation,
    lookup,
    passwords,
    people,
    publicity,
    reverify,
    sessions,
)

PACK, AS_OF = "beijing-2021", dt.date(2021, 9, 1)
START = dt.date(2021, 10, 8)                     # the list's first day
END = START + dt.timedelta(days=6)               # seven calendar days, both ends included
AFTER = END + dt.timedelta(days=1)
BANKS = {"102": "102100099996", "103": "103100000026"}
# key → (number, decision, yuan, labour dispatch, has an account, bank)
CITY = {"eligible": (1, "eligible", 1200, False, True, "102"), "objected": (2, "eligible", 800, False, True, "103"),
        "review": (3, "review", 500, False, True, "102"), "dispatch": (4, "eligible", 700, True, True, "102"),
        "no_account": (5, "eligible", 900, False, False, "102"), "ineligible": (6, "ineligible", 0, False, True, "102"),
        "changes_amount": (7, "eligible", 1000, False, True, "103"),
        "flagged_later": (8, "eligible", 600, False, True, "102")}
FLAGGED = "flag:dishonest_debtor"


def code(key: str) -> str:
    return uscc(CITY[key][0])


def _row(key: str, decision: str | None = None, yuan: int | None = None) -> dict:
    n, decided, amount, dispatch, account, _ = CITY[key]
    decision = decision or decided
    amount = amount if yuan is None else yuan
    return {"uscc": uscc(n), "name": f"{key}有限公司", "decision": decision,
            "amount_fen": amount * 100 if decision != "ineligible" else 0, "ratio_units": 6000,
            "reasons": FLAGGED if decision == "ineligible" else "", "labor_dispatch": dispatch, "has_account": account}


def city(version: int) -> list[dict]:
    """v1: one unit per route; v2: unit 8 flagged; v3: also unit 2 flagged and unit 7 paid more."""
    rows = {k: _row(k) for k in CITY}
    if version >= 2:
        rows["flagged_later"] = _row("flagged_later", "ineligible")
    if version >= 3:
        rows["objected"] = _row("objected", "ineligible")
        rows["changes_amount"] = _row("changes_amount", yuan=1500)
    return list(rows.values())


class FakeAnalytics:
    """The analytical store port as the case process and payments use it: snapshots v1-v3, each evaluation a new
    run decided from the city above, and the accounts the snapshots hold."""

    def __init__(self):
        self.cities = {f"v{n}": city(n) for n in (1, 2, 3)}
        self.runs: dict[str, str] = {}
        self.people: dict[str, list[SnapshotContact]] = {}     # uscc → the contacts every snapshot names

    def contacts(self, uscc: str, run_id: str) -> list[SnapshotContact]:
        return list(self.people.get(uscc, [])) if run_id in self.runs else []

    def contacts_of(self, usccs, run_id: str) -> dict[str, list[SnapshotContact]]:
        return {u: self.contacts(u, run_id) for u in usccs if self.contacts(u, run_id)}

    def snapshots(self) -> list[SnapshotInfo]:
        return [self._info(name) for name in self.cities]

    def find_snapshot(self, snapshot_id: str) -> SnapshotInfo | None:
        return self._info(snapshot_id) if snapshot_id in self.cities else None

    def contribution_months(self, snapshot_id: str) -> tuple[str, str] | None:
        """Every fake snapshot holds 2019-12 to 2020-12 (the base year of beijing-2021 and one month before)."""
        return ("2019-12", "2020-12") if snapshot_id in self.cities else None

    def _info(self, name: str) -> SnapshotInfo:
        rows = len(self.cities[name])
        return SnapshotInfo(name, f"hash-{name}", "fake", dt.datetime(2021, 9, 1), "strict", {}, {"employers": rows}, 0)

    def evaluate(self, snapshot: SnapshotInfo, pack_id: str, as_of: dt.date, *, engine: str, keep: bool,
                 progress) -> Evaluated:
        run_id = f"run-{len(self.runs) + 1}-{snapshot.id}"
        self.runs[run_id] = snapshot.id
        rows = self.cities[snapshot.id]
        eligible = [r for r in rows if r["decision"] == "eligible"]
        summary = RunSummary(run_id, snapshot.id, pack_id, as_of, engine, len(rows), len(eligible),
                             sum(r["decision"] == "review" for r in rows),
                             sum(r["decision"] == "ineligible" for r in rows),
                             sum(r["amount_fen"] for r in eligible), 0.0)
        return Evaluated(summary, pa.Table.from_pylist(rows))

    def snapshot_accounts(self, run_ids, usccs=None) -> dict[str, SnapshotAccount]:
        out = {}
        wanted = None if usccs is None else set(usccs)
        for run_id in sorted(set(run_ids)):
            for row in self.cities.get(self.runs.get(run_id, ""), []):
                if wanted is not None and row["uscc"] not in wanted:
                    continue
                bank = next(v[5] for v in CITY.values() if uscc(v[0]) == row["uscc"])
                if row["has_account"]:
                    out[row["uscc"]] = SnapshotAccount(BANKS[bank], f"62220202{row['uscc'][-8:]}", row["name"])
        return out

    def check_snapshot(self, folder, *, encoding, progress):
        raise NotImplementedError("the service tests import no folder")

    def import_snapshot(self, folder, *, encoding, lenient, storable, progress):
        raise NotImplementedError("the service tests import no folder")

    def decided(self, uscc: str, run_id: str | None = None):
        return None

    def size_counts(self, run_id):
        return None

    def unit_kinds(self, snapshot_id: str) -> dict[str, tuple[str | None, str | None]]:
        """Every fake unit an enterprise of industry (the city holds no such columns); none for an unknown one."""
        return {r["uscc"]: ("industry", "enterprise") for r in self.cities.get(snapshot_id, [])}


@pytest.fixture
def analytics() -> FakeAnalytics:
    return FakeAnalytics()


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch) -> None:
    """argon2 at its lightest: the rules about passwords are under test here, not the cost of guessing them."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    for module in (passwords, sessions, activation, people, lookup):
        if hasattr(module, "hasher"):
            monkeypatch.setattr(module, "hasher", cheap)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Where nothing is ever read here: the analytical store is the fake above."""
    return Settings(data_dir=tmp_path / "var")


@pytest.fixture
def sealer() -> FakeSealer:
    return FakeSealer()


@pytest.fixture
def channel(sealer) -> FakeChannel:
    return FakeChannel(sealer)


@pytest.fixture
def opened(store, analytics, settings) -> int:
    """Cycle 1 opened on v1 (round 1), by the clerk."""
    first = evaluation.evaluate("v1", PACK, AS_OF, analytics=analytics, settings=settings)
    status = cycles.open_from_decided(first.decided, store=store, pack_id=PACK, as_of=AS_OF, snapshot_id="v1",
                                      run_id=first.summary.id, by="clerk")
    return status.cycle.id


@pytest.fixture
def published(store, analytics, settings, opened):
    """Round 2 on v2 (unit 8 leaves), then the list C1-P1 from START."""
    cycles.compare(opened, store=store, analytics=analytics, settings=settings, snapshot="v2", by="clerk")
    with on_day(store, START):
        return publicity.start(opened, store=store, starts_on=START, by="clerk")


@pytest.fixture
def reverified(store, analytics, settings, published) -> int:
    """The list closed after its period and every case on it re-verified on v2 (nothing changed since)."""
    with on_day(store, AFTER):
        publicity.close(published.number, store=store, closed_on=AFTER, by="clerk")
        reverify.reverify(published.cycle_id, store=store, analytics=analytics, settings=settings,
                          snapshot="v2", by="checker")
    return published.cycle_id


def state_of(store: FakeStore, key: str, cycle_id: int = 1) -> str:
    with store.reading() as uow:
        return uow.cases.find(cycle_id, code(key)).state.value
