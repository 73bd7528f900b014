"""Read a stored explanation back: no rule is evaluated, so this is quick enough for a phone."""

from __future__ import annotations

from wengang.domain.ports import Analytics
from wengang.rules.explain import Line, explain


def explain_unit(uscc: str, *, analytics: Analytics, run_id: str | None = None) -> tuple[str, list[Line]] | None:
    """The stored explanation of a unit in a run (default: the newest run that decided it)."""
    found = analytics.decided(uscc, run_id)
    return explain(found.row, found.parameters) if found else None
