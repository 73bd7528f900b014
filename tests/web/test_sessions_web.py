"""The level 3 session controls over HTTP: an idle session sends the browser back to sign in, activity is written
at most once a minute (the hot path stays read-only), an old staff password is changed before anything else."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time

import pytest
from sqlalchemy import select, update

from tests.web.conftest import PASSWORD, STAFF, csrf_of, sign_in
from wengang import bootstrap
from wengang.adapters.db.people_tables import users, web_sessions
from wengang.services import people

pytestmark = pytest.mark.slow


def ago(**delta) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(**delta)


def last_seen(store, username: str) -> dt.datetime:
    """The newest live session's recorded last activity."""
    with store.engine.connect() as conn:
        user_id = conn.execute(select(users.c.id).where(users.c.username == username)).scalar_one()
        return conn.execute(select(web_sessions.c.last_seen_at).where(web_sessions.c.user_id == user_id,
                                                                      web_sessions.c.ended_at.is_(None))).scalar_one()


def age_session(store, username: str, minutes: int) -> None:
    """Move the session's last activity back (and move the audit chain, as any other change would)."""
    with store.engine.begin() as conn:
        user_id = conn.execute(select(users.c.id).where(users.c.username == username)).scalar_one()
        conn.execute(update(web_sessions).where(web_sessions.c.user_id == user_id).values(
            last_seen_at=ago(minutes=minutes)))
    people.sign_in(STAFF["auditor"], PASSWORD, store=store, employer=False)       # an audited change elsewhere


def test_an_idle_staff_session_sends_the_browser_to_sign_in(client, world_settings):
    sign_in(client, STAFF["clerk"], employer=False)
    assert client.get("/staff", follow_redirects=False).status_code == 200
    age_session(bootstrap.store(world_settings), STAFF["clerk"], 21)
    reply = client.get("/staff", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"].startswith("/staff/login")


def test_activity_is_written_at_most_once_a_minute(client, world_settings):
    store = bootstrap.store(world_settings)
    sign_in(client, STAFF["clerk"], employer=False)
    signed = last_seen(store, STAFF["clerk"])
    for _ in range(5):
        assert client.get("/staff").status_code == 200
    assert last_seen(store, STAFF["clerk"]) == signed                             # fresh: nothing written
    age_session(store, STAFF["clerk"], 2)
    client.app.state.touched.clear()
    assert client.get("/staff").status_code == 200
    touched = last_seen(store, STAFF["clerk"])
    assert touched > ago(seconds=30)                                              # a minute old: written once
    for _ in range(5):
        assert client.get("/staff").status_code == 200
    assert last_seen(store, STAFF["clerk"]) == touched                            # and not again


def test_an_old_staff_password_is_changed_at_sign_in_before_anything_else(client, world_settings):
    with bootstrap.store(world_settings).engine.begin() as conn:
        conn.execute(update(users).where(users.c.username == STAFF["reviewer"]).values(password_set_at=ago(days=91)))
    csrf = csrf_of(client)
    form = {"username": STAFF["reviewer"], "password": PASSWORD, "csrf": csrf}
    reply = client.post("/staff/login", data=form, follow_redirects=False)
    assert reply.status_code == 400 and 'id="password-form"' in reply.text and "wg_session" not in client.cookies
    same = client.post("/staff/password", data={**form, "new_password": PASSWORD, "new_password2": PASSWORD})
    assert same.status_code == 400 and "must differ" in same.text
    changed = client.post("/staff/password", data={**form, "new_password": "Rotated-2022!",
                                                   "new_password2": "Rotated-2022!"}, follow_redirects=False)
    assert changed.status_code == 303 and client.get("/staff/review").status_code == 200


def test_a_page_does_not_wait_behind_a_long_write_to_record_activity(client, world_settings):
    """SQLite has one writer: while a job holds it (a 500,000-case cycle opening takes a minute), a signed-in page
    still answers at once; the activity it could not write is written on a later request."""
    store = bootstrap.store(world_settings)
    sign_in(client, STAFF["clerk"], employer=False)
    age_session(store, STAFF["clerk"], 2)
    client.app.state.touched.clear()
    before = last_seen(store, STAFF["clerk"])
    job = sqlite3.connect(world_settings.database_url.removeprefix("sqlite:///"), isolation_level=None)
    job.execute("BEGIN IMMEDIATE")                                           # another process's long write
    try:
        started = time.monotonic()
        answered = client.get("/staff").status_code
        waited = time.monotonic() - started
    finally:
        job.execute("ROLLBACK")
        job.close()
    assert answered == 200 and waited < 5                                     # not the 60 s a write would wait
    assert last_seen(store, STAFF["clerk"]) == before                          # skipped, nothing half-written
    client.app.state.touched.clear()                                          # a minute later, as far as it knows
    assert client.get("/staff").status_code == 200
    assert last_seen(store, STAFF["clerk"]) > ago(seconds=30)
