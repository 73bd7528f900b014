"""Check the beijing profile against the 2021 seed: units passing beijing-2021 and the total returned.

The seed (002_34f3c465fac90c7e.txt) reports 441,300 units paid 982 million yuan (about 1,000 large) out of
about 640,000 insured units. This script generates a city (or reads one), applies the Beijing 2021 rules of
POLICIES.md §1.2-1.6 in one plain DuckDB query, and prints the figures scaled to 640,000 units.
It is an independent cross-check, not the rules engine.

    uv run python bench/calibrate_beijing.py --units 64000 --seed 1
    uv run python bench/calibrate_beijing.py --folder path/to/snapshot
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from wengang.snapshot.generator import generate_city

TARGET_UNITS, TARGET_PASS, TARGET_YUAN = 640_000, 441_300, 982_000_000
IN_SCOPE = ("enterprise", "individual_business", "social_group", "foundation", "social_service_org", "law_firm")
EXCLUDING = ("deregistered", "revoked", "liquidation", "serious_dishonesty", "dishonest_debtor",
             "wage_arrears_blacklist", "abnormal_operations", "zombie")
REVIEW = ("failed_commitment", "refused_verification")
# 工信部联企业〔2011〕300号: (industry, large, medium, small) floors as (staff, revenue 万元, assets 万元).
SIZE_FLOORS = {
    "agriculture": ((None, 20000, None), (None, 500, None), (None, 50, None)),
    "industry": ((1000, 40000, None), (300, 2000, None), (20, 300, None)),
    "construction": ((None, 80000, 80000), (None, 6000, 5000), (None, 300, 300)),
    "wholesale": ((200, 40000, None), (20, 5000, None), (5, 1000, None)),
    "retail": ((300, 20000, None), (50, 500, None), (10, 100, None)),
    "transport": ((1000, 30000, None), (300, 3000, None), (20, 200, None)),
    "warehousing": ((200, 30000, None), (100, 1000, None), (20, 100, None)),
    "postal": ((1000, 30000, None), (300, 2000, None), (20, 100, None)),
    "accommodation": ((300, 10000, None), (100, 2000, None), (10, 100, None)),
    "catering": ((300, 10000, None), (100, 2000, None), (10, 100, None)),
    "information_transmission": ((2000, 100000, None), (100, 1000, None), (10, 100, None)),
    "software_it": ((300, 10000, None), (100, 1000, None), (10, 50, None)),
    "real_estate_development": ((None, 200000, 10000), (None, 1000, 5000), (None, 100, 2000)),
    "property_management": ((1000, 5000, None), (300, 1000, None), (100, 500, None)),
    "leasing_business_services": ((300, None, 120000), (100, None, 8000), (10, None, 100)),
    "other": ((300, None, None), (100, None, None), (10, None, None)),
}


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _floors_sql() -> str:
    def num(v: int | None) -> str:
        return "NULL::BIGINT" if v is None else str(v)
    rows = [f"('{k}', " + ", ".join(num(v) for tier in tiers for v in tier) + ")" for k, tiers in SIZE_FLOORS.items()]
    return ("SELECT * FROM (VALUES " + ", ".join(rows) + ") AS f(key, ls, lr, la, ms, mr, ma, ss, sr, sa)")


def _meets(tier: str) -> str:
    s, r, a = (f"f.{tier}{x}" for x in "sra")
    return (f"coalesce(staff >= {s}, true) AND coalesce(revenue >= {r} * 10000, true) "
            f"AND coalesce(assets >= {a} * 10000, true)")


def query(folder: Path, base_year: int, as_of: str) -> str:
    """The Beijing 2021 rules over the snapshot files, as one query returning one row of totals."""
    def src(name: str) -> str:
        path = folder / f"{name}.parquet"
        if path.exists():
            return f"read_parquet('{path}')"
        return f"read_csv('{folder / (name + '.csv')}', all_varchar = true, header = true)"
    b0, b1, prev_dec = f"{base_year}-01", f"{base_year}-12", f"{base_year - 1}-12"
    return f"""
    WITH e AS (
      SELECT uscc, unit_type, industry, CAST(employees AS BIGINT) AS employees,
             CAST(revenue AS DECIMAL(18,2)) AS revenue, CAST(assets AS DECIMAL(18,2)) AS assets, size_class
      FROM {src('employers')}),
    c AS (
      SELECT uscc, CAST(month AS VARCHAR) AS month, CAST(insured AS BIGINT) AS insured,
             CAST(unit_due AS DECIMAL(18,2)) AS ud, CAST(unit_paid AS DECIMAL(18,2)) AS up,
             CAST(person_due AS DECIMAL(18,2)) AS pd, CAST(person_paid AS DECIMAL(18,2)) AS pp
      FROM {src('contributions')} WHERE CAST(month AS VARCHAR) <= '{as_of[:7]}'),
    pay AS (
      SELECT uscc,
             count(*) FILTER (WHERE up >= ud AND pp >= pd) AS full_months,
             sum(greatest(ud - up, 0) + greatest(pd - pp, 0)) AS arrears,
             coalesce(sum(up + pp) FILTER (WHERE month BETWEEN '{b0}' AND '{b1}'), 0) AS base,
             sum(insured) FILTER (WHERE month BETWEEN '{b0}' AND '{b1}') AS ins_sum,
             count(*) FILTER (WHERE month BETWEEN '{b0}' AND '{b1}') AS ins_n,
             max(insured) FILTER (WHERE month = '{prev_dec}') AS prev_dec,
             arg_min(insured, month) FILTER (WHERE month BETWEEN '{b0}' AND '{b1}') AS first_base,
             max(insured) FILTER (WHERE month = '{b1}') AS closing
      FROM c GROUP BY uscc),
    nat AS (
      SELECT uscc, count(*) AS n FROM {src('separations')}
      WHERE reason IN ('retirement', 'death') AND CAST(date AS DATE) BETWEEN DATE '{base_year}-01-01'
            AND DATE '{base_year}-12-31' GROUP BY uscc),
    fl AS (
      SELECT uscc, bool_or(flag IN ({_sql_list(EXCLUDING)})) AS excluded, bool_or(flag IN ({_sql_list(REVIEW)})) AS review
      FROM {src('flags')}
      WHERE CAST(listed_on AS DATE) <= DATE '{as_of}'
        AND (removed_on IS NULL OR CAST(removed_on AS DATE) > DATE '{as_of}') GROUP BY uscc),
    f AS ({_floors_sql()}),
    u AS (
      SELECT e.*, p.full_months, p.arrears, p.base, p.ins_sum, p.ins_n, p.closing,
             coalesce(p.prev_dec, p.first_base) - p.closing - coalesce(nat.n, 0) AS reduction,
             coalesce(e.employees, CASE WHEN p.ins_n > 0 THEN p.ins_sum / p.ins_n END) AS staff,
             coalesce(fl.excluded, false) AS excluded, coalesce(fl.review, false) AS flagged,
             CASE WHEN e.unit_type = 'enterprise' THEN e.industry ELSE 'other' END AS size_key
      FROM e LEFT JOIN pay p USING (uscc) LEFT JOIN nat USING (uscc) LEFT JOIN fl USING (uscc)),
    s AS (
      SELECT u.*,
        CASE WHEN size_class IS NOT NULL THEN size_class
             WHEN coalesce(f.ls, f.ms, f.ss) IS NOT NULL AND staff IS NULL THEN 'unknown'
             WHEN coalesce(f.lr, f.mr, f.sr) IS NOT NULL AND revenue IS NULL THEN 'unknown'
             WHEN coalesce(f.la, f.ma, f.sa) IS NOT NULL AND assets IS NULL THEN 'unknown'
             WHEN {_meets('l')} THEN 'large' WHEN {_meets('m')} THEN 'medium'
             WHEN {_meets('s')} THEN 'small' ELSE 'micro' END AS size,
        coalesce(ins_sum > 0 AND closing IS NOT NULL, false) AS rate_known,
        greatest(reduction, 0) * 100 * ins_n <= CASE WHEN ins_sum <= 30 * ins_n THEN 20 ELSE 6 END * ins_sum AS rate_ok
      FROM u JOIN f ON f.key = u.size_key),
    d AS (
      SELECT *,
        unit_type IN ({_sql_list(IN_SCOPE)}) AS in_scope, coalesce(full_months, 0) >= 12 AS months_ok,
        coalesce(arrears, 0) = 0 AS no_arrears, rate_known AND coalesce(rate_ok, false) AS layoff_ok
      FROM s),
    r AS (
      SELECT *, in_scope AND months_ok AND no_arrears AND layoff_ok AND NOT excluded AS pass,
             CASE WHEN size = 'unknown' THEN 0::DECIMAL(18,2)
                  ELSE round(base * CASE WHEN size = 'large' THEN 0.30 ELSE 0.60 END, 2) END AS amount
      FROM d)
    SELECT count(*) AS units,
           count(*) FILTER (WHERE pass) AS pass,
           count(*) FILTER (WHERE pass AND NOT flagged AND size <> 'unknown') AS eligible,
           count(*) FILTER (WHERE pass AND size = 'large') AS large,
           count(*) FILTER (WHERE pass AND size = 'unknown') AS size_unknown,
           coalesce(sum(amount) FILTER (WHERE pass), 0) AS total,
           count(*) FILTER (WHERE NOT in_scope) AS out_of_scope,
           count(*) FILTER (WHERE NOT months_ok) AS short_months,
           count(*) FILTER (WHERE NOT no_arrears) AS arrears,
           count(*) FILTER (WHERE NOT rate_known) AS rate_unknown,
           count(*) FILTER (WHERE rate_known AND NOT rate_ok) AS layoffs,
           count(*) FILTER (WHERE excluded) AS flagged_out
    FROM r"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=64_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--folder", type=Path, help="read this snapshot instead of generating one")
    parser.add_argument("--base-year", type=int, default=2020)
    parser.add_argument("--as-of", default="2021-06-30")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        if args.folder is None:
            started = time.perf_counter()
            generate_city(folder, units=args.units, seed=args.seed, base_year=args.base_year)
            print(f"generated {args.units:,} units in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        con = duckdb.connect()
        cur = con.execute(query(folder, args.base_year, args.as_of))
        row = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
        print(f"query {time.perf_counter() - started:.1f} s")
    scale = TARGET_UNITS / row["units"]
    print(f"{'':16}{'city':>14}{'× ' + format(scale, '.3g'):>16}{'seed':>16}")
    for key in ("units", "pass", "eligible", "large", "size_unknown", "out_of_scope", "short_months", "arrears",
                "rate_unknown", "layoffs", "flagged_out"):
        seed = {"units": TARGET_UNITS, "pass": TARGET_PASS, "large": 1000}.get(key)
        print(f"{key:16}{row[key]:>14,}{round(row[key] * scale):>16,}{'' if seed is None else format(seed, ','):>16}")
    total = row["total"]
    print(f"{'yuan returned':16}{total:>14,.2f}{float(total) * scale:>16,.0f}{TARGET_YUAN:>16,}")
    mean = float(total) / row["pass"] if row["pass"] else 0.0
    print(f"{'mean per unit':16}{mean:>14,.2f}{'':>16}{TARGET_YUAN / TARGET_PASS:>16,.2f}")
    off_units = row["pass"] * scale / TARGET_PASS - 1
    off_yuan = float(total) * scale / TARGET_YUAN - 1
    print(f"off target: units {off_units:+.1%}, yuan {off_yuan:+.1%}"
          + ("  (within ±5%)" if abs(off_units) <= 0.05 and abs(off_yuan) <= 0.05 else "  (outside ±5%)"))


if __name__ == "__main__":
    main()
