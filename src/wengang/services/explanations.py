"""Read a stored explanation back: no rule is evaluated, so this is quick enough for a phone. A case decided again
with facts a reviewer supplied (services/review.py) is explained by the same rules with those facts, and says so."""

from __future__ import annotations

from wengang.domain.audit import Entry
from wengang.domain.cases import Case
from wengang.domain.ports import Analytics
from wengang.rules import plain
from wengang.rules.explain import Line, explain
from wengang.rules.plain import Reading
from wengang.services import supplied


def explain_unit(uscc: str, *, analytics: Analytics, run_id: str | None = None) -> tuple[str, list[Line]] | None:
    """The stored explanation of a unit in a run (default: the newest run that decided it)."""
    found = analytics.decided(uscc, run_id)
    return explain(found.row, found.parameters) if found else None


def explain_case(case: Case, entries: list[Entry], *, analytics: Analytics) -> tuple[str, list[Line]] | None:
    """A case's explanation: its run's stored one, or, where a reviewer supplied facts (the newest in its audit
    trail), the unit decided again with them, headed by what was supplied and on what evidence."""
    facts = supplied.facts_of(entries)
    if facts is None:
        return explain_unit(case.uscc, analytics=analytics, run_id=case.run_id)
    found = analytics.redecide(case.uscc, case.run_id, facts.values)
    if found is None:
        return None
    headline, lines = explain(found.row, found.parameters)
    return headline, [supplied.supplied_line(facts), *lines]


def read_case(case: Case, entries: list[Entry], *, analytics: Analytics) -> Reading | None:
    """A case's decision as facts to word for its unit: its run's stored row, or the unit decided again with the
    facts a reviewer supplied (which the reading carries)."""
    facts = supplied.facts_of(entries)
    found = (analytics.decided(case.uscc, case.run_id) if facts is None
             else analytics.redecide(case.uscc, case.run_id, facts.values))
    if found is None:
        return None
    return plain.read(found.row, found.parameters, facts.values if facts else None)
