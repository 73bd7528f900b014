"""`wengang people` and `wengang serve` as an operator runs them: demo accounts that sign in, a server that answers."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.builders import uscc
from tests.conftest import CITY
from tests.web.conftest import FIRST, PASSWORD, STAFF
from wengang import bootstrap
from wengang.services import duty, people

pytestmark = pytest.mark.slow
WENGANG = shutil.which("wengang", path=str(Path(sys.executable).parent)) or "wengang"


def env_of(settings) -> dict[str, str]:
    """The environment pointing the command at the test's stores."""
    return {**os.environ, "WENGANG_DATA_DIR": str(settings.data_dir), "WENGANG_DATABASE_URL": settings.database_url,
            "COLUMNS": "200"}


def test_demo_accounts_print_passwords_that_sign_in(world_settings):
    done = subprocess.run([WENGANG, "people", "demo-accounts", "--employers", "2"], capture_output=True, text=True,
                          env=env_of(world_settings), timeout=300)
    assert done.returncode == 0, done.stderr
    rows = re.findall(r"│ (/\w+/login)\s+│ (\S+)\s+│ (\w+)\s+│ (\S+)\s+│", done.stdout)
    assert {r[2] for r in rows} == {*people.STAFF_ROLES, "employer"} and len(rows) == len(people.STAFF_ROLES) + 2
    store = bootstrap.store(world_settings)
    for _, name, role, password in rows:
        _, who = people.sign_in(name, password, store=store, employer=role == "employer")
        assert who.role == role
    on = [d for d in duty.duties(store=store) if d.current]          # the demo's city officer on duty, a demo phone
    assert [(d.office, d.username, d.phone) for d in on] == [("city", "demo-reviewer", "138****0099")]
    assert "13800000099" not in done.stdout
    again = subprocess.run([WENGANG, "people", "demo-accounts", "--employers", "0"], capture_output=True, text=True,
                           env=env_of(world_settings), timeout=300)
    assert again.returncode == 0 and again.stdout.count("已存在 / exists") == len(people.STAFF_ROLES)
    bootstrap.close_stores()


def test_a_bad_staff_account_is_refused_in_one_line(world_settings):
    done = subprocess.run([WENGANG, "people", "add-staff", "Bad Name", "--role", "clerk", "--password",
                           "Long-enough-1"], capture_output=True, text=True, env=env_of(world_settings), timeout=120)
    assert done.returncode == 1 and "user name" in done.stderr and "Traceback" not in done.stderr


def test_serve_answers_on_loopback_with_plain_cookies(world_settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([WENGANG, "serve", "--port", str(port)], env=env_of(world_settings),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
                    headers = reply.headers
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("wengang serve did not answer")
        assert headers["X-Frame-Options"] == "DENY" and "HttpOnly" in headers["Set-Cookie"]
        assert "Secure" not in headers["Set-Cookie"]                          # plain HTTP on loopback only
    finally:
        server.terminate()
        server.wait(20)


def test_people_activate_sends_a_new_unit_its_code_and_files_a_request_for_an_activated_one(world_settings):
    store = bootstrap.store(world_settings)
    token, _ = people.sign_in(STAFF["clerk"], PASSWORD, store=store, employer=False)
    env = {**env_of(world_settings), "WENGANG_TOKEN": token}
    fresh = uscc(CITY["review"])
    sent = subprocess.run([WENGANG, "people", "activate", fresh, "--phone", "13911112222"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert sent.returncode == 0 and f"code queued for {fresh}" in sent.stdout, sent.stderr
    again = subprocess.run([WENGANG, "people", "activate", FIRST, "--reason", "lost the phone"], capture_output=True,
                           text=True, env=env, timeout=120)
    assert again.returncode == 0 and "re-activation request #" in again.stdout, again.stderr
    bootstrap.close_stores()
