"""The audit log in the database: tampering found and named, and the whole flow from the CLI on both stores."""

from __future__ import annotations

import csv
import re

import pytest
from typer.testing import CliRunner

from tests.conftest import AS_OF, PACK
from tests.staff import staff_tokens
from wengang import bootstrap
from wengang.cli.main import app
from wengang.domain.cases import State
from wengang.services import audit

pytestmark = pytest.mark.slow


def tamper(store, sql: str) -> None:
    """Go around the append-only triggers as someone with database access would, then change the log."""
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            for guard in ("audit_log_no_update", "audit_log_no_delete", "audit_head_no_rewind", "audit_head_no_delete"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {guard}")
        conn.exec_driver_sql(sql)


def problems(store):
    result = audit.verify_log(store=store)
    return [(p.seq, p.kind) for p in result.problems]


def test_an_untouched_log_verifies(db_store, opened):
    assert problems(db_store) == []


@pytest.mark.parametrize("column", ["reason", "actor", "data", "to_state"])
def test_editing_one_row_is_found_and_the_entry_named(db_store, opened, column):
    tamper(db_store, f"UPDATE audit_log SET {column} = 'x' WHERE seq = 4")
    assert problems(db_store) == [(4, "edited")]


def test_a_deleted_row_is_found_and_named(db_store, opened):
    tamper(db_store, "DELETE FROM audit_log WHERE seq = 3")
    assert problems(db_store) == [(4, "missing"), (4, "broken-link")]


def test_a_row_cut_from_the_end_is_found(db_store, opened):
    last = audit.verify_log(store=db_store).entries
    tamper(db_store, f"DELETE FROM audit_log WHERE seq = {last}")
    assert problems(db_store) == [(last, "truncated")]


def test_swapped_rows_are_found(db_store, opened):
    tamper(db_store, "UPDATE audit_log SET seq = -1 WHERE seq = 3")
    tamper(db_store, "UPDATE audit_log SET seq = 3 WHERE seq = 4")
    tamper(db_store, "UPDATE audit_log SET seq = 4 WHERE seq = -1")
    found = problems(db_store)
    assert found and found[0][0] == 3 and {kind for _, kind in found} <= {"edited", "broken-link"}


class Cli:
    """`wengang …` in process, pointed at this test's database and data folder."""

    ROLES = {"clerk-wang": "clerk", "reviewer-li": "reviewer"}

    def __init__(self, env: dict[str, str], store):
        self.env, self.runner, self.store, self.tokens = env, CliRunner(), store, {}

    def __call__(self, *args: str, code: int = 0, on: str | None = None, as_: str | None = "clerk-wang") -> str:
        """Run a command as a signed-in member of staff (`as_`, signed in on first use; None: nobody, for what only
        reads); `on` (YYYY-MM-DD) runs it on that Beijing day, as the demo does (WENGANG_CLOCK_START)."""
        if as_ is not None and as_ not in self.tokens:
            self.tokens.update(staff_tokens(self.store, **{as_.replace("-", "_"): self.ROLES[as_]}))
        env = {**self.env, "WENGANG_TOKEN": self.tokens[as_] if as_ else ""}
        if on is not None:
            env["WENGANG_CLOCK_START"] = f"{on}T09:00:00+08:00"
        result = self.runner.invoke(app, list(args), env=env, catch_exceptions=False)
        output = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert result.exit_code == code, output
        assert "Traceback" not in output
        return output


@pytest.fixture
def cli(db_url, db_settings, db_store, tmp_path):
    """The CLI on the test's database, with the same audit key and checkpoint folder as `db_store`, a clerk and a
    reviewer signed in."""
    env = {"WENGANG_DATABASE_URL": db_url, "WENGANG_DATA_DIR": str(tmp_path / "var"),
           "WENGANG_SESSION_FILE": str(tmp_path / "no-session"),
           "WENGANG_KEY_FILE": str(db_settings.key_path),
           "WENGANG_AUDIT_ANCHOR_DIR": str(db_settings.audit_anchor_path), "COLUMNS": "200"}
    yield Cli(env, db_store)
    bootstrap.close_stores()


def first_in(store, state: State):
    with store.reading() as uow:
        return next(iter(uow.cases.of_cycle(1, [state], limit=1)), None)


def test_the_whole_flow_runs_from_the_cli_on_a_generated_city(cli, db_store, tmp_path):
    cli("generate", "city", "--units", "400", "--seed", "11", str(tmp_path / "city"))
    cli("snapshot", "import", str(tmp_path / "city"))
    assert "cycle 1" in cli("cycle", "open", "--policy", PACK, "--as-of", str(AS_OF))
    assert "comparison rounds" in cli("publicity", "start", "1", "--start", "2021-10-08", code=1, on="2021-10-08")
    cli("cycle", "compare", "1")
    held = {s: first_in(db_store, s) for s in (State.REVIEW, State.DISPATCH, State.ACCOUNT_HELD)}
    assert held[State.REVIEW] is not None
    cli("review", "apply", "1", held[State.REVIEW].uscc, "--commitment", "承诺 / we commit", "--accept-commitment")
    assert "rejected" in cli("review", "decide", str(held[State.REVIEW].id), "--reject", "--reason", "未履行承诺",
                             as_="reviewer-li")
    if held[State.DISPATCH]:
        assert "identified" in cli("dispatch", "confirm", str(held[State.DISPATCH].id), "--employer", "用工单位")
    if held[State.ACCOUNT_HELD]:
        cli("account", "confirm", str(held[State.ACCOUNT_HELD].id), "--note", "税务提供账户")
    assert "illegal transition" in cli("review", "decide", str(held[State.REVIEW].id), "--accept", "--reason",
                                       "again", code=1, as_="reviewer-li")
    assert "C1-P1" in cli("publicity", "start", "1", "--start", "2021-10-08", on="2021-10-08")
    cli("publicity", "export", "C1-P1", "--out", str(tmp_path / "list.csv"))
    with (tmp_path / "list.csv").open(encoding="utf-8-sig") as fh:
        listed = list(csv.reader(fh))[1:]
    objected = listed[0][2]
    out = cli("objection", "add", "C1-P1", objected, "--contact", "13812345678", "--text", "已停业", "--on",
              "2021-10-14")
    assert "138****5678" in out and "13812345678" not in out
    cli("objection", "decide", "1", "--sustain", "--reason", "核实已停业", as_="reviewer-li")
    assert "2021-10-15" in cli("publicity", "close", "C1-P1", "--on", "2021-10-14", code=1, on="2021-10-15")
    cli("publicity", "close", "C1-P1", "--on", "2021-10-15", on="2021-10-15")
    assert f"{len(listed) - 1:,} re-verified" in cli("reverify", "1")
    assert "chain intact" in cli("audit", "verify")
    with db_store.reading() as uow:
        objected_id = uow.cases.find(1, objected).id
    shown = cli("audit", "show", str(objected_id))
    assert "objection_sustained" in shown and "138****5678" in shown and "13812345678" not in shown
    status = cli("cycle", "status", "1")
    assert "re-verified" in status and "C1-P1" in status
    tamper(db_store, "UPDATE audit_log SET reason = '改过' WHERE seq = 42")
    broken = cli("audit", "verify", code=1)
    assert "#42" in broken and re.search(r"first at entry #42\b", broken)


def test_the_change_mark_follows_every_append_and_survives_a_dropped_connection(db_store, opened):
    """The web keeps answers while this number stands still: it must move with each change, seen at once."""
    from wengang.domain.audit import Draft

    before = db_store.change_mark()
    assert before == audit.verify_log(store=db_store).entries > 0
    with db_store.transaction() as uow:
        uow.audit.append([Draft("clerk", "note", "cycle:1"), Draft("clerk", "note", "cycle:1")])
        assert db_store.change_mark() == before          # not committed yet: nobody else sees it
        uow.commit()
    assert db_store.change_mark() == before + 2
    if db_store.dialect == "postgresql":                 # the database restarted under the kept connection
        with db_store.engine.connect() as conn:
            conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> "
                                 "pg_backend_pid() AND datname = current_database()")
    assert db_store.change_mark() == before + 2


def test_entries_hashed_in_a_thread_join_the_chain_as_appended_ones_do(db_store, opened):
    """append_soon hashes while the caller works on; the chain it leaves verifies, and a failure surfaces."""
    from wengang.domain.audit import Draft

    before = db_store.change_mark()
    with db_store.transaction() as uow:
        finish = uow.audit.append_soon(Draft("clerk", "note", f"cycle:{i}", data={"n": str(i)}) for i in range(500))
        assert finish() == 500
        uow.commit()
    assert db_store.change_mark() == before + 500 and problems(db_store) == []
    with db_store.transaction() as uow:
        finish = uow.audit.append_soon([Draft(1, "note", "cycle:1")])          # not text: cannot be spelled
        with pytest.raises(TypeError):
            finish()
    assert db_store.change_mark() == before + 500 and problems(db_store) == []


def test_cli_verify_says_what_it_checked_and_names_a_tail_cut_with_its_head(cli, db_store, opened):
    """`audit verify` in Chinese then English: keyed from where, how many checkpoints; a cut tail exits 1."""
    from wengang.domain.audit import Draft

    with db_store.transaction() as uow:
        uow.audit.append([Draft("clerk", "note", "cycle:1"), Draft("clerk", "note", "cycle:1")])
        uow.commit()
    last = audit.verify_log(store=db_store).entries
    clean = cli("audit", "verify", as_=None)
    assert "审计链完好 / chain intact" in clean and "密钥 / keyed: HMAC-SHA256 from entry #1" in clean
    assert f"外部锚点 / checkpoints: 2 in 1 file(s), the last at entry #{last}" in clean
    tamper(db_store, f"DELETE FROM audit_log WHERE seq > {last - 2}")
    tamper(db_store, f"UPDATE audit_head SET seq = {last - 2}, hash = (SELECT hash FROM audit_log WHERE seq = "
                     f"{last - 2})")
    broken = cli("audit", "verify", code=1, as_=None)
    assert f"#{last} truncated: 日志被截断 / the log ends at #{last - 2}" in broken
    assert f"first at entry #{last}" in broken
