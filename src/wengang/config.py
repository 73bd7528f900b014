"""Settings read from the environment (prefix WENGANG_); nothing connects at import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


class Settings(BaseSettings):
    """Where the embedded stores live and which operational database to use."""

    model_config = SettingsConfigDict(env_prefix="WENGANG_")

    data_dir: Path = Path("var")
    database_url: str | None = None
    # The fund's own account, which every payment file debits (the agency's, per city).
    fund_account_no: str = "0200049009024618888"
    fund_bank_code: str = "102100004905"
    fund_name: str = "北京市社会保险基金管理中心"
    # A batch above this total needs a second approver besides the first (four eyes become six).
    second_approval_above: Decimal = Decimal("5000000.00")
    # Banks (first three digits of the CNAPS code) that take another format than pain.001.001.09.
    bank_formats: dict[str, str] = {"103": "pain.001.001.03", "313": "csv"}
    # The master key (32 bytes, mode 0600) of the audit chain's HMAC and of sealed secrets: outside the databases.
    key_file: Path | None = None
    # Where checkpoints of the audit chain are appended, a file per day: production mounts storage here that the
    # database administrator cannot write (another machine, WORM). One folder per database.
    audit_anchor_dir: Path | None = None
    # For demos and simulations only, never in production: the instant (ISO, e.g. 2021-07-01T09:00:00+08:00) the
    # clock of every unit of work starts at, running on from there; a time without a zone is read as UTC.
    clock_start: dt.datetime | None = None

    @property
    def analytics_path(self) -> Path:
        """The DuckDB file holding imported snapshots and decision runs."""
        return self.data_dir / "analytics.duckdb"

    @property
    def outbox_path(self) -> Path:
        """Where the outbox channel hands notifications over (an SMS or WeChat gateway reads it)."""
        return self.data_dir / "outbox" / "notifications.jsonl"

    @property
    def key_path(self) -> Path:
        """The master key file: WENGANG_KEY_FILE, or keys/master.key beside the embedded stores."""
        return self.key_file or self.data_dir / "keys" / "master.key"

    @property
    def audit_anchor_path(self) -> Path:
        """WENGANG_AUDIT_ANCHOR_DIR, or by default one folder per database: audit-anchors/ beside the embedded
        store, `<name>-audit-anchors/` beside another SQLite file, audit-anchors/<database>/ for PostgreSQL."""
        if self.audit_anchor_dir is not None:
            return self.audit_anchor_dir
        if self.database_url is None:
            return self.data_dir / "audit-anchors"
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            path = Path(url.database)
            return path.with_name(f"{path.stem}-audit-anchors")
        return self.data_dir / "audit-anchors" / f"{url.host or 'local'}-{url.database or 'default'}"

    @property
    def operational_url(self) -> str:
        """SQLite file by default; PostgreSQL when WENGANG_DATABASE_URL is set."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'wengang.sqlite').resolve()}"


def load_settings() -> Settings:
    """A fresh read of the environment, so tests can point the stores elsewhere."""
    return Settings()
