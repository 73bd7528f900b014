"""Another process holding the analytical store's lock (an evaluation writing): readers retry briefly, then say
"the data is being updated" — a 503 page with Retry-After on the web — never a driver error or a 500."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from tests.web.conftest import STAFF, client, facts, sign_in, world_settings, world_template  # noqa: F401
from wengang.domain import errors
from wengang.snapshot import store

HOLD = "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()"


class Holder:
    """A second process that opens the store for writing and keeps its lock until released."""

    def __init__(self, path):
        self.process = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "held"

    def release(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=30)


@pytest.fixture
def hold():
    holders: list[Holder] = []

    def start(path) -> Holder:
        holders.append(Holder(path))
        return holders[-1]

    yield start
    for holder in holders:
        holder.release()


def test_a_reader_waits_briefly_then_raises_analytics_busy_naming_the_holder(tmp_path, hold, monkeypatch):
    path = tmp_path / "analytics.duckdb"
    store.connect(path).close()
    holder = hold(path)
    monkeypatch.setattr(store, "BUSY_WAIT_SECONDS", 0.6)
    for read_only in (True, False):
        started = time.monotonic()
        with pytest.raises(errors.AnalyticsBusy) as busy:
            store.connect(path, read_only=read_only)
        assert time.monotonic() - started >= 0.6
        assert f"PID {holder.process.pid}" in str(busy.value) and str(busy.value).startswith(errors.AnalyticsBusy.MESSAGE)


def test_a_lock_released_within_the_wait_is_not_an_error(tmp_path, hold):
    path = tmp_path / "analytics.duckdb"
    store.connect(path).close()
    holder = hold(path)
    threading.Timer(0.5, holder.release).start()
    con = store.connect(path, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM snapshots").fetchone() == (0,)
    finally:
        con.close()


def test_a_staff_page_reading_the_store_answers_503_with_retry_after_while_it_is_held(
        client, world_settings, hold, monkeypatch):  # noqa: F811 - fixtures of the web world
    monkeypatch.setattr(store, "BUSY_WAIT_SECONDS", 0.3)
    clerk = type(client)(client.app, raise_server_exceptions=False)
    sign_in(clerk, STAFF["clerk"], employer=False)
    assert clerk.get("/staff/cases/1").status_code == 200
    holder = hold(world_settings.analytics_path)
    page = clerk.get("/staff/cases/1")
    assert page.status_code == 503 and page.headers["Retry-After"] == str(errors.AnalyticsBusy.RETRY_AFTER_SECONDS)
    assert "数据正在更新, 请稍后重试" in page.text and "the data is being updated, try again shortly" in page.text
    assert "PID" not in page.text
    holder.release()
    assert clerk.get("/staff/cases/1").status_code == 200
