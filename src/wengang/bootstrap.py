"""The one composition root: which settings, stores and adapters a command or the web app runs with."""

from __future__ import annotations

from wengang.config import Settings, load_settings


def settings() -> Settings:
    """The settings of this process, read from the environment when asked for (never at import)."""
    return load_settings()
