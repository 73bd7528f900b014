"""A small world for the web: a paid-out-ready cycle, an open publicity list, staff of every role, two employers."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.builders import uscc
from tests.clocks import on_day
from tests.conftest import AS_OF, CITY, PACK
from wengang import bootstrap
from wengang.config import Settings
from wengang.services import cycles, notify, people, publicity, reverify
from wengang.web.app import create_app
from wengang.web.settings import WebSettings

TODAY = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()     # Beijing's today: the day forms are dated
PASSWORD = "Secret-2021-wg"
STAFF = {"clerk": "clerk-wang", "reviewer": "reviewer-li", "approver": "approver-zhao", "auditor": "auditor-sun",
         "admin": "admin-qian", "security": "security-zhou"}
FIRST, SECOND = uscc(CITY["eligible"]), uscc(CITY["objected"])     # two employers; SECOND must never see FIRST
OPEN_PROGRAM = "ui-return-2"                                      # the second cycle, its list open now


def code_of(store, settings: Settings, who: str) -> str:
    """The newest activation code as the phone receives it: pending codes delivered to the outbox file (sealed
    there), then opened with the gateway's key. `who` is a unit's credit code or a staff user name."""
    outbox = bootstrap.outbox(settings)
    notify.deliver(store=store, channel=outbox, kind="activation_code")
    texts = [m["text"] for m in outbox.opened() if m["kind"] == "activation_code"
             and (m["uscc"] == who or (m["uscc"] is None and f"账户 {who} " in m["text"]))]
    return re.search(r"激活码 ([A-Z0-9]{10})", texts[-1]).group(1)


def activate(store, settings: Settings, unit: str, password: str = PASSWORD) -> None:
    """Issue a code and set the password with it, as the unit would."""
    people.issue_activation(unit, store=store, by=STAFF["admin"], sealer=bootstrap.sealer(settings),
                            phone="13911112222")
    people.activate(unit, code_of(store, settings, unit), password, store=store)


def build_world(store, settings: Settings, city: dict) -> dict:
    """Cycle 1 is re-verified (ready for payment batches); cycle 2's list is open for objections today. Each list is
    started on its own (past) day, with the store's clock set to it, never back-dated."""
    run = city["v1"]
    ids = {}
    for program, start in (("ui-return", TODAY - dt.timedelta(days=10)), (OPEN_PROGRAM, TODAY - dt.timedelta(days=1))):
        with on_day(store, start):
            status = cycles.open_from_decided(run.decided, store=store, pack_id=PACK, as_of=AS_OF, program=program,
                                              snapshot_id=run.summary.snapshot_id, run_id=run.summary.id, by="clerk")
            cycle_id = ids[program] = status.cycle.id
            cycles.compare(cycle_id, store=store, analytics=bootstrap.analytics(settings), settings=settings,
                           snapshot=city["snapshots"][2], by="clerk")
            batch = publicity.start(cycle_id, store=store, starts_on=start, by="clerk")
        if program == "ui-return":
            with on_day(store, TODAY - dt.timedelta(days=3)):
                publicity.close(batch.number, store=store, closed_on=TODAY - dt.timedelta(days=3), by="clerk")
                reverify.reverify(cycle_id, store=store, analytics=bootstrap.analytics(settings),
                                  settings=settings, snapshot=city["snapshots"][2],
                                  by="checker")
    for role, name in STAFF.items():
        people.create_staff(name, role, store=store, by="setup", password=PASSWORD, display_name=f"{role} {name}")
    activate(store, settings, FIRST)
    activate(store, settings, SECOND)
    return {"paid_cycle": ids["ui-return"], "open_cycle": ids[OPEN_PROGRAM], "open_list": f"C{ids[OPEN_PROGRAM]}-P1"}


@pytest.fixture(scope="session")
def world_template(tmp_path_factory, case_city) -> tuple[Path, dict]:
    """The world built once on SQLite; each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("web") / "world.sqlite"
    settings = Settings(data_dir=case_city["data_dir"], database_url=f"sqlite:///{path}")
    store = bootstrap.open_store(settings)
    try:
        facts = build_world(store, settings, case_city)
    finally:
        store.close()
    return path, facts


@pytest.fixture
def world_settings(world_template, case_city, tmp_path) -> Settings:
    """Settings on a fresh copy of the world."""
    path = tmp_path / "world.sqlite"
    shutil.copy(world_template[0], path)
    return Settings(data_dir=case_city["data_dir"], database_url=f"sqlite:///{path}")


@pytest.fixture
def facts(world_template) -> dict:
    """Ids of the world's cycles and lists."""
    return world_template[1]


@pytest.fixture
def client(world_settings):
    """The app on a fresh copy of the world, cookies without Secure (the test client speaks plain HTTP)."""
    app = create_app(world_settings, WebSettings(cookie_secure=False))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    bootstrap.close_stores()


def csrf_of(client: TestClient) -> str:
    """The anonymous CSRF token, as a form on the page would carry it."""
    if "wg_csrf" not in client.cookies:
        client.get("/")
    return client.cookies["wg_csrf"]


def sign_in(client: TestClient, username: str, *, employer: bool, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token (the one its forms carry)."""
    area = "portal" if employer else "staff"
    field = "uscc" if employer else "username"
    reply = client.post(f"/{area}/login", data={field: username, "password": password, "csrf": csrf_of(client)},
                        follow_redirects=False)
    assert reply.status_code == 303, reply.text
    page = client.get(f"/{area}" if employer else "/staff")
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def token(client: TestClient, username: str, *, employer: bool, password: str = PASSWORD) -> dict[str, str]:
    """A bearer header from POST /api/v1/session, as a mini-program gets it (no browser cookies along)."""
    reply = TestClient(client.app).post("/api/v1/session", json={"username": username, "password": password,
                                                 "kind": "employer" if employer else "staff"})
    assert reply.status_code == 201, reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}"}
