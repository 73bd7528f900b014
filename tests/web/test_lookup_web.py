"""查询进度 on the web: a credit code, a code texted to the unit's registered mobiles (read from the opened outbox
file), then its progress read-only; refusals in words; the code in clear nowhere but the sealed outbox."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.web.conftest import FIRST, SECOND, csrf_of
from wengang import bootstrap
from wengang.services import notify
from wengang.web.app import create_app
from wengang.web.settings import WebSettings


def texted_code(client, settings) -> str:
    """The newest look-up code as the phone receives it: delivered to the outbox file, opened with the key."""
    store = client.app.state.store
    outbox = bootstrap.outbox(settings)
    notify.deliver(store=store, channel=outbox, kind="lookup_code")
    texts = [m for m in outbox.opened() if m["kind"] == "lookup_code"]
    return re.search(r"查询验证码 (\d{6})", texts[-1]["text"]).group(1)


def ask(client, uscc: str = FIRST):
    return client.post("/lookup", data={"uscc": uscc, "csrf": csrf_of(client)})


def enter(client, code: str, uscc: str = FIRST):
    return client.post("/lookup/code", data={"uscc": uscc, "code": code, "phones": "138****5678,<b>x</b>",
                                             "csrf": csrf_of(client)}, follow_redirects=False)


def test_home_links_the_look_up_and_a_code_opens_the_units_progress_read_only(client, world_settings):
    assert 'href="/lookup" id="tile-lookup"' in client.get("/").text
    sent = ask(client)
    assert sent.status_code == 200 and "138****5678" in sent.text and "159****1111" in sent.text
    assert "13812345678" not in sent.text
    code = texted_code(client, world_settings)
    opened = enter(client, code)
    assert opened.status_code == 303 and opened.headers["location"] == "/lookup/progress"
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/lookup" in cookie and "Max-Age=1800" in cookie
    page = client.get("/lookup/progress")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert FIRST in page.text and 'class="card case"' in page.text
    assert 'id="apply-' not in page.text and "/portal/cycles/" not in page.text               # no forms
    assert "6222020200112233" not in page.text                                                # the account never in clear
    assert client.get("/lookup", follow_redirects=False).headers["location"] == "/lookup/progress"
    done = client.post("/lookup/done", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert done.status_code == 303
    client.cookies.set("wg_lookup", opened.headers["set-cookie"].split(";")[0].split("=", 1)[1], path="/lookup")
    assert client.get("/lookup/progress", follow_redirects=False).headers["location"] == "/lookup"


def test_a_wrong_code_is_refused_in_words_and_only_masked_phones_are_echoed(client, world_settings):
    ask(client)
    code = texted_code(client, world_settings)
    wrong = enter(client, f"{(int(code) + 1) % 10**6:06d}")
    assert wrong.status_code == 422 and "验证码不正确或已过期" in wrong.text
    assert "138****5678" in wrong.text and "<b>x</b>" not in wrong.text
    assert enter(client, code).status_code == 303                                  # one wrong try is not the end


def test_no_case_or_no_contact_say_where_to_go_and_a_bad_code_is_named(client):
    unreachable = ask(client, SECOND)
    assert unreachable.status_code == 200 and "12333" in unreachable.text and "/portal/login" in unreachable.text
    assert "objected有限公司" not in unreachable.text                           # no unit's name to an anonymous visitor
    bad = ask(client, FIRST[:17] + ("X" if FIRST[-1] != "X" else "Y"))
    assert bad.status_code == 422 and "校验码错误" in bad.text


def test_the_code_is_in_clear_nowhere_in_the_database(client, world_settings):
    ask(client)
    code = texted_code(client, world_settings)
    engine = create_engine(world_settings.database_url)
    with engine.connect() as conn:
        dump = "\n".join(str(tuple(r)) for t in ("lookup_codes", "notifications", "audit_log")
                         for r in conn.execute(text(f"SELECT * FROM {t}")))
    engine.dispose()
    assert "$argon2" in dump and "查询验证码 ******" in dump and code not in dump
    raw = bootstrap.outbox(world_settings).path.read_text(encoding="utf-8")
    assert "lookup_code" in raw and f"查询验证码 {code}" not in raw and code not in raw.replace("\\u", "")


def test_per_address_limit_refuses_in_words(world_settings):
    app = create_app(world_settings, WebSettings(cookie_secure=False, lookups_per_hour=2))
    with TestClient(app, raise_server_exceptions=False) as c:
        assert ask(c, SECOND).status_code == 200 and ask(c, SECOND).status_code == 200
        third = ask(c, SECOND)
        assert third.status_code == 429 and "尝试过于频繁" in third.text
    bootstrap.close_stores()


@pytest.mark.parametrize("n", [3])
def test_per_unit_limit_refuses_the_fourth_code_within_the_hour(client, n):
    for _ in range(n):
        assert ask(client).status_code == 200
    fourth = ask(client)
    assert fourth.status_code == 422 and "一小时内已获取 3 次验证码" in fourth.text
