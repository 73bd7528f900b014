"""Shared fixtures: the operational store on SQLite and on PostgreSQL, and a small city in three versions."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
from pathlib import Path

# pytest-xdist's workers start with COLUMNS=80, and a Rich console made while COLUMNS is set keeps that width for
# good: the CLI's consoles (made at import) would wrap at 80 whatever COLUMNS a test gives the command it runs.
os.environ.pop("COLUMNS", None)

import pytest  # noqa: E402
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.builders import steady_contributions, uscc, write_snapshot
from wengang import bootstrap
from wengang.adapters.db.tables import metadata
from wengang.config import Settings

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TABLES = tuple(t.name for t in metadata.sorted_tables if t.name != "audit_head")   # every table, emptied
PACK, AS_OF = "beijing-2021", dt.date(2021, 9, 1)
ACCOUNT = {"bank_code": "102100099996", "account_no": "6222020200112233", "account_name": "测试单位"}
# The small city: one unit per route, numbered as tests/builders.uscc numbers them.
CITY = {
    "eligible": 1, "objected": 2, "review": 3, "dispatch": 4, "no_account": 5, "ineligible": 6,
    "changes_amount": 7, "flagged_later": 8, "late": 9,   # "late" is only in v3: its data came late
}


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The PostgreSQL server; unreachable → skip, or fail when WENGANG_REQUIRE_POSTGRES=1 (CI)."""
    url = os.environ.get("WENGANG_TEST_POSTGRES_URL", PG_DEFAULT)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        engine.connect().close()
    except OperationalError as err:
        message = f"PostgreSQL unreachable at {url}: {str(err.orig).strip()}"
        if os.environ.get("WENGANG_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{message} (WENGANG_REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(f"{message}; start it or set WENGANG_TEST_POSTGRES_URL (CI sets WENGANG_REQUIRE_POSTGRES=1)")
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def postgres_url(postgres_admin_url):
    """A fresh database for this test session, migrated once, dropped at the end."""
    name = f"wengang_test_{secrets.token_hex(4)}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    bootstrap.open_store(Settings(database_url=url)).close()
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite"
    bootstrap.open_store(Settings(database_url=f"sqlite:///{path}")).close()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """An empty, migrated operational store: a copied SQLite file, or the session's PostgreSQL, emptied."""
    if request.param == "sqlite":
        path = tmp_path / "wengang.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return url


def empty_postgres(url: str) -> None:
    """The session's PostgreSQL database emptied: every table, the identities and the audit chain's head (its chain id
    new, as a new database's: a tampering test forges it, and the next test would inherit the forgery)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")   # past the audit log's guards
        conn.exec_driver_sql(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        conn.exec_driver_sql(f"UPDATE audit_head SET seq = 0, hash = '{'0' * 64}', keyed_from = 1, "   # a new chain,
                             f"chain = '{secrets.token_hex(16)}'")     # as a new database's (a test may have forged it)
    engine.dispose()


# The people the eligible unit registered (a look-up code goes to both); every other unit registered nobody.
CONTACTS = [{"uscc": uscc(CITY["eligible"]), "role": "legal_representative", "name": "张伟", "phone": "13812345678"},
            {"uscc": uscc(CITY["eligible"]), "role": "hr_specialist", "name": "李娜", "phone": "15900001111",
             "sms_opt_out": "true"}]


def write_city(folder: Path, version: int = 1) -> Path:
    """v1: one unit per route; v2: unit 8 flagged; v3: also unit 2 flagged, unit 7 paid more, unit 9 arrives."""
    def unit(key: str, **extra) -> dict:
        return {"uscc": uscc(CITY[key]), "name": f"{key}有限公司", "industry": "other", "employees": "50",
                **ACCOUNT, **extra}

    keys = [k for k in CITY if k != "late" or version >= 3]
    employers = [unit(k) for k in keys if k not in ("dispatch", "no_account")]
    employers += [unit("dispatch", labor_dispatch="true"),
                  {**unit("no_account"), "bank_code": "", "account_no": "", "account_name": ""}]
    contributions = [row for k in keys for row in steady_contributions(
        uscc(CITY[k]), due="150.00" if (k == "changes_amount" and version >= 3) else "100.00")]
    flags = [{"uscc": uscc(CITY["review"]), "source": "hrss", "flag": "failed_commitment", "listed_on": "2021-03-01"},
             {"uscc": uscc(CITY["ineligible"]), "source": "court", "flag": "dishonest_debtor",
              "listed_on": "2021-01-10"}]
    if version >= 2:
        flags.append({"uscc": uscc(CITY["flagged_later"]), "source": "court", "flag": "dishonest_debtor",
                      "listed_on": "2021-08-01"})
    if version >= 3:
        flags.append({"uscc": uscc(CITY["objected"]), "source": "court", "flag": "dishonest_debtor",
                      "listed_on": "2021-08-15"})
    return write_snapshot(folder, employers=employers, contributions=contributions, flags=flags, contacts=CONTACTS)


def each_store(request, tmp_path):
    """The store of a fixture parametrised over "sqlite", "postgresql" and "fake": a copy of the migrated SQLite
    template, the session's PostgreSQL emptied, or the in-memory fake; closed after the test."""
    from tests.fakes import FakeStore

    if request.param == "fake":
        yield FakeStore()
        return
    if request.param == "sqlite":
        path = tmp_path / "wengang.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        empty_postgres(url)
    opened = bootstrap.open_store(Settings(data_dir=tmp_path / "var", database_url=url,
                                           audit_anchor_dir=tmp_path / "anchors"))
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def case_city(tmp_path_factory) -> dict:
    """The city's three versions imported once into a shared analytical store; the v1 evaluation, once."""
    from wengang.services import evaluation
    from wengang.services.snapshots import import_folder

    root = tmp_path_factory.mktemp("city")
    settings = Settings(data_dir=root / "var")
    analytics = bootstrap.analytics(settings)
    ids = {}
    for version in (1, 2, 3):
        result = import_folder(write_city(root / f"v{version}", version), analytics=analytics, settings=settings)
        ids[version] = result.snapshot.id
    first = evaluation.evaluate(ids[1], PACK, AS_OF, analytics=analytics, settings=settings)
    return {"data_dir": root / "var", "snapshots": ids, "folders": {v: root / f"v{v}" for v in ids},
            "v1": first}


@pytest.fixture
def db_settings(db_url, case_city, tmp_path) -> Settings:
    """The test's database; its audit checkpoints in a folder of its own (the PostgreSQL database is reused)."""
    return Settings(data_dir=case_city["data_dir"], database_url=db_url, audit_anchor_dir=tmp_path / "audit-anchors")


@pytest.fixture
def db_store(db_settings):
    store = bootstrap.open_store(db_settings)
    yield store
    store.close()


@pytest.fixture
def opened(db_store, case_city):
    """A beijing-2021 cycle opened on city v1 (the evaluation reused), returning its status."""
    from wengang.services import cycles

    run = case_city["v1"]
    return cycles.open_from_decided(run.decided, store=db_store, pack_id=PACK, as_of=AS_OF,
                                    snapshot_id=run.summary.snapshot_id, run_id=run.summary.id, by="clerk")


PUBLISHED_ON = dt.date(2021, 10, 8)


@pytest.fixture
def published(db_store, db_settings, opened, case_city):
    """The opened cycle compared with city v3 and its first list started on PUBLISHED_ON, returning the list."""
    from tests.clocks import on_day
    from wengang.services import cycles, publicity

    cycles.compare(1, store=db_store, analytics=bootstrap.analytics(db_settings), settings=db_settings,
                   snapshot=case_city["snapshots"][2], by="clerk")
    with on_day(db_store, PUBLISHED_ON):
        return publicity.start(1, store=db_store, starts_on=PUBLISHED_ON, by="clerk")


from tests.callback_endpoint import callback  # noqa: E402,F401 - shared fixture
from tests.paycity import pay_city, pay_settings, pay_store, reverified  # noqa: E402,F401 - shared fixtures
from tests.reviewdata import review_city  # noqa: E402,F401 - shared fixture
from tests.spark_cluster import spark_cluster  # noqa: E402,F401 - shared fixture (one per module that asks)

# The longest files of a run (`--durations`: 12, 5, 5 and 3 minutes of one worker on a busy machine), handed out first.
LONGEST = ("test_payment_faults.py", "test_spark_agrees.py", "test_cli_payments.py", "test_spark_cluster.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow files handed out first, the longest of them before the rest: xdist gives each worker whole files in
    collection order, so a twelve-minute file collected late kept one worker busy long after the other had finished."""
    def weight(item: pytest.Item) -> tuple[int, int]:
        name = item.path.name
        return (LONGEST.index(name) if name in LONGEST else len(LONGEST), item.get_closest_marker("slow") is None)
    items.sort(key=weight)
