"""Finding M1 of issue 12: an activation code is sent, never stored in clear (database, files, logs), on SQLite and
PostgreSQL; only the gateway's key opens the sealed message, and the seal is wiped once delivered."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import String, Text, select

from tests.builders import uscc
from tests.conftest import CITY
from tests.web.conftest import code_of
from wengang import bootstrap
from wengang.adapters.db.payment_tables import notifications
from wengang.adapters.db.tables import metadata
from wengang.adapters.sealer import SealBroken
from wengang.config import Settings
from wengang.services import notify, people

pytestmark = pytest.mark.slow
UNIT = uscc(CITY["eligible"])


def clear_in_database(store, secret: str) -> list[str]:
    """Every text column of every table that holds `secret` anywhere in a value."""
    found = []
    with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for row in conn.execute(select(*columns)) if columns else ():
                found += [f"{table.name}.{c.name}" for c, v in zip(columns, row, strict=True)
                          if isinstance(v, str) and secret in v]
    return found


def clear_in_files(folder: Path, secret: str) -> list[str]:
    """Every file under the folder whose bytes hold `secret` (the SQLite file and its WAL included)."""
    return [str(p) for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


@pytest.fixture
def own_dir(db_url, tmp_path) -> Settings:
    """Settings whose data dir (key file, outbox) is this test's own folder, the SQLite file beside them."""
    return Settings(data_dir=tmp_path, database_url=db_url)


def test_no_code_is_in_clear_in_the_database_the_files_or_the_logs(db_store, own_dir, opened, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    sealer = bootstrap.sealer(own_dir)
    people.issue_activation(UNIT, store=db_store, by="clerk-wang", phone="13911112222", sealer=sealer)
    people.invite_staff("clerk-new", "clerk", store=db_store, by="admin-qian", phone="13922223333", sealer=sealer)
    with db_store.reading() as uow:
        pending = uow.notifications.of_kind("activation_code")
    assert len(pending) == 2 and all(m.sealed.startswith("v1.") and "*" * 10 in m.text for m in pending)
    unit_code, staff_code = code_of(db_store, own_dir, UNIT), code_of(db_store, own_dir, "clerk-new")
    people.activate(UNIT, unit_code, "Good-pass-2021", store=db_store)
    for code in (unit_code, staff_code):
        assert clear_in_database(db_store, code) == []
        assert clear_in_files(tmp_path, code) == []
        assert code not in caplog.text
    with db_store.reading() as uow:
        sent = uow.notifications.of_kind("activation_code")
    assert all(m.status == "sent" and m.sealed is None for m in sent)          # the seal is gone once sent
    assert "*" * 10 in notify.for_unit(UNIT, store=db_store)[0].text            # what the portal shows: masked


def test_the_outbox_file_holds_sealed_lines_that_only_the_key_opens(db_store, own_dir, opened, tmp_path):
    people.issue_activation(UNIT, store=db_store, by="clerk-wang", phone="13911112222",
                            sealer=bootstrap.sealer(own_dir))
    code = code_of(db_store, own_dir, UNIT)
    [line] = bootstrap.outbox(own_dir).read()
    assert line["recipient"] == "139****2222" and code not in json.dumps(line, ensure_ascii=False)
    [opened_line] = bootstrap.outbox(own_dir).opened()
    assert code in opened_line["text"] and opened_line["recipient"] == "13911112222"    # what the gateway sends
    other_key = bootstrap.sealer(Settings(data_dir=tmp_path / "elsewhere"))
    with pytest.raises(SealBroken, match="does not open"):
        other_key.open(line["sealed"], line["seal_context"])                       # another key opens nothing
    with pytest.raises(SealBroken, match="does not open"):
        bootstrap.sealer(own_dir).open(line["sealed"], notify.seal_context("activation_code", uscc(2)))


def test_a_sealed_message_moved_to_another_row_does_not_open(db_store, own_dir, opened):
    sealer = bootstrap.sealer(own_dir)
    people.issue_activation(UNIT, store=db_store, by="clerk-wang", phone="13911112222", sealer=sealer)
    with db_store.engine.begin() as conn:                     # a database administrator copies the seal elsewhere
        sealed = conn.execute(select(notifications.c.sealed)).scalar_one()
        conn.execute(notifications.insert().values(uscc=uscc(2), recipient="13700000000", channel="sms",
                                                   kind="activation_code", text="x", status="pending",
                                                   created_at=dt.datetime(2026, 1, 1), sealed=sealed))
    notify.deliver(store=db_store, channel=bootstrap.outbox(own_dir))
    with pytest.raises(SealBroken):
        bootstrap.outbox(own_dir).opened()
