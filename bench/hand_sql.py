"""The Beijing 2021 rules written by hand as one DuckDB query, independently of the engine, to check it."""

from __future__ import annotations

from wengang.rules.sizeclass import standard

SCOPE = "('enterprise','social_group','foundation','social_service_org','law_firm','individual_business')"
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


def monthly_cte(schema: str, month: str) -> str:
    """Per unit from the 11 M monthly rows; base in fen."""
    return f"""
  SELECT uscc,
    sum(insured) FILTER (WHERE month BETWEEN '2020-01' AND '2020-12') AS s,
    count(*) FILTER (WHERE month BETWEEN '2020-01' AND '2020-12') AS n,
    sum(CAST((unit_paid + person_paid) * 100 AS BIGINT)) FILTER (WHERE month BETWEEN '2020-01' AND '2020-12') AS base,
    max(insured) FILTER (WHERE month = '2019-12') AS prev_dec,
    max(insured) FILTER (WHERE month = '2020-01') AS jan,
    max(insured) FILTER (WHERE month = '2020-12') AS dec,
    count(*) FILTER (WHERE month <= '{month}' AND unit_paid >= unit_due AND person_paid >= person_due) AS full_months,
    sum(greatest(unit_due - unit_paid, 0) + greatest(person_due - person_paid, 0))
      FILTER (WHERE month <= '{month}') AS arrears
  FROM {schema}.contributions GROUP BY uscc"""


def yearly_cte(schema: str, month: str) -> str:
    """Per unit from the per-unit-and-year facts the import stores (snapshot/facts.py), ~1 M rows: one row per
    unit and year, counts and arrears running from the unit's first month."""
    year, mm = int(month[:4]), month[5:7]
    return f"""
  SELECT uscc,
    max(insured_sum) FILTER (WHERE year = 2020) AS s,
    max(insured_months) FILTER (WHERE year = 2020) AS n,
    max(paid_fen) FILTER (WHERE year = 2020) AS base,
    max(insured_dec) FILTER (WHERE year = 2019) AS prev_dec,
    max(insured_jan) FILTER (WHERE year = 2020) AS jan,
    max(insured_dec) FILTER (WHERE year = 2020) AS dec,
    max(CASE WHEN year < {year} THEN full_12 WHEN year = {year} THEN full_{mm} END) AS full_months,
    max(CASE WHEN year < {year} THEN arrears_12 WHEN year = {year} THEN arrears_{mm} END) AS arrears
  FROM {schema}.contribution_years GROUP BY uscc"""


def beijing_2021_sql(schema: str, as_of: str = "2021-06-30", *, yearly: bool = True) -> str:
    """`yearly`: read the contribution facts stored at import, as the engine does; else the monthly rows."""
    non_enterprise = "(" + ",".join(f"'{t}'" for t in standard()["non_enterprise_unit_types"]) + ")"
    month = as_of[:7]
    contributions = (yearly_cte if yearly else monthly_cte)(schema, month)
    return f"""
WITH floors(industry, cls, rank, staff, revenue, assets) AS (VALUES {floors_values()}),
c AS ({contributions}),
sep AS (SELECT uscc, count(*) FILTER (WHERE year(date) = 2020 AND reason IN ('retirement', 'death')) AS nat
        FROM {schema}.separations GROUP BY uscc),
fl AS (SELECT uscc, bool_or(flag IN {EXCLUDE}) AS excl, bool_or(flag IN {REVIEW}) AS rev
       FROM {schema}.flags WHERE listed_on <= DATE '{as_of}' AND (removed_on IS NULL OR removed_on > DATE '{as_of}')
       GROUP BY uscc),
u AS (
  SELECT e.uscc, e.unit_type, e.size_class AS agency_class, e.employees, e.revenue, e.assets,
         CASE WHEN e.unit_type IN {non_enterprise} THEN 'other' ELSE e.industry END AS row_key,
         coalesce(c.s, 0) AS s, coalesce(c.n, 0) AS n, coalesce(c.base, 0) AS base,
         coalesce(c.prev_dec, c.jan) AS opening, c.dec AS closing, coalesce(c.full_months, 0) AS full_months,
         coalesce(c.arrears, 0) AS arrears, coalesce(sep.nat, 0) AS nat,
         coalesce(fl.excl, false) AS excl, coalesce(fl.rev, false) AS rev
  FROM {schema}.employers e LEFT JOIN c USING (uscc) LEFT JOIN sep USING (uscc) LEFT JOIN fl USING (uscc)),
{SIZED}
judged AS (
  SELECT *,
    CASE WHEN opening IS NULL OR closing IS NULL OR n = 0 OR s = 0 THEN NULL
         ELSE greatest(opening - closing - nat, 0) END AS net
  FROM sized),
decided AS (
  SELECT uscc, cls, net,
    CASE WHEN net IS NULL THEN NULL
         WHEN s <= 30 * n THEN net * n * 100 <= 20 * s
         ELSE net * n * 100 <= 6 * s END AS layoff_ok,
    unit_type IN {SCOPE} AS in_scope, full_months >= 12 AS months_ok, arrears <= 0 AS arrears_ok,
    excl, rev, base
  FROM judged)
SELECT uscc,
  CASE WHEN NOT in_scope OR NOT months_ok OR NOT arrears_ok OR excl OR layoff_ok = false THEN 'ineligible'
       WHEN layoff_ok IS NULL OR cls IS NULL OR rev THEN 'review'
       ELSE 'eligible' END AS decision,
  CASE WHEN NOT in_scope OR NOT months_ok OR NOT arrears_ok OR excl OR layoff_ok = false OR cls IS NULL THEN 0
       ELSE CAST(round(base * CASE WHEN cls = 'large' THEN 0.30 ELSE 0.60 END, 0) AS BIGINT) END AS amount_fen
FROM decided"""


def float_sql(schema: str) -> str:
    """What a careless engine does: rates and amounts as doubles. Used only to count its mistakes."""
    exact = beijing_2021_sql(schema, yearly=False)
    return (exact.replace("net * n * 100 <= 20 * s", "net::DOUBLE / (s::DOUBLE / n) <= 0.2")
                 .replace("net * n * 100 <= 6 * s", "net::DOUBLE / (s::DOUBLE / n) <= 0.06")
                 .replace("CAST(round(base * CASE WHEN cls = 'large' THEN 0.30 ELSE 0.60 END, 0) AS BIGINT)",
                          "CAST(round(base::DOUBLE / 100 * CASE WHEN cls = 'large' THEN 0.3 ELSE 0.6 END * 100) AS BIGINT)"))

