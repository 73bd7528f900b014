"""Finding M8 of issue 12, CLI part: `wengang login` opens a session like the web does and keeps its token in a file
only its user reads; `principal_for_cli` turns the token into the signed-in person and checks a permission."""

from __future__ import annotations

import subprocess

import pytest

from tests.web.conftest import FIRST, PASSWORD, STAFF, code_of
from tests.web.test_cli_web import WENGANG, env_of
from wengang import bootstrap
from wengang.cli import web
from wengang.domain.errors import Refused
from wengang.services import people

pytestmark = pytest.mark.slow


def run(args: list[str], env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([WENGANG, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)


def test_the_cli_principal_needs_a_live_staff_token_with_the_permission(db_store, db_settings, opened):
    for missing in (None, "", "not-a-token"):
        with pytest.raises(Refused, match="wengang login"):
            people.principal_for_cli(missing, "batch.approve", store=db_store)
    people.create_staff(STAFF["approver"], "approver", store=db_store, by="operator", password=PASSWORD)
    token, _ = people.sign_in(STAFF["approver"], PASSWORD, store=db_store, employer=False)
    who = people.principal_for_cli(token, "batch.approve", store=db_store)
    assert (who.username, who.role) == (STAFF["approver"], "approver")
    with pytest.raises(Refused, match="may not do this"):
        people.principal_for_cli(token, "batch.prepare", store=db_store)
    people.issue_activation(FIRST, store=db_store, by="clerk", sealer=bootstrap.sealer(db_settings))
    people.activate(FIRST, code_of(db_store, db_settings, FIRST), PASSWORD, store=db_store)
    unit_token, _ = people.sign_in(FIRST, PASSWORD, store=db_store, employer=True)
    with pytest.raises(Refused, match="staff accounts only"):
        people.principal_for_cli(unit_token, store=db_store)
    people.sign_out(who, store=db_store)
    with pytest.raises(Refused, match="not signed in"):
        people.principal_for_cli(token, "batch.approve", store=db_store)


def test_login_writes_a_private_token_file_and_logout_ends_the_session(world_settings, tmp_path):
    session = tmp_path / "cfg" / "session"
    env = {**env_of(world_settings), "WENGANG_SESSION_FILE": str(session)}
    made = run(["people", "add-staff", "security-sun", "--role", "security", "--password", "First-officer-1"], env)
    assert made.returncode == 0, made.stderr                                       # the first officer: on the server
    wrong = run(["login", "security-sun", "--password-stdin"], env, "Not-the-pass-1\n")
    assert wrong.returncode == 1 and "wrong user name" in wrong.stderr and "Traceback" not in wrong.stderr
    assert not session.exists()
    done = run(["login", "security-sun", "--password-stdin"], env, "First-officer-1\n")
    assert done.returncode == 0, done.stderr
    assert session.stat().st_mode & 0o777 == 0o600
    token = session.read_text().strip()
    store = bootstrap.store(world_settings)
    assert people.principal_for_cli(token, "roles.grant", store=store).username == "security-sun"
    out = run(["logout"], env)
    assert out.returncode == 0 and not session.exists()
    with pytest.raises(Refused, match="not signed in"):
        people.principal_for_cli(token, store=store)
    bootstrap.close_stores()


def test_the_token_comes_from_the_environment_first_and_never_from_a_file_others_read(tmp_path, monkeypatch):
    session = tmp_path / "session"
    monkeypatch.setenv("WENGANG_SESSION_FILE", str(session))
    monkeypatch.delenv("WENGANG_TOKEN", raising=False)
    assert web.session_token() is None
    session.write_text("from-the-file\n")
    session.chmod(0o600)
    assert web.session_token() == "from-the-file"
    monkeypatch.setenv("WENGANG_TOKEN", "from-the-env")
    assert web.session_token() == "from-the-env"
    monkeypatch.delenv("WENGANG_TOKEN")
    session.chmod(0o644)
    with pytest.raises(Refused, match="readable by others"):
        web.session_token()
