"""Engines for the operational store: SQLite tuned for one writer at a time, PostgreSQL as is; migrations."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

WRITE = "wengang_write"  # execution option: False for read-only transactions


def make_engine(url: str) -> Engine:
    """An engine; on SQLite every write transaction starts with BEGIN IMMEDIATE so writers queue, not fail."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None   # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-262144")   # 256 MB: bulk index maintenance stays in memory
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE, True) else "BEGIN")

    return engine


def migrations_dir() -> Path:
    """migrations/ of the project (WENGANG_MIGRATIONS overrides, e.g. for an installed wheel)."""
    override = os.environ.get("WENGANG_MIGRATIONS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[4] / "migrations"


def alembic_config(url: str | None = None):
    from alembic.config import Config

    folder = migrations_dir()
    cfg = Config(str(folder.parent / "alembic.ini")) if (folder.parent / "alembic.ini").is_file() else Config()
    cfg.set_main_option("script_location", str(folder))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """`alembic upgrade head` on this engine's database, in one transaction."""
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # noqa: BLE001 - no table yet means no revision
            return None
