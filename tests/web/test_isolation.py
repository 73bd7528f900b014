"""A second unit cannot read the first one's case by any URL or API call, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import FIRST, SECOND, build_world, sign_in, token
from wengang import bootstrap
from wengang.services import accounts, callbacks, objections, portal
from wengang.web.app import ROUTERS, create_app
from wengang.web.settings import WebSettings

pytestmark = pytest.mark.slow
SECRETS = ("FIRST-SECRET-QUESTION", "FIRST-SECRET-ACCOUNT", "FIRST-SECRET-OBJECTION")


def plant_private_data(store, facts) -> dict:
    """Things only the first unit (and staff) may ever see: a callback, an account change, an objection."""
    cb = callbacks.request("13800001111", f"{SECRETS[0]} 何时到账?", store=store, uscc=FIRST, source="portal")
    account = accounts.propose(facts["paid_cycle"], FIRST, bank_code="102100099996", account_no="6222020200998877",
                               account_name=SECRETS[1], store=store, by=FIRST)
    made = objections.add(facts["open_list"], FIRST, store=store, contact="13800001111", text=SECRETS[2],
                          raised_on=portal.today(store), by=FIRST)
    case_ids = [c.case_id for c in portal.progress(FIRST, store=store)]
    return {"cases": case_ids, "callback": cb.id, "account": account, "objection": made.id}


def candidates(param: str, planted: dict, facts: dict) -> list[str]:
    """Every value an attacker might guess for a path parameter, the first unit's own ids included."""
    numbers = {1, 2, 3, facts["paid_cycle"], facts["open_cycle"], planted["callback"], planted["account"],
               planted["objection"], *planted["cases"]}
    words = {FIRST, facts["open_list"], f"C{facts['paid_cycle']}-P1", "beijing-2021", "review"}
    return sorted(str(n) for n in numbers) + sorted(words) if param != "pack_id" else ["beijing-2021"]


def routes():
    """Every route the app includes (FastAPI keeps included routers nested: read them where they are made)."""
    return [route for router in ROUTERS for route in router.routes]


def every_get(planted: dict, facts: dict) -> list[str]:
    """Every GET path with every id or code a curious unit might try."""
    paths = ["/openapi.json"]
    for route in routes():
        if "GET" not in (getattr(route, "methods", None) or ()) or route.path.startswith("/static"):
            continue
        params = list(route.param_convertors)
        for values in itertools.product(*(candidates(p, planted, facts) for p in params)):
            path = route.path
            for p, v in zip(params, values, strict=True):
                path = path.replace("{" + p + "}", v)
            paths.append(path)
            paths.append(f"{path}?q={FIRST}&cycle={facts['paid_cycle']}&uscc={FIRST}")
    return paths


@pytest.fixture
def world(db_url, case_city):
    """The web world built on this database (SQLite copy or the session's PostgreSQL)."""
    from wengang.config import Settings

    settings = Settings(data_dir=case_city["data_dir"], database_url=db_url)
    store = bootstrap.open_store(settings)
    facts = build_world(store, settings, case_city)
    yield settings, store, facts
    store.close()
    bootstrap.close_stores()


def test_the_second_unit_sees_nothing_of_the_first_by_any_get(world):
    settings, store, facts = world
    planted = plant_private_data(store, facts)
    app = create_app(settings, WebSettings(cookie_secure=False, forms_per_minute=10_000))
    with TestClient(app, raise_server_exceptions=False) as browser:
        sign_in(browser, SECOND, employer=True)
        bearer = token(browser, SECOND, employer=True)
        api = TestClient(app, raise_server_exceptions=False)
        paths = every_get(planted, facts)
        assert len(paths) > 200
        for path in paths:
            for reply in (browser.get(path, follow_redirects=False), api.get(path, headers=bearer)):
                assert reply.status_code < 500, (path, reply.status_code)
                leaked = [s for s in SECRETS if s in reply.text]
                assert not leaked, (path, leaked)
                if path.startswith(("/portal", "/api/v1/me")):
                    assert FIRST not in reply.text, path                     # not even its credit code
        own = api.get("/api/v1/me/progress", headers=bearer).json()
        assert own and {c["case_id"] for c in own}.isdisjoint(planted["cases"])
        first = TestClient(app)
        first_bearer = token(first, FIRST, employer=True)
        mine = first.get("/api/v1/me/callbacks", headers=first_bearer).text
        assert SECRETS[0] in mine                                             # the owner does see it: honest test


def test_no_employer_route_takes_a_unit_or_case_id():
    for route in routes():
        if hasattr(route, "param_convertors") and route.path.startswith(("/portal", "/api/v1/me")):
            assert set(route.param_convertors) <= {"cycle_id"}, route.path


def test_writes_by_the_second_unit_land_on_its_own_case(world):
    settings, store, facts = world
    app = create_app(settings, WebSettings(cookie_secure=False))
    api = TestClient(app)
    bearer = token(api, SECOND, employer=True)
    reply = api.post(f"/api/v1/me/cycles/{facts['paid_cycle']}/account", headers=bearer,
                     json={"bank_code": "102100099996", "account_no": "6222020200554433", "account_name": "第二家"})
    assert reply.status_code == 201
    pending = {a.uscc for a in accounts.pending(store=store)}
    assert pending == {SECOND}
    reply = api.post(f"/api/v1/me/cycles/{facts['paid_cycle']}/application", headers=bearer,
                     json={"commitment": "承诺", "accept": True})
    assert reply.status_code == 400 and "only a case in review" in reply.json()["detail"]
