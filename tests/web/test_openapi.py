"""Schemathesis reads /openapi.json and throws generated requests at every operation: no server error, ever."""

from __future__ import annotations

import shutil
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.web.conftest import FIRST, PASSWORD, STAFF
from wengang import bootstrap
from wengang.config import Settings
from wengang.services import people
from wengang.web.app import create_app
from wengang.web.settings import WebSettings

pytestmark = pytest.mark.slow
# The role an operation needs, so generated calls reach its code instead of stopping at 403.
ROLE = {("POST", "/api/v1/staff/cases/{case_id}/review"): "reviewer",
        ("POST", "/api/v1/staff/objections/{objection_id}"): "reviewer",
        ("POST", "/api/v1/staff/accounts/{account_id}/verification"): "reviewer",
        ("POST", "/api/v1/staff/batches/{ref}/approval"): "approver",
        ("GET", "/api/v1/staff/users"): "admin", ("POST", "/api/v1/staff/users"): "admin",
        ("POST", "/api/v1/staff/audit/verification"): "auditor"}


# The app is made at import (schemathesis reads its schema then; the lazy fixture loader does not work with
# pytest 9); its store opens on first use, and each test points it at its own copy of the web world.
APP = create_app(Settings(database_url=f"sqlite:///{tempfile.mkdtemp(prefix='wengang-api-')}/empty.sqlite"), WebSettings(cookie_secure=False, login_per_minute=10**6,
                                                                 forms_per_minute=10**6))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def api_settings(world_template, case_city, tmp_path_factory) -> Settings:
    """One copy of the web world for the whole run: generated calls may change it, none may crash it."""
    path = tmp_path_factory.mktemp("api") / "world.sqlite"
    shutil.copy(world_template[0], path)
    return Settings(data_dir=case_city["data_dir"], database_url=f"sqlite:///{path}")


@pytest.fixture(scope="module", autouse=True)
def on_the_world(api_settings):
    """Point the app at the copied world for this module."""
    APP.state.settings, APP.state.store = api_settings, None
    yield
    APP.state.store = None
    bootstrap.close_stores()


@pytest.fixture(scope="module")
def tokens(api_settings) -> dict[str, str]:
    """A bearer token per kind of caller, signed in through the service (as POST /api/v1/session would)."""
    store = bootstrap.store(api_settings)
    found = {"employer": people.sign_in(FIRST, PASSWORD, store=store, employer=True)[0]}
    for role in ("clerk", "reviewer", "approver", "auditor", "admin"):
        found[role] = people.sign_in(STAFF[role], PASSWORD, store=store, employer=False)[0]
    return found


def caller(case, tokens: dict[str, str]) -> dict[str, str]:
    """Employer routes get the unit's token, staff routes a token of the role they need, the rest nothing."""
    path = case.operation.path
    if path.startswith("/api/v1/me"):
        return {"Authorization": f"Bearer {tokens['employer']}"}
    if path.startswith("/api/v1/staff"):
        return {"Authorization": f"Bearer {tokens[ROLE.get((case.method.upper(), path), 'clerk')]}"}
    return {}


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_generated_request_gets_a_server_error_or_an_undeclared_body(case, tokens):
    case.call_and_validate(headers=caller(case, tokens),
                           checks=[not_a_server_error, response_schema_conformance, content_type_conformance])
