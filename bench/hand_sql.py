"""The returns' rules (POLICIES.md §1–2) written by hand as DuckDB queries, independently of the engine, to check it:
the general return of Beijing 2021 and of the nation in 2022, and the difficult-enterprise return."""

from __future__ import annotations

from decimal import Decimal

from wengang.rules.sizeclass import standard

SCOPE = "('enterprise','social_group','foundation','social_service_org','law_firm','individual_business')"   # Beijing
SCOPE_2021 = ("('enterprise','social_group','foundation','social_service_org','law_firm','accounting_firm',"
              "'individual_business')")                  # 人社部发〔2021〕29号, unchanged in 2022
NATURAL = "('retirement', 'death')"                       # natural attrition of every national pack and Beijing
EXCLUDE = ("('deregistered','revoked','liquidation','serious_dishonesty','dishonest_debtor',"
           "'wage_arrears_blacklist','abnormal_operations','zombie')")
REVIEW = "('failed_commitment','refused_verification')"


def floors_values() -> str:
    """The size standard as a VALUES list: (industry, class, rank, staff, revenue 万元, assets 万元)."""
    rows = []
    for industry, classes in standard()["industries"].items():
        for rank, cls in enumerate(("large", "medium", "small")):
            f = classes[cls]
            rows.append(f"('{industry}','{cls}',{rank},{f.get('staff', 'NULL')},{f.get('revenue', 'NULL')},"
                        f"{f.get('assets', 'NULL')})")
    return ",\n".join(rows)


# The size class by hand: the agency's, else the lowest rank whose floors the unit meets (staff from `employees`, else
# the base year's average insured s/n), unknown where a floor's figure is missing; over a CTE `u` and `floors`.
SIZED = """sized AS (
  SELECT u.*, coalesce(u.agency_class, (
    SELECT CASE
      WHEN bool_or((f.staff IS NOT NULL AND u.employees IS NULL AND u.n = 0)
                   OR (f.revenue IS NOT NULL AND u.revenue IS NULL)
                   OR (f.assets IS NOT NULL AND u.assets IS NULL)) THEN NULL
      ELSE coalesce(arg_min(f.cls, f.rank) FILTER (WHERE
             (f.staff IS NULL OR (CASE WHEN u.employees IS NOT NULL THEN u.employees >= f.staff
                                       ELSE u.s >= f.staff * u.n END))
             AND (f.revenue IS NULL OR u.revenue >= f.revenue * 10000)
             AND (f.assets IS NULL OR u.assets >= f.assets * 10000)), 'micro') END
    FROM floors f WHERE f.industry = u.row_key)) AS cls
  FROM u),"""


def monthly_cte(schema: str, base_year: int, month: str) -> str:
    """Per unit from the 11 M monthly rows; base in fen."""
    first, last, prev = f"{base_year}-01", f"{base_year}-12", f"{base_year - 1}-12"
    return f"""
  SELECT uscc,
    sum(insured) FILTER (WHERE month BETWEEN '{first}' AND '{last}') AS s,
    count(*) FILTER (WHERE month BETWEEN '{first}' AND '{last}') AS n,
    sum(CAST((unit_paid + person_paid) * 100 AS BIGINT)) FILTER (WHERE month BETWEEN '{first}' AND '{last}') AS base,
    max(insured) FILTER (WHERE month = '{prev}') AS prev_dec,
    max(insured) FILTER (WHERE month = '{first}') AS jan,
    max(insured) FILTER (WHERE month = '{last}') AS dec,
    count(*) FILTER (WHERE month <= '{month}' AND unit_paid >= unit_due AND person_paid >= person_due) AS full_months,
    sum(greatest(unit_due - unit_paid, 0) + greatest(person_due - person_paid, 0))
      FILTER (WHERE month <= '{month}') AS arrears
  FROM {schema}.contributions GROUP BY uscc"""


def yearly_cte(schema: str, base_year: int, month: str) -> str:
    """Per unit from the per-unit-and-year facts the import stores (snapshot/facts.py), ~1 M rows: one row per
    unit and year, counts and arrears running from the unit's first month."""
    year, mm = int(month[:4]), month[5:7]
    return f"""
  SELECT uscc,
    max(insured_sum) FILTER (WHERE year = {base_year}) AS s,
    max(insured_months) FILTER (WHERE year = {base_year}) AS n,
    max(paid_fen) FILTER (WHERE year = {base_year}) AS base,
    max(insured_dec) FILTER (WHERE year = {base_year - 1}) AS prev_dec,
    max(insured_jan) FILTER (WHERE year = {base_year}) AS jan,
    max(insured_dec) FILTER (WHERE year = {base_year}) AS dec,
    max(CASE WHEN year < {year} THEN full_12 WHEN year = {year} THEN full_{mm} END) AS full_months,
    max(CASE WHEN year < {year} THEN arrears_12 WHEN year = {year} THEN arrears_{mm} END) AS arrears
  FROM {schema}.contribution_years GROUP BY uscc"""


def judged_ctes(schema: str, as_of: str, base_year: int, *, yearly: bool) -> str:
    """The WITH clause both returns share, up to `judged`: per unit its type, region, the base year's figures
    (average insured s/n, premiums paid `base` in fen, opening and closing insured, natural attrition), months paid
    in full and arrears up to the month of `as_of`, the flags active on `as_of`, the size class and the net
    reduction (NULL where the rate cannot be worked out)."""
    non_enterprise = "(" + ",".join(f"'{t}'" for t in standard()["non_enterprise_unit_types"]) + ")"
    contributions = (yearly_cte if yearly else monthly_cte)(schema, base_year, as_of[:7])
    return f"""
WITH floors(industry, cls, rank, staff, revenue, assets) AS (VALUES {floors_values()}),
c AS ({contributions}),
sep AS (SELECT uscc, count(*) FILTER (WHERE year(date) = {base_year} AND reason IN {NATURAL}) AS nat
        FROM {schema}.separations GROUP BY uscc),
fl AS (SELECT uscc, bool_or(flag IN {EXCLUDE}) AS excl, bool_or(flag IN {REVIEW}) AS rev,
              bool_or(flag = 'difficulty_certified') AS certified
       FROM {schema}.flags WHERE listed_on <= DATE '{as_of}' AND (removed_on IS NULL OR removed_on > DATE '{as_of}')
       GROUP BY uscc),
u AS (
  SELECT e.uscc, e.unit_type, e.region, e.size_class AS agency_class, e.employees, e.revenue, e.assets,
         CASE WHEN e.unit_type IN {non_enterprise} THEN 'other' ELSE e.industry END AS row_key,
         coalesce(c.s, 0) AS s, coalesce(c.n, 0) AS n, coalesce(c.base, 0) AS base,
         coalesce(c.prev_dec, c.jan) AS opening, c.dec AS closing, coalesce(c.full_months, 0) AS full_months,
         coalesce(c.arrears, 0) AS arrears, coalesce(sep.nat, 0) AS nat,
         coalesce(fl.excl, false) AS excl, coalesce(fl.rev, false) AS rev, coalesce(fl.certified, false) AS certified
  FROM {schema}.employers e LEFT JOIN c USING (uscc) LEFT JOIN sep USING (uscc) LEFT JOIN fl USING (uscc)),
{SIZED}
judged AS (
  SELECT *,
    CASE WHEN opening IS NULL OR closing IS NULL OR n = 0 OR s = 0 THEN NULL
         ELSE greatest(opening - closing - nat, 0) END AS net
  FROM sized)"""


Limit = tuple[str, str]      # (comparison, percent): ("<=", "5.5") is 不高于5.5%, ("<", "3.62") is 低于3.62%


def within(limit: Limit) -> str:
    """net ÷ (s/n) against a percentage, cross-multiplied in integers: ("<=", "5.5") → net·n·1000 ≤ 55·s."""
    comparison, percent = limit
    places = max(0, -int(Decimal(percent).as_tuple().exponent))
    return f"net * n * {100 * 10**places} {comparison} {int(Decimal(percent) * 10**places)} * s"


def layoff_test(limit: Limit, small: Limit, large: Limit | None = None) -> str:
    """TRUE, FALSE or NULL (unknown): units of ≤ 30 average insured take the small-unit limit whatever their class;
    others the large-unit limit where there is one and the class is large, else the general one; with an unknown
    class the answer is known only where both limits give it."""
    rest = within(limit)
    if large is not None:
        rest = (f"CASE WHEN cls = 'large' THEN {within(large)} WHEN cls IS NOT NULL THEN {rest}\n"
                f"              WHEN ({within(large)}) = ({rest}) THEN {rest} END")
    return f"""CASE WHEN net IS NULL THEN NULL
         WHEN s <= 30 * n THEN {within(small)}
         ELSE {rest} END"""


def general_return_sql(schema: str, as_of: str, *, base_year: int, scope: str, limit: Limit, small: Limit,
                       ratio_large: str, ratio_sme: str, yearly: bool = True) -> str:
    """The general return (POLICIES.md §1): ratios as decimals ("0.30"), the one in force on `as_of`."""
    return f"""{judged_ctes(schema, as_of, base_year, yearly=yearly)},
decided AS (
  SELECT uscc, cls, net,
    {layoff_test(limit, small)} AS layoff_ok,
    unit_type IN {scope} AS in_scope, full_months >= 12 AS months_ok, arrears <= 0 AS arrears_ok,
    excl, rev, base
  FROM judged)
SELECT uscc,
  CASE WHEN NOT in_scope OR NOT months_ok OR NOT arrears_ok OR excl OR layoff_ok = false THEN 'ineligible'
       WHEN layoff_ok IS NULL OR cls IS NULL OR rev THEN 'review'
       ELSE 'eligible' END AS decision,
  CASE WHEN NOT in_scope OR NOT months_ok OR NOT arrears_ok OR excl OR layoff_ok = false OR cls IS NULL THEN 0
       ELSE CAST(round(base * CASE WHEN cls = 'large' THEN {ratio_large} ELSE {ratio_sme} END, 0) AS BIGINT) END
    AS amount_fen
FROM decided"""


def beijing_2021_sql(schema: str, as_of: str = "2021-06-30", *, yearly: bool = True) -> str:
    """`yearly`: read the contribution facts stored at import, as the engine does; else the monthly rows."""
    return general_return_sql(schema, as_of, base_year=2020, scope=SCOPE, limit=("<=", "6"), small=("<=", "20"),
                              ratio_large="0.30", ratio_sme="0.60", yearly=yearly)


def cn_2022_sql(schema: str, as_of: str = "2022-06-30", *, yearly: bool = True) -> str:
    """The national 2022 return (人社部发〔2022〕23号): base year 2021, the 2021 scope, layoff ≤ 5.5% (≤ 30 insured:
    ≤ 20%), SMEs 90%, large units 30% and 50% from 2022-06-01 (the four-department notice of 2022-05-31)."""
    return general_return_sql(schema, as_of, base_year=2021, scope=SCOPE_2021, limit=("<=", "5.5"),
                              small=("<=", "20"), ratio_large="0.50" if as_of >= "2022-06-01" else "0.30",
                              ratio_sme="0.90", yearly=yearly)


def _by_prefix(values: dict[str, int]) -> str:
    """A regional value by division-code prefix, the longest that matches; NULL where the region set none."""
    branches = " ".join(f"WHEN starts_with(region, '{prefix}') THEN {value}"
                        for prefix, value in sorted(values.items(), key=lambda kv: -len(kv[0])))
    return f"CASE {branches} END" if branches else "NULL"


def difficult_return_sql(schema: str, as_of: str, *, base_year: int, benefit_fen: dict[str, int],
                         reserve_months: dict[str, int], limit: Limit, small: Limit, large: Limit | None,
                         scope: str = "('enterprise')", min_reserve: int = 24, months: int = 6,
                         yearly: bool = True) -> str:
    """The difficult-enterprise return (POLICIES.md §2) priced by benefit: the general conditions (no size ratio)
    plus a `difficulty_certified` flag active on `as_of`, the region's reserve ≥ `min_reserve` months (unknown
    where the region set no reserve or no benefit), `months` × the region's monthly benefit (fen, by division-code
    prefix) × the insured at the end of the month before `as_of` (unknown where that month has no row)."""
    year, month = int(as_of[:4]), int(as_of[5:7])
    before = f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    return f"""{judged_ctes(schema, as_of, base_year, yearly=yearly)},
hd AS (SELECT uscc, max(insured) AS heads FROM {schema}.contributions WHERE month = '{before}' GROUP BY uscc),
decided AS (
  SELECT j.uscc, hd.heads, {_by_prefix(benefit_fen)} AS benefit, {_by_prefix(reserve_months)} AS reserve,
    {layoff_test(limit, small, large)} AS layoff_ok,
    unit_type IN {scope} AS in_scope, full_months >= 12 AS months_ok, arrears <= 0 AS arrears_ok,
    excl, rev, certified
  FROM judged j LEFT JOIN hd USING (uscc)),
outcome AS (
  SELECT *,
    NOT in_scope OR NOT months_ok OR NOT arrears_ok OR excl OR coalesce(NOT layoff_ok, false) OR NOT certified
      OR coalesce(reserve < {min_reserve}, false) AS failed,
    layoff_ok IS NULL OR reserve IS NULL OR benefit IS NULL OR heads IS NULL OR rev AS pending
  FROM decided)
SELECT uscc, CASE WHEN failed THEN 'ineligible' WHEN pending THEN 'review' ELSE 'eligible' END AS decision,
  CASE WHEN failed OR heads IS NULL OR benefit IS NULL THEN 0 ELSE heads * benefit * {months} END AS amount_fen
FROM outcome"""


def float_sql(schema: str) -> str:
    """What a careless engine does: rates and amounts as doubles. Used only to count its mistakes."""
    exact = beijing_2021_sql(schema, yearly=False)
    return (exact.replace("net * n * 100 <= 20 * s", "net::DOUBLE / (s::DOUBLE / n) <= 0.2")
                 .replace("net * n * 100 <= 6 * s", "net::DOUBLE / (s::DOUBLE / n) <= 0.06")
                 .replace("CAST(round(base * CASE WHEN cls = 'large' THEN 0.30 ELSE 0.60 END, 0) AS BIGINT)",
                          "CAST(round(base::DOUBLE / 100 * CASE WHEN cls = 'large' THEN 0.3 ELSE 0.6 END * 100) "
                          "AS BIGINT)"))
