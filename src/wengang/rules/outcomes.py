"""Each criterion's test as an Ibis expression over the unit frame: the registry (criteria.py) names one per criterion."""

from __future__ import annotations

import ibis
from ibis.expr.types import BooleanValue, Table

from wengang.rules import relief
from wengang.rules.parameters import PackError
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


# -- programmes paying per person (job expansion §3, internships §8): the unit's tests over its per-person measures
def person_file(t: Table, p: Resolved) -> ibis.Value:
    """The snapshot had the programme's person file (rules/persons.py sets `persons_known`)."""
    return two_valued(t.persons_known)


def eligible_persons(t: Table, p: Resolved) -> ibis.Value:
    """At least one eligible person and none undecided; not applicable (NULL) without the person file."""
    return ibis.cases((t.pending_persons > 0, "unknown"), (t.eligible_persons > 0, "pass"), (t.persons_known, "fail"),
                      else_=ibis.null("string"))


# -- a hire's tests over the hire frame (rules/persons.py: integer day keys yyyymmdd, so a difference of 10000
# -- is one year to the day on both backends) -----------------------------------------------------------------------
YEAR_KEY = 10_000


def hire_category(t: Table, p: Resolved) -> ibis.Value:
    """`category` is required (DATA.md): two-valued, and no `IN (...) IS NULL`, which Spark cannot parse."""
    return two_valued(t.category.isin(list(p.words("hire_categories"))))


def graduation(t: Table, p: Resolved) -> ibis.Value:
    """A graduate of the pack's year, or (where the pack sets a window) hired before the window's anniversary of
    graduating; NULL for anyone not a graduate."""
    year = p.integer("hire_year")
    ok = t.grad_key.between(year * YEAR_KEY + 101, year * YEAR_KEY + 1231)
    window = p.text("graduate_window_years")
    if window != "none":
        since = t.hire_key - t.grad_key
        ok = ok | ((since >= 0) & (since < p.integer("graduate_window_years") * YEAR_KEY))
    return ibis.cases((t.category != "graduate", ibis.null("string")), (t.grad_key.isnull(), "unknown"),
                      (ok, "pass"), else_="fail")


def youth_age(t: Table, p: Resolved) -> ibis.Value:
    """Unemployed youth, where the pack covers them: in from the `youth_min_age`-th birthday, out from the
    (`youth_max_age`+1)-th; NULL for anyone else."""
    if "unemployed_youth" not in p.words("hire_categories"):
        return ibis.null("string")
    age = t.hire_key - t.birth_key
    ok = (age >= p.integer("youth_min_age") * YEAR_KEY) & (age < (p.integer("youth_max_age") + 1) * YEAR_KEY)
    return ibis.cases((t.category != "unemployed_youth", ibis.null("string")), (t.birth_key.isnull(), "unknown"),
                      (ok, "pass"), else_="fail")


def contract(t: Table, p: Resolved) -> ibis.Value:
    return three_valued(t.contract_signed)


def person_insured(t: Table, p: Resolved) -> ibis.Value:
    return three_valued(t.insured_months >= p.integer("min_insured_months"))


def hired_in_year(t: Table, p: Resolved) -> ibis.Value:
    year = p.integer("hire_year")
    return two_valued(t.hire_key.between(year * YEAR_KEY + 101, year * YEAR_KEY + 1231)
                      & (t.hired_on <= ibis.date(p.as_of)))


def once_per_person(t: Table, p: Resolved) -> ibis.Value:
    """The earliest of the person's hires that fail nothing else (rules/persons.py sets `first_hire`, NULL for a
    hire that failed another test: not compared)."""
    return ibis.cases((t.first_hire.isnull(), ibis.null("string")), (t.first_hire, "pass"), else_="fail")


def intern_youth(t: Table, p: Resolved) -> ibis.Value:
    """A graduate (any age), or aged `youth_min_age`–`youth_max_age` on `started_on`: in from the birthday, out from
    the (`youth_max_age`+1)-th; unknown where no birth date can be read."""
    age = t.start_key - t.birth_key
    ok = (age >= p.integer("youth_min_age") * YEAR_KEY) & (age < (p.integer("youth_max_age") + 1) * YEAR_KEY)
    return ibis.cases((t.category == "graduate", "pass"), (t.birth_key.isnull(), "unknown"), (ok, "pass"),
                      else_="fail")


def intern_months(t: Table, p: Resolved) -> ibis.Value:
    """At least one month of internship counted in the covered period (rules/persons.py sets `months`)."""
    return two_valued(t.months > 0)


def listed_industry(t: Table, p: Resolved) -> ibis.Value:
    """The unit's industry is one the region lists."""
    return ibis.cases((t.industry.isin(list(p.words("industries"))), "pass"), else_="fail")


def month_headcount(t: Table, p: Resolved) -> ibis.Value:
    """The insured of the region's headcount month is in the data."""
    return ibis.cases((t.headcount.notnull(), "pass"), else_="unknown")


def confirmation(t: Table, p: Resolved) -> ibis.Value:
    """Where the pack says so, a case waits for the unit to confirm and commit online (an application the agency
    checks) before it is paid: routed to review, its amount worked out."""
    return ibis.literal("review") if p.raw("confirm_before_payment").value is True else ibis.literal("pass")
def department_confirmation(t: Table, p: Resolved) -> ibis.Value:
    """Where the pack asks for a joint review, a case waits for the department of its industry to confirm it
    (services/departments.py): routed to review, its amount worked out; refused while a listed industry has no
    department (its units would wait for nobody)."""
    if p.raw("joint_review").value is not True:
        return ibis.literal("pass")
    uncovered = [i for i in p.words("industries") if p.pack.department_of(i) is None]
    if uncovered:
        raise PackError(f"{p.pack.id}: 行业 {', '.join(uncovered)} 没有负责确认的行业主管部门 / no department confirms "
                        f"the units of {', '.join(uncovered)} (departments: industries)")
    return ibis.literal("review")


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
