"""Contribution facts per unit and year, made once per snapshot, so an evaluation reads ~1 M rows, not 11 M."""

from __future__ import annotations

import duckdb

TABLE = "contribution_years"
MONTHS = range(1, 13)

# One row per (uscc, year) that has contributions. `full_MM` counts the months paid in full from the unit's
# first month to month MM of that year; `arrears_MM` sums the arrears fen over the same months. Both only grow,
# so the latest row on or before a date holds the count up to it: any base year and any evaluation date then
# read the numbers the 11 M monthly rows give (rules/inputs.py says how), by max() alone, in integers only.
# A share of a month (16 digits of yuan at most) is a BIGINT of fen, and so are the two shares added; the sums of
# fen over months are HUGEINT (the premiums paid: a DECIMAL(38,2) sum made fen), exact for any amounts the checks
# pass (a year at the limit passes a BIGINT).
_ROWS = """
SELECT uscc, CAST(substr(month, 1, 4) AS INTEGER) AS year, CAST(substr(month, 6, 2) AS INTEGER) AS mm, insured,
       unit_paid >= unit_due AND person_paid >= person_due AS in_full, unit_due, unit_paid, person_due, person_paid
FROM {source}"""


def _fen(money: str) -> str:
    """A DECIMAL(18,2) of yuan as a BIGINT of fen, in BIGINT arithmetic (`* 100` on the decimal overflows it at the
    limit, and a wider decimal is slow): its whole yuan times 100 plus its fen."""
    return f"(CAST(trunc({money}) AS BIGINT) * 100 + CAST(({money} - trunc({money})) * 100 AS BIGINT))"


# A month's arrears in fen, reckoned only on the few rows that have some (a row has arrears when a share is due
# beyond what was paid: two comparisons, no arithmetic, on each of the 11 M rows).
_ARREARS = (f"{_fen('greatest(unit_due - unit_paid, 0)')} + {_fen('greatest(person_due - person_paid, 0)')}")
_IN_ARREARS = "unit_due > unit_paid OR person_due > person_paid"
# The premiums paid summed as decimals (exact: a DECIMAL(38,2)) per unit and year, made fen once per year.
_PAID = "CAST((sum(unit_paid) + sum(person_paid)) * 100 AS HUGEINT)"

# Plain aggregates and a bit mask: a conditional aggregate per month over 11 M rows would cost ~0.1 s each.
# Arrears are rare, so their per-month sums are taken over the few rows that have some. `r` is read twice and not
# materialised: scanning the typed rows again is cheaper than holding 11 M rows under the import's memory limit
# (materialised, they spilled: 10 s of a 500,000-unit import, against 0.9 s at 100,000).
_BUILD = """
CREATE {temp} TABLE {target} AS
WITH r AS NOT MATERIALIZED ({rows}),
y AS (
  SELECT uscc, year, count(*) AS row_count, bit_count(bit_or(1 << (mm - 1))) AS month_count,
         sum(CAST(insured AS BIGINT)) AS insured_sum, count(insured) AS insured_months, {paid} AS paid_fen,
         max(insured) FILTER (WHERE mm = 1) AS insured_jan, max(insured) FILTER (WHERE mm = 12) AS insured_dec,
         bit_or(CASE WHEN in_full THEN 1 << (mm - 1) ELSE 0 END) AS full_mask
  FROM r GROUP BY uscc, year),
a AS (SELECT uscc, year, {arrears_sums} FROM (SELECT *, {arrears} AS arrears FROM r WHERE {in_arrears})
      GROUP BY uscc, year),
w AS (
  SELECT y.*, {within}
  FROM y LEFT JOIN a ON a.uscc = y.uscc AND a.year = y.year),
c AS (
  SELECT *, coalesce(sum(f12) OVER earlier, 0) AS full_before, coalesce(sum(a12) OVER earlier, 0) AS arrears_before
  FROM w WINDOW earlier AS (PARTITION BY uscc ORDER BY year ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
SELECT uscc, year, row_count, month_count, CAST(insured_sum AS BIGINT) AS insured_sum,
       CAST(insured_months AS BIGINT) AS insured_months, CAST(paid_fen AS HUGEINT) AS paid_fen,
       insured_jan, insured_dec, {cumulative}
FROM c"""


def _sql(source: str, target: str, temp: str = "") -> str:
    within = [f"bit_count(y.full_mask & {(1 << m) - 1}) AS f{m:02d}" for m in MONTHS]
    within += [f"coalesce(a.a{m:02d}, 0) AS a{m:02d}" for m in MONTHS]
    cumulative = [f"CAST(full_before + f{m:02d} AS BIGINT) AS full_{m:02d}" for m in MONTHS]
    cumulative += [f"CAST(arrears_before + a{m:02d} AS HUGEINT) AS arrears_{m:02d}" for m in MONTHS]
    return _BUILD.format(
        temp=temp, target=target, rows=_ROWS.format(source=source), paid=_PAID, arrears=_ARREARS,
        in_arrears=_IN_ARREARS, within=", ".join(within),
        arrears_sums=", ".join(f"sum(arrears) FILTER (WHERE mm <= {m}) AS a{m:02d}" for m in MONTHS),
        cumulative=", ".join(cumulative),
    )


def exists(con: duckdb.DuckDBPyConnection, schema: str) -> bool:
    return con.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, TABLE]).fetchone() is not None


def build(con: duckdb.DuckDBPyConnection, schema: str, made: str | None = None) -> bool:
    """Make the table inside the caller's transaction; `made` is the same table made before from the very rows the
    snapshot stores (summarise), copied instead, or kept where it is when it was made in place. The bit masks count a month once, so a snapshot with a repeated
    (uscc, month) (an import never stores one) gets no table and is evaluated from the monthly rows."""
    if made != f"{schema}.{TABLE}":
        con.execute(f"CREATE TABLE {schema}.{TABLE} AS SELECT * FROM {made}" if made
                    else _sql(f"{schema}.contributions", f"{schema}.{TABLE}"))
    if repeated_months(con, f"{schema}.{TABLE}"):
        con.execute(f"DROP TABLE {schema}.{TABLE}")
        return False
    return True


def summarise(con: duckdb.DuckDBPyConnection, rows: str, target: str, *, temporary: bool = True) -> None:
    """The facts of a table of typed contribution rows (an import's, before it stores them) as a temporary table,
    or as the table `target` of the snapshot's schema the import's transaction then keeps."""
    con.execute(_sql(rows, target, temp="OR REPLACE TEMP" if temporary else ""))


def repeated_months(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether a unit's month is stated twice in the rows the facts were made of: a unit's year then has more rows
    than months (every month of a checked row is a month of the year)."""
    return bool(con.execute(f"SELECT count(*) FROM {table} WHERE row_count <> month_count").fetchall()[0][0])


BIGINT_MAX = 2**63 - 1


def past_reckoning(con: duckdb.DuckDBPyConnection, schema: str) -> tuple[str, int, int] | None:
    """A unit and year whose premiums paid or arrears summed pass a BIGINT of fen, the rules' integer (the facts hold
    them exactly; DATA.md bounds no amount): (credit code, year, the larger sum in fen), or None."""
    return con.execute(f"""SELECT uscc, year, greatest(paid_fen, arrears_12) FROM {schema}.{TABLE}
                           WHERE paid_fen > {BIGINT_MAX} OR arrears_12 > {BIGINT_MAX} ORDER BY uscc, year LIMIT 1"""
                       ).fetchone()


def ensure(con: duckdb.DuckDBPyConnection, schema: str) -> bool:
    """For a snapshot imported before the table existed: build it once, in its own transaction."""
    if exists(con, schema):
        return True
    con.execute("BEGIN TRANSACTION")
    try:
        built = build(con, schema)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return built
