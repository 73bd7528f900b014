"""Read a stored explanation back: no rule is evaluated, so this is quick enough for a phone."""

from __future__ import annotations

from wengang.config import Settings
from wengang.rules import runs
from wengang.rules.explain import Line, explain
from wengang.snapshot import store


def explain_unit(uscc: str, *, settings: Settings, run_id: str | None = None) -> tuple[str, list[Line]] | None:
    """The stored explanation of a unit in a run (default: the newest run that decided it)."""
    if not settings.analytics_path.exists():
        return None
    con = store.connect(settings.analytics_path, read_only=True)
    try:
        row = runs.latest_row(con, uscc, run_id)
        if row is None:
            return None
        return explain(row, runs.parameters(con, row["run_id"]))
    finally:
        con.close()
