"""Each criterion's test as an Ibis expression over the unit frame: the registry (criteria.py) names one per criterion."""

from __future__ import annotations

import ibis
from ibis.expr.types import BooleanValue, Table

from wengang.rules import relief
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


def difficulty(t: Table, p: Resolved) -> ibis.Value:
    """Certified in difficulty on the evaluation date (the flag `difficulty_certified` active on it)."""
    return ibis.cases((t.flag_difficulty_certified, "pass"), else_="fail")


def region_fund(t: Table, p: Resolved) -> ibis.Value:
    """The region's UI fund reserve covers at least the pack's months of payments; unknown where the region has not
    supplied its reserve (or, for the benefit formula, its monthly benefit)."""
    reserve = p.regional_or_null("fund_reserve_months", t.region, 1)
    minimum = p.integer("fund_reserve_min_months")
    known = reserve.notnull()
    if p.text("benefit_months") != "none":
        known = known & p.regional_or_null("monthly_benefit", t.region, 100).notnull()
    return ibis.cases((reserve.notnull() & (reserve < minimum), "fail"), (known, "pass"), else_="unknown")


def headcount(t: Table, p: Resolved) -> ibis.Value:
    """The headcount (insured at the end of the month before evaluation) and, for the premium formula, every month
    it reads are in the data."""
    months = p.integer("premium_months") if p.text("premium_months") != "none" else 0
    known = t.headcount.notnull() & ((t.recent_months >= months) if months else ibis.literal(True))
    return ibis.cases((known, "pass"), else_="unknown")


def risk_area(t: Table, p: Resolved) -> ibis.Value:
    """The unit's area is listed as a medium- or high-risk area on the evaluation date (its flag active)."""
    return ibis.cases((t.flag_epidemic_risk_area, "pass"), else_="fail")


def retention_size(t: Table, p: Resolved) -> ibis.Value:
    """SMEs are covered; a large unit only in an industry the pack lists on the day (the 2022-05-31 extension). An
    unknown class is covered when either class would be, else unknown."""
    industries = list(p.words("large_industries")) if p.text("large_industries") != "none" else []
    listed = t.industry.isin(industries) if industries else ibis.literal(False)
    return ibis.cases((t.size_class.isin(["medium", "small", "micro"]), "pass"),
                      (listed, "pass"), (t.size_class == "large", "fail"), else_="unknown")


def listed_headcount(t: Table, p: Resolved) -> ibis.Value:
    """The insured of the month the area was listed is in the data; not applicable (NULL) where no area is listed."""
    return ibis.cases((t.headcount.notnull(), "pass"), (t.flag_epidemic_risk_area, "unknown"),
                      else_=ibis.null("string"))


def relief_kind(t: Table, p: Resolved) -> ibis.Value:
    """Exempt or halved is known from the unit's type and, for an enterprise, its size class (rules/relief.py);
    unknown for an enterprise of unknown class; not applicable (NULL) for a type in neither list (the scope says)."""
    kind = relief.unit_kind(t.unit_type, t.size_class, p)
    return ibis.cases((kind.notnull(), "pass"), (t.unit_type == relief.ENTERPRISE, "unknown"),
                      else_=ibis.null("string"))


def relief_defer(t: Table, p: Resolved) -> ibis.Value:
    """A certification in difficulty opened a deferral window (rules/relief.py `deferrals`); otherwise not
    applicable (NULL): deferral is never a condition of the relief."""
    relief.months(p)                                   # the deferral parameters it applies, read for the record
    return ibis.cases((t.defer_from.notnull(), "pass"), else_=ibis.null("string"))


def relief_dues(t: Table, p: Resolved) -> ibis.Value:
    """The unit's dues rows in its relief or deferral months give it something (relief or a deferred amount > 0);
    unknown where the snapshot has no dues or none for the unit in those months (unknown is not zero); not
    applicable (NULL) to a unit out of scope."""
    kind = relief.unit_kind(t.unit_type, t.size_class, p)
    exempt, halve = t.exempt_fen + t.exempt_deferred_fen, t.halve_fen + t.halve_deferred_fen
    got = ibis.cases((kind == relief.EXEMPT, exempt), (kind == relief.HALVE, halve),
                     else_=ibis.greatest(exempt, halve))
    outcome = ibis.cases((t.dues_rows.isnull(), "unknown"), (t.dues_rows == 0, "unknown"), (got > 0, "pass"),
                         else_="fail")
    return ibis.cases((t.unit_type.isin(list(p.words("scope_unit_types"))), outcome), else_=ibis.null("string"))
