"""Engines for the operational store: SQLite tuned for one writer at a time, PostgreSQL as is; migrations."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

WRITE = "wengang_write"  # execution option: False for read-only transactions
PATIENCE = "wengang_patience_ms"  # execution option: how long a SQLite write waits for another writer
DEFAULT_PATIENCE_MS = 60_000


def make_engine(url: str) -> Engine:
    """An engine; on SQLite every write transaction starts with BEGIN IMMEDIATE so writers queue, not fail."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": DEFAULT_PATIENCE_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None   # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-262144")   # 256 MB: bulk index maintenance stays in memory
        # The log is copied back by WalCheckpointer's thread after each commit; the committer itself only when
        # that thread falls behind by ~400 MB (SQLite's default, 1,000 pages, would make every bulk commit wait).
        cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        options = conn.get_execution_options()
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(options.get(PATIENCE, DEFAULT_PATIENCE_MS))}")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE, True) else "BEGIN")

    return engine


AUTOCHECKPOINT_PAGES = 100_000


# A checkpoint holds SQLite's own mutexes; a process forked in the middle of one (a worker of a process pool) would
# inherit them locked and hang at its first connect. Forking waits for a running checkpoint to end.
_CHECKPOINTING = threading.Lock()
os.register_at_fork(before=_CHECKPOINTING.acquire, after_in_parent=_CHECKPOINTING.release,
                    after_in_child=_CHECKPOINTING.release)


class WalCheckpointer:
    """Copies SQLite's write-ahead log back into the database file in a thread of its own, woken after each commit:
    a transaction that wrote half a million rows then does not also wait while they are copied a second time.
    A checkpoint may stop at any point without harm (SQLite's design), so the thread is a daemon."""

    IDLE_SECONDS = 30.0

    def __init__(self, path: str):
        self.path = path
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @classmethod
    def for_engine(cls, engine: Engine) -> WalCheckpointer | None:
        """One for a SQLite file; None for PostgreSQL or an in-memory database."""
        url = engine.url
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return None
        return cls(url.database)

    def soon(self) -> None:
        """Wake the thread (starting it if it idled out or this process was forked)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop = False
                self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
                self._thread.start()
        self._wake.set()

    def close(self, timeout: float = 60.0) -> None:
        """Finish the checkpoint under way, then stop."""
        with self._lock:
            thread, self._stop = self._thread, True
        self._wake.set()
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop:
                if not self._wake.wait(self.IDLE_SECONDS):
                    return                                  # idle: the next commit starts another thread
                self._wake.clear()
                with _CHECKPOINTING:
                    con.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            return                                          # the committers' own checkpoints take over
        finally:
            con.close()


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
