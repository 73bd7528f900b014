"""Settings read from the environment (prefix WENGANG_); nothing connects at import."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the embedded stores live and which operational database to use."""

    model_config = SettingsConfigDict(env_prefix="WENGANG_")

    data_dir: Path = Path("var")
    database_url: str | None = None

    @property
    def analytics_path(self) -> Path:
        """The DuckDB file holding imported snapshots and decision runs."""
        return self.data_dir / "analytics.duckdb"

    @property
    def operational_url(self) -> str:
        """SQLite file by default; PostgreSQL when WENGANG_DATABASE_URL is set."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'wengang.sqlite').resolve()}"


def load_settings() -> Settings:
    """A fresh read of the environment, so tests can point the stores elsewhere."""
    return Settings()
