"""Each criterion's test as an Ibis expression over the unit frame: the registry (criteria.py) names one per criterion."""

from __future__ import annotations

import ibis
from ibis.expr.types import BooleanValue, Table

from wengang.rules.resolved import Resolved


def three_valued(passed: BooleanValue) -> ibis.Value:
    """Three-valued, for a column that may be NULL (IS NULL only ever follows a column or a CASE here:
    Ibis 12 does not parenthesise `NOT x IS NULL` or `x IN (...) IS NULL`, which SQL misreads)."""
    return ibis.cases((passed.isnull(), "unknown"), (passed, "pass"), else_="fail")


def two_valued(passed: BooleanValue) -> ibis.Value:
    """For criteria whose inputs are never missing."""
    return ibis.cases((passed, "pass"), else_="fail")


def _any_flag(t: Table, flags: tuple[str, ...]) -> BooleanValue:
    return ibis.or_(*[t[f"flag_{f}"] for f in flags]) if flags else ibis.literal(False)


def scope(t: Table, p: Resolved) -> ibis.Value:
    return two_valued(t.unit_type.isin(list(p.words("scope_unit_types"))))


def paid_months(t: Table, p: Resolved) -> ibis.Value:
    return two_valued(t.months_full >= p.integer("min_paid_months"))


def arrears(t: Table, p: Resolved) -> ibis.Value:
    return two_valued(t.arrears_fen <= int(p.raw("arrears_tolerance").value * 100))


def layoff(t: Table, p: Resolved) -> ibis.Value:
    """The limit and formula were applied when the frame got `layoff_pass` (rules/layoff.py)."""
    return three_valued(t.layoff_pass)


def flags_exclude(t: Table, p: Resolved) -> ibis.Value:
    # No `~` here: Ibis 12 compiles (~x).isnull() to `NOT x IS NULL`, which SQL reads as NOT (x IS NULL).
    return ibis.cases((_any_flag(t, p.words("exclude_flags")), "fail"), else_="pass")


def size(t: Table, p: Resolved) -> ibis.Value:
    """The ratio (`ratio_units`) is known when the class is, or when the large and SME ratios are the same."""
    return ibis.cases((t.ratio_units.notnull(), "pass"), else_="unknown")


def flags_review(t: Table, p: Resolved) -> ibis.Value:
    return ibis.cases((_any_flag(t, p.words("review_flags")), "review"), else_="pass")
