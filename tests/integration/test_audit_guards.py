"""Audit records protected from deletion in the database itself (level 3), and a chain written before the key
carried over: its old entries checked the old way and counted, the new ones keyed."""

from __future__ import annotations

import secrets

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from tests.integration.test_audit_tampering import tamper
from wengang import bootstrap
from wengang.adapters.db.engine import alembic_config
from wengang.adapters.db.tables import AUDIT_COLUMNS, audit_head, audit_log
from wengang.cli.main import app
from wengang.config import Settings
from wengang.domain.audit import GENESIS, Draft, chain
from wengang.services import audit

pytestmark = pytest.mark.slow


def refused(store, statement) -> str:
    """Run one statement as the application's own login would; the database's refusal, or '' if it was taken."""
    with store.engine.connect() as conn:
        try:
            conn.execute(text(statement) if isinstance(statement, str) else statement)
        except Exception as err:  # noqa: BLE001 - which driver error it is does not matter, its text does
            return str(getattr(err, "orig", err))
        finally:
            conn.rollback()
    return ""


def head_now(store) -> tuple:
    """The head row as stored."""
    with store.engine.connect() as conn:
        return tuple(conn.execute(select(audit_head)).one())


def test_the_head_only_moves_forward(db_store, opened):
    seq, digest = head_now(db_store)[1:3]
    for change in ({"seq": seq - 1}, {"seq": 0, "hash": GENESIS}, {"hash": "f" * 64}, {"keyed_from": 5},
                   {"chain": "0" * 32}):
        assert "only moves forward" in refused(db_store, update(audit_head).values(**change)), change
    assert "only moves forward" in refused(db_store, audit_head.delete())
    assert refused(db_store, update(audit_head).values(seq=seq + 1, hash="e" * 64)) == ""   # forward: taken
    assert refused(db_store, update(audit_head).values(seq=seq)) == ""                      # unchanged: taken
    assert head_now(db_store)[1:3] == (seq, digest)                                         # (rolled back)


def test_no_entry_can_be_purged_whatever_its_age(db_store, opened):
    """There is no purge path: the oldest entries, a whole log, or (PostgreSQL) a TRUNCATE are all refused."""
    assert "append-only" in refused(db_store, audit_log.delete().where(audit_log.c.seq <= 3))
    assert "append-only" in refused(db_store, "DELETE FROM audit_log")
    if db_store.dialect == "postgresql":
        for table in ("audit_log", "audit_head"):
            assert "TRUNCATE refused" in refused(db_store, f"TRUNCATE {table}")
    assert audit.verify_log(store=db_store).ok


def test_a_deleted_row_with_the_triggers_dropped_is_named(db_store, opened):
    tamper(db_store, audit_log.delete().where(audit_log.c.seq == 2))
    assert [(p.seq, p.kind) for p in audit.verify_log(store=db_store).problems] == [(3, "missing"),
                                                                                    (3, "broken-link")]


@pytest.fixture
def fresh_url(request, tmp_path):
    """An empty database of its own (not the migrated template): SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"wengang_keyed_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.mark.parametrize("fresh_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_a_chain_from_before_the_key_carries_over_counted_and_pinned(fresh_url, tmp_path):
    engine = create_engine(fresh_url)
    cfg = alembic_config()
    with engine.begin() as conn:                        # a database as it was before migration 0006
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
        old = list(chain([Draft("clerk", "note", f"cycle:{i}") for i in range(3)], after_seq=0, after_hash=GENESIS,
                         at="2026-11-30T08:00:00.000000Z", key=None))
        conn.execute(audit_log.insert(), [e._asdict() for e in old])
        conn.execute(update(audit_head).values(seq=3, hash=old[-1].hash))
    engine.dispose()
    settings = Settings(data_dir=tmp_path / "var", database_url=fresh_url)
    store = bootstrap.open_store(settings)             # migrates to head: keyed from #4
    try:
        with store.transaction() as uow:
            uow.audit.append([Draft("clerk", "note", "cycle:9")])
            uow.commit()
        result = audit.verify_log(store=store)
        assert result.ok and (result.keyed_from, result.unkeyed, result.entries, result.anchors) == (4, 3, 4, 1)
        env = {"WENGANG_DATABASE_URL": fresh_url, "WENGANG_DATA_DIR": str(tmp_path / "var"), "COLUMNS": "200"}
        shown = CliRunner().invoke(app, ["audit", "verify"], env=env)
        assert shown.exit_code == 0 and "审计链完好 / chain intact" in shown.output
        assert "HMAC-SHA256 from entry #4; 3 older entries predate the key" in shown.output
        assert "外部锚点 / checkpoints: 1 in 1 file(s), the last at entry #4" in shown.output
        with store.engine.connect() as conn:             # the plain entries are pinned by the first keyed one
            plain = conn.execute(select(*(audit_log.c[c] for c in AUDIT_COLUMNS)).where(audit_log.c.seq == 2)).one()
        edited = plain._asdict() | {"reason": "改过 / changed"}
        edited["hash"] = chain([Draft("clerk", "note", "cycle:1", reason="改过 / changed")], after_seq=1,
                               after_hash=old[0].hash, at=plain.at, key=None).__next__().hash
        rest = next(chain([Draft("clerk", "note", "cycle:2")], after_seq=2, after_hash=edited["hash"], at=plain.at,
                          key=None))
        tamper(store, update(audit_log).where(audit_log.c.seq == 2).values(**edited),
               update(audit_log).where(audit_log.c.seq == 3).values(**rest._asdict()))
        assert [(p.seq, p.kind) for p in audit.verify_log(store=store).problems] == [(4, "broken-link")]
    finally:
        store.close()
        bootstrap.close_stores()
