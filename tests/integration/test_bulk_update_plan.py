"""A bulk update on PostgreSQL finds its rows by the key's index, however few the planner guesses the guard keeps:
joined on the key alone, it hashed the whole table for every batch of 2,000 (issue 16: quadratic at half a million)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import BigInteger, Column, DateTime, MetaData, String, Table, create_engine

from wengang.adapters.db.bulk import insert_rows, update_rows

ROWS, BATCH = 60_000, 2_000
AT = dt.datetime(2026, 12, 4, 2, 0)


@pytest.mark.postgres
def test_a_batch_is_marked_through_the_key_index_not_a_scan_of_the_table(postgres_url):
    marks = Table("bulk_marks", MetaData(), Column("id", BigInteger, primary_key=True), Column("status", String(10)),
                  Column("sent_at", DateTime), prefixes=["TEMPORARY"])
    engine = create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            marks.create(conn)
            insert_rows(conn, marks, ("id", "status"), ((i, "pending") for i in range(ROWS)))  # analysed: grown
            conn.exec_driver_sql("UPDATE bulk_marks SET status = 'sent' WHERE mod(id, 10) = 0")
            scans = "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables WHERE relid = 'bulk_marks'::regclass"
            seq_before, idx_before = conn.exec_driver_sql(scans).one()
            wanted = range(0, 2 * BATCH, 2)     # 2,000 ids, 400 of them already sent: left alone by the guard
            changed = update_rows(conn, marks, "id", ("status", "sent_at"), [(i, "sent", AT) for i in wanted],
                                  only=("status", "pending"))
            seq_after, idx_after = conn.exec_driver_sql(scans).one()
            after = dict(conn.exec_driver_sql("SELECT status, count(*) FROM bulk_marks GROUP BY status").all())
    finally:
        engine.dispose()
    assert changed == BATCH - BATCH // 5
    assert after == {"sent": ROWS // 10 + changed, "pending": ROWS - ROWS // 10 - changed}
    assert seq_after == seq_before and idx_after > idx_before, (seq_before, seq_after, idx_before, idx_after)
