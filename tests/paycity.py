"""Payments fixtures (registered in tests/conftest.py): 30 payable units at four banks, through re-verification."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.builders import steady_contributions, uscc, write_snapshot
from tests.clocks import on_day
from tests.conftest import AS_OF, PACK
from wengang import bootstrap
from wengang.config import Settings

BANKS = {"102100099996": 12, "103100000026": 8, "313100000013": 6, "104100000004": 4}   # ICBC, ABC (.03), CSV, BOC
PAY_UNITS = sum(BANKS.values())
START = dt.date(2021, 10, 8)


def bank_of_unit(n: int) -> str:
    """Units 1…30 are spread over the four banks in order (and every further 30 again, for a larger city)."""
    upto, n = 0, (n - 1) % PAY_UNITS + 1
    for code, count in BANKS.items():
        upto += count
        if n <= upto:
            return code
    raise ValueError(n)


def write_pay_city(folder: Path, units: int = PAY_UNITS) -> Path:
    """`units` payable employers at the four banks, each with a steady year of contributions."""
    employers = [{"uscc": uscc(n, "91110108"), "name": f"付款测试{n}号有限公司", "industry": "other",
                  "employees": "50", "bank_code": bank_of_unit(n), "account_no": f"62220202{n:08d}",
                  "account_name": f"付款测试{n}号有限公司"} for n in range(1, units + 1)]
    contributions = [r for n in range(1, units + 1)
                     for r in steady_contributions(uscc(n, "91110108"), due=f"{100 + n}.00")]
    return write_snapshot(folder, employers=employers, contributions=contributions, flags=[])


@pytest.fixture(scope="session")
def pay_city(tmp_path_factory) -> dict:
    """Imported and evaluated once; every test opens its own cycle from the stored run."""
    from wengang.services import evaluation
    from wengang.services.snapshots import import_folder

    root = tmp_path_factory.mktemp("paycity")
    settings = Settings(data_dir=root / "var")
    snapshot = import_folder(write_pay_city(root / "city"), analytics=bootstrap.analytics(settings),
                             settings=settings).snapshot.id
    run = evaluation.evaluate(snapshot, PACK, AS_OF, analytics=bootstrap.analytics(settings), settings=settings)
    return {"data_dir": root / "var", "snapshot": snapshot, "run": run}


def reverified_cycle(store, settings: Settings, city: dict) -> int:
    """Open → second comparison round → publicity → close → re-verify: every unit ends re-verified."""
    from wengang.services import cycles, publicity, reverify

    run = city["run"]
    with on_day(store, START):
        status = cycles.open_from_decided(run.decided, store=store, pack_id=PACK, as_of=AS_OF,
                                          snapshot_id=run.summary.snapshot_id, run_id=run.summary.id, by="clerk")
        cycle_id = status.cycle.id
        cycles.compare(cycle_id, store=store, analytics=bootstrap.analytics(settings), settings=settings,
                       snapshot=city["snapshot"], by="clerk")
        batch = publicity.start(cycle_id, store=store, starts_on=START, by="clerk")
    with on_day(store, START + dt.timedelta(days=8)):
        publicity.close(batch.number, store=store, closed_on=START + dt.timedelta(days=8), by="clerk")
        reverify.reverify(cycle_id, store=store, analytics=bootstrap.analytics(settings), settings=settings,
                          snapshot=city["snapshot"], by="checker")
    return cycle_id


@pytest.fixture
def pay_settings(db_url, pay_city) -> Settings:
    return Settings(data_dir=pay_city["data_dir"], database_url=db_url)


@pytest.fixture
def pay_store(pay_settings):
    from wengang import bootstrap

    store = bootstrap.open_store(pay_settings)
    yield store
    store.close()


@pytest.fixture
def reverified(pay_store, pay_settings, pay_city) -> int:
    return reverified_cycle(pay_store, pay_settings, pay_city)
