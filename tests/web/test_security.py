"""The web's defences over HTTP: headers, cookies, CSRF, rate limits, lock-out, roles, and errors without traces."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import FIRST, PASSWORD, STAFF, csrf_of, sign_in, token
from wengang import bootstrap
from wengang.web.app import create_app
from wengang.web.settings import WebSettings

pytestmark = pytest.mark.slow


def test_every_page_carries_the_security_headers(client):
    for path in ("/", "/publicity", "/portal/login", "/api/v1/policy/packs", "/nowhere", "/static/site.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client, facts):
    sign_in(client, FIRST, employer=True)
    for path in ("/", "/portal", f"/portal/cycles/{facts['paid_cycle']}", f"/publicity/{facts['open_list']}", "/docs"):
        html = client.get(path).text
        assert "<script>" not in html and " style=" not in html and "onclick" not in html, path


def test_cookies_are_httponly_lax_and_secure_unless_configured_off(world_settings):
    app = create_app(world_settings)                                   # production default: Secure
    with TestClient(app, base_url="https://testserver") as secure:
        cookie = secure.get("/").headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
        reply = secure.post("/portal/login", data={"uscc": FIRST, "password": PASSWORD, "csrf": csrf_of(secure)},
                            follow_redirects=False)
        session = [c for c in reply.headers.get_list("set-cookie") if c.startswith("wg_session=")][0]
        assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" in session
    bootstrap.close_stores()
    with TestClient(create_app(world_settings, WebSettings(cookie_secure=False))) as plain:
        assert "Secure" not in plain.get("/").headers["set-cookie"]
    bootstrap.close_stores()


def test_a_form_without_the_token_is_refused_and_changes_nothing(client, facts):
    form = {"phone": "13812345678", "question": "何时到账?"}
    for token_value in (None, "forged-token-forged-token"):
        reply = client.post("/callback", data=form if token_value is None else {**form, "csrf": token_value})
        assert reply.status_code == 403 and "reload the page" in reply.text
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    assert client.post("/staff/callbacks/1", data={"answer": "x" * 5, "csrf": csrf_of(client)}).status_code == 403
    assert "没有待回电的请求" in client.get("/staff/callbacks").text          # nothing was queued
    assert client.post("/callback", data={**form, "csrf": csrf}).status_code == 200


def test_signed_in_api_calls_by_cookie_need_the_header_but_bearer_calls_do_not(client):
    csrf = sign_in(client, FIRST, employer=True)
    body = {"phone": "13812345678", "question": "何时到账?"}
    assert client.post("/api/v1/me/callbacks", json=body).status_code == 403
    assert client.post("/api/v1/me/callbacks", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201
    bearer = token(client, FIRST, employer=True)
    assert TestClient(client.app).post("/api/v1/me/callbacks", json=body, headers=bearer).status_code == 201


def test_login_is_rate_limited_per_address(world_settings):
    app = create_app(world_settings, WebSettings(cookie_secure=False, login_per_minute=3))
    with TestClient(app) as c:
        codes = [c.post("/staff/login", data={"username": "nobody", "password": "x", "csrf": csrf_of(c)}).status_code
                 for _ in range(4)]
        assert codes == [400, 400, 400, 429]
        reply = c.post("/staff/login", data={"username": "nobody", "password": "x", "csrf": csrf_of(c)})
        assert reply.status_code == 429 and "too many attempts" in reply.text and int(reply.headers["retry-after"]) > 0
    bootstrap.close_stores()


def test_five_wrong_passwords_lock_the_account_over_http(client):
    csrf = csrf_of(client)
    for _ in range(5):
        reply = client.post("/staff/login", data={"username": STAFF["clerk"], "password": "wrong-1", "csrf": csrf})
        assert reply.status_code == 400 and "wrong user name" in reply.text
    reply = client.post("/staff/login", data={"username": STAFF["clerk"], "password": PASSWORD, "csrf": csrf})
    assert reply.status_code == 400 and "wrong user name" in reply.text          # locked, and says no more than that


@pytest.mark.parametrize(("who", "path", "allowed"), [
    ("clerk", "/staff/users", True), ("auditor", "/staff/users", False), ("approver", "/staff/batches", True),
    ("auditor", "/staff/dashboard", True)])
def test_staff_pages_check_the_role(client, who, path, allowed):
    sign_in(client, STAFF[who], employer=False)
    assert (client.get(path).status_code == 200) is allowed


@pytest.mark.parametrize(("who", "path", "data"), [
    ("clerk", "/staff/review/1", {"decision": "accept", "reason": "ok"}),        # only reviewers decide
    ("clerk", "/staff/batches/C1-B102-1/approve", {}),                            # only approvers approve
    ("approver", "/staff/batches/prepare", {"cycle": "1"}),                       # approvers never prepare
    ("admin", "/staff/objections/1", {"decision": "sustain", "reason": "x"}),     # admins manage people only
    ("reviewer", "/staff/users", {"username": "evil-1", "role": "admin", "password": PASSWORD})])
def test_every_action_refuses_the_wrong_role_before_doing_anything(client, who, path, data):
    csrf = sign_in(client, STAFF[who], employer=False)
    reply = client.post(path, data={**data, "csrf": csrf})
    assert reply.status_code == 403 and "your role may not" in reply.text


def test_anonymous_and_employer_visitors_are_kept_out_of_the_back_office(client):
    reply = client.get("/staff/review", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"].startswith("/staff/login")
    assert client.get("/api/v1/staff/callbacks").status_code == 401
    sign_in(client, FIRST, employer=True)
    assert client.get("/staff", follow_redirects=False).status_code == 303
    assert TestClient(client.app).get("/api/v1/staff/callbacks", headers=token(client, FIRST, employer=True)
                                      ).status_code == 401


def test_sign_in_redirects_only_inside_the_site(client):
    reply = client.post("/portal/login", data={"uscc": FIRST, "password": PASSWORD, "csrf": csrf_of(client),
                                               "next": "//evil.example/portal"}, follow_redirects=False)
    assert reply.headers["location"] == "/portal"


@pytest.mark.parametrize(("method", "path", "data"), [
    ("get", "/guide/no-such-pack", None), ("get", "/publicity/C9-P9", None), ("get", "/publicity/C2-P1?page=0", None),
    ("get", "/staff/cases/abc", None), ("post", "/callback", {"phone": "1", "question": "?"}),
    ("post", "/publicity/C2-P1/object", {"uscc": "91110105000000001X", "contact": "1", "text": "x"}),
    ("post", "/portal/activate", {"uscc": "x", "code": "y", "password": "z", "password2": "w"})])
def test_bad_input_gets_a_bilingual_message_never_a_trace(client, method, path, data):
    if data is not None:
        data = {**data, "csrf": csrf_of(client)}
    sign_in(client, STAFF["auditor"], employer=False) if path.startswith("/staff") else None
    reply = getattr(client, method)(path, **({"data": data} if data is not None else {}))
    assert 400 <= reply.status_code < 500, (path, reply.status_code)
    assert "Traceback" not in reply.text and "File \"" not in reply.text
    assert " / " in reply.text                                                 # Chinese / English


def test_the_language_switch_is_remembered(client):
    assert "<h1>公示名单</h1>" in client.get("/publicity").text
    assert "<h1>Publicity lists</h1>" in client.get("/publicity?lang=en").text
    assert "<h1>Publicity lists</h1>" in client.get("/publicity").text


def test_a_signed_out_token_opens_nothing_at_once(client):
    api = TestClient(client.app)
    bearer = token(api, FIRST, employer=True)
    assert api.get("/api/v1/me", headers=bearer).status_code == 200               # looked up and kept
    assert api.delete("/api/v1/session", headers=bearer).status_code == 204
    assert api.get("/api/v1/me", headers=bearer).status_code == 401
    assert api.delete("/api/v1/session", headers=bearer).status_code == 401
