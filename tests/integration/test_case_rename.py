"""Stuck names (issue 12, M4): staff correct a name no bank file takes, with a reason and an audit entry, before
payment only; the case then goes into a payment batch. Both databases, and the CLI."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from tests.builders import uscc
from tests.conftest import CITY
from tests.staff import staff_tokens
from wengang import bootstrap
from wengang.cli.main import app
from wengang.domain.cases import State
from wengang.domain.errors import ConcurrentChange, Refused
from wengang.services import audit, payments, renames

pytestmark = pytest.mark.slow
BAD = "响铃\x07有限公司"
GOOD = "响铃有限公司"


def set_name(store, case_id: int, name: str) -> None:
    """A name as an old snapshot could bring it (the importer refuses such names now)."""
    with store.transaction() as uow:
        uow.connection.execute(text("UPDATE cases SET name = :n WHERE id = :i"), {"n": name, "i": case_id})
        uow.commit()


def case_of(store, key: str, cycle_id: int = 1):
    with store.reading() as uow:
        return uow.cases.find(cycle_id, uscc(CITY[key]))


@pytest.fixture
def stuck(db_store, opened):
    case = case_of(db_store, "eligible")
    set_name(db_store, case.id, BAD)
    return case.id


@pytest.mark.parametrize(("name", "why"), [("=HYPERLINK(1)", "formula"), ("x" * 141, "141 characters"),
                                           ("好\n名", "control character"), ("   ", "blank")])
def test_the_new_name_must_go_into_every_bank_file(db_store, stuck, name, why):
    with pytest.raises(Refused, match=why):
        renames.rename(stuck, store=db_store, name=name, reason="据营业执照", by="clerk-wang")
    assert case_of(db_store, "eligible").name == BAD


def test_a_reason_is_required_and_a_usable_name_is_not_touched(db_store, stuck):
    with pytest.raises(Refused, match="needs a reason"):
        renames.rename(stuck, store=db_store, name=GOOD, reason=" ", by="clerk-wang")
    other = case_of(db_store, "objected")
    with pytest.raises(Refused, match="only an unusable name"):
        renames.rename(other.id, store=db_store, name=GOOD, reason="据营业执照", by="clerk-wang")
    assert renames.stuck_name(other) is None and "control character" in renames.stuck_name(case_of(db_store, "eligible"))


def test_a_stuck_name_is_corrected_with_an_audit_entry_of_both_names(db_store, stuck):
    before = case_of(db_store, "eligible")
    with pytest.raises(ConcurrentChange):
        renames.rename(stuck, store=db_store, name=GOOD, reason="据营业执照", by="clerk-wang",
                       expected_version=before.version + 1)
    x = "x" * 140                                                                   # the longest name taken
    renamed = renames.rename(stuck, store=db_store, name=x, reason="据营业执照", by="clerk-wang",
                             expected_version=before.version)
    assert (renamed.name, renamed.state, renamed.version) == (x, before.state, before.version + 1)
    assert renamed.reason == before.reason                                         # its state's reason stays
    entry = [e for e in audit.history(stuck, store=db_store).entries if e.event == "case_renamed"][-1]
    data = json.loads(entry.data)
    assert (entry.actor, data["old_name"], data["new_name"]) == ("clerk-wang", BAD, x)
    assert "据营业执照" in entry.reason and "control character" in data["why_unusable"]
    assert audit.verify_log(store=db_store).ok
    with pytest.raises(Refused, match="only an unusable name"):                   # once is enough
        renames.rename(stuck, store=db_store, name=GOOD, reason="again", by="clerk-wang")


def test_a_renamed_case_leaves_preparation_and_is_paid_but_not_renamed_after_approval(pay_store, pay_settings,
                                                                                     reverified):
    with pay_store.reading() as uow:
        first = next(uow.cases.of_cycle(reverified, [State.REVERIFIED]))
    set_name(pay_store, first.id, BAD)
    prepared = payments.prepare_batches(reverified, store=pay_store,
                                        analytics=bootstrap.analytics(pay_settings), settings=pay_settings, by="clerk-wang")
    assert [why for code, why in prepared.skipped if code == first.uscc][0].count("control character") == 1
    renames.rename(first.id, store=pay_store, name=GOOD, reason="据营业执照", by="reviewer-li")
    again = payments.prepare_batches(reverified, store=pay_store,
                                     analytics=bootstrap.analytics(pay_settings), settings=pay_settings, by="clerk-wang")
    assert [b.entries for b in again.batches] == [1] and not again.skipped
    set_name(pay_store, first.id, BAD)                          # the attempt keeps its own copy of the name
    with pytest.raises(Refused, match="payment under way"):
        renames.rename(first.id, store=pay_store, name=GOOD, reason="again", by="reviewer-li")
    payments.approve_batch(again.batches[0].number, store=pay_store, settings=pay_settings, by="approver-zhao")
    with pytest.raises(Refused, match="only before payment is approved"):
        renames.rename(first.id, store=pay_store, name=GOOD, reason="again", by="reviewer-li")


def test_the_cli_corrects_a_stuck_name(db_settings, db_store, stuck, monkeypatch):
    monkeypatch.setenv("WENGANG_DATA_DIR", str(db_settings.data_dir))
    monkeypatch.setenv("WENGANG_DATABASE_URL", db_settings.database_url)
    monkeypatch.setenv("WENGANG_SESSION_FILE", str(db_settings.data_dir / "no-session"))
    runner, tokens = CliRunner(), staff_tokens(db_store, clerk_wang="clerk", approver_li="approver")
    try:
        anonymous = runner.invoke(app, ["case", "rename", str(stuck), "--name", GOOD, "--reason", "r"])
        approver = runner.invoke(app, ["case", "rename", str(stuck), "--name", GOOD, "--reason", "r"],
                                 env={"WENGANG_TOKEN": tokens["approver-li"]})
        clerk = {"WENGANG_TOKEN": tokens["clerk-wang"]}
        refused = runner.invoke(app, ["case", "rename", str(stuck), "--name", "=x", "--reason", "r"], env=clerk)
        done = runner.invoke(app, ["case", "rename", str(stuck), "--name", GOOD, "--reason", "据营业执照"], env=clerk)
    finally:
        bootstrap.close_stores()
    assert anonymous.exit_code == 1 and "wengang login" in anonymous.output
    assert approver.exit_code == 1 and "case.rename" in approver.output
    assert refused.exit_code == 1 and "may not start with '='" in refused.output and "Traceback" not in refused.output
    assert done.exit_code == 0 and "name corrected" in done.output
    assert case_of(db_store, "eligible").name == GOOD
    with db_store.reading() as uow:
        assert [e.actor for e in uow.audit.for_case(stuck) if e.event == "case_renamed"] == ["clerk-wang"]
