"""The embedded store copies its write-ahead log back in a thread of its own, and nothing is lost by it."""

from __future__ import annotations

import sqlite3

from sqlalchemy import text

from wengang.adapters.db.engine import AUTOCHECKPOINT_PAGES
from wengang.adapters.db.store import SqlStore
from wengang.adapters.keys import KeyFile
from wengang.domain.audit import Draft


def test_a_bulk_commit_leaves_copying_the_log_to_the_thread_and_every_row_arrives(tmp_path):
    path = tmp_path / "store.sqlite"
    store = SqlStore.open(f"sqlite:///{path}", keys=KeyFile(tmp_path / "master.key"))   # appending needs the key
    with store.reading() as uow:
        assert uow.connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == AUTOCHECKPOINT_PAGES
    with store.transaction() as uow:
        uow.audit.append(Draft("clerk", "note", f"test:{i}", reason="x" * 200) for i in range(20_000))
        uow.commit()
    store._checkpointer.close()                   # the thread finishes the copy it was woken for
    con = sqlite3.connect(path)
    try:
        busy, log, copied = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert busy == 0 and log == copied > 1_000     # more than SQLite's own 1,000-page trigger, all copied
    finally:
        con.close()
    store._checkpointer.soon()                    # woken again after a close (or in a forked worker): a new thread
    with store.transaction() as uow:
        uow.connection.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))
        uow.commit()
    store.close()
    reopened = SqlStore.open(f"sqlite:///{path}", migrate=False)
    try:
        assert reopened.change_mark() == 20_000
    finally:
        reopened.close()
