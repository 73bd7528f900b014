"""Issue 17: each unit-level programme decided with its explanations stored, on an imported generated city, beside
a hand-written query of the same rules in the same run that must agree on every decision and fen.

Usage: .venv/bin/python bench/bench_unit_programmes.py [--units 500000] [--no-record]
Target (issue 17): from the imported 500,000-unit city, each unit-level programme decided with explanations ≤ 3 s.
Programmes: the stable-job return (cn-2022, for scale), the difficult-enterprise return (a bench pack inheriting
cn-difficult-2020 with bench values for the city's regions: the shipped pack has none), the retention-training
subsidy (cn-retention-training-2022) and Hongkou's difficult-industry subsidy (a bench pack with the industries,
600 yuan a head and 2021-12 as its month, and no joint review: the shipped pack's departments
have no industries yet, which it refuses to run with). Each beside a query of its rules written by hand from
POLICIES.md and the packs' values (the two returns' in bench/hand_sql.py, the bench pack's values written out below).
The city: `generate_city(base_year=2021, programme_files=False)` cached under var/bench.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CACHE, peak_rss_mb, record  # noqa: E402
from hand_sql import SIZED, cn_2022_sql, difficult_return_sql, floors_values  # noqa: E402

from wengang import bootstrap  # noqa: E402
from wengang.config import Settings  # noqa: E402
from wengang.rules.sizeclass import standard  # noqa: E402
from wengang.services.evaluation import evaluate  # noqa: E402
from wengang.services.snapshots import import_folder  # noqa: E402
from wengang.snapshot import store  # noqa: E402

LIMIT = 3.0
PACKS = {
    "bench-difficult-2022": """id: bench-difficult-2022
inherits: cn-difficult-2020
title: 困难企业稳岗返还(基准测试用)
title_en: Return for enterprises in difficulty (benchmark values)
base_year: 2021
parameters:
  monthly_benefit:
    regions:
      "11": {2020-01-01: {value: "1800.00", reference: 基准测试值 / a benchmark value}}
  fund_reserve_months:
    regions:
      "11": {2020-01-01: {value: "30", reference: 基准测试值 / a benchmark value}}
""",
    "bench-hongkou-2022": """id: bench-hongkou-2022
inherits: hongkou-difficult-industry-2022
title: 困难行业稳就业补贴(基准测试用)
title_en: Hardest-hit industries subsidy (benchmark values)
base_year: 2021
parameters:
  industries:
    values:
      2022-01-01: {value: [catering, retail, accommodation], reference: 基准测试值 / a benchmark value}
  per_head:
    values:
      2022-01-01: {value: "600.00", reference: 基准测试值 / a benchmark value}
  headcount_month:
    values:
      2022-01-01: {value: "2021-12", reference: 基准测试值 / a benchmark value}
  joint_review:
    values:
      2022-01-01: {value: false, reference: 基准测试值 / a benchmark value (no department assigned its industries)}
""",
}
RUNS = (("cn-2022", dt.date(2022, 6, 30)), ("bench-difficult-2022", dt.date(2022, 1, 1)),
        ("cn-retention-training-2022", dt.date(2022, 6, 30)), ("bench-hongkou-2022", dt.date(2022, 6, 30)))


def active(flags: str, d: str) -> str:
    return f"listed_on <= DATE '{d}' AND (removed_on IS NULL OR removed_on > DATE '{d}') AND flag IN {flags}"


def hongkou_sql(schema: str, d: str) -> str:
    return f"""
WITH f AS (SELECT uscc, true AS excl FROM {schema}.flags
           WHERE {active("('serious_dishonesty','deregistered','revoked')", d)} GROUP BY uscc),
h AS (SELECT uscc, max(insured) AS heads FROM {schema}.contributions WHERE month = '2021-12' GROUP BY uscc),
j AS (SELECT e.uscc, e.unit_type = 'public_institution' OR coalesce(f.excl, false)
             OR e.industry NOT IN ('catering','retail','accommodation') AS failed, h.heads
      FROM {schema}.employers e LEFT JOIN f USING (uscc) LEFT JOIN h USING (uscc))
SELECT uscc, CASE WHEN failed THEN 'ineligible' WHEN heads IS NULL THEN 'review' ELSE 'eligible' END AS decision,
       CASE WHEN failed OR heads IS NULL THEN 0 ELSE heads * 60000 END AS amount_fen FROM j"""


def retention_sql(schema: str, d: str) -> str:
    non_enterprise = "(" + ",".join(f"'{t}'" for t in standard()["non_enterprise_unit_types"]) + ")"
    return f"""
WITH floors(industry, cls, rank, staff, revenue, assets) AS (VALUES {floors_values()}),
c AS (SELECT uscc, sum(insured) FILTER (WHERE month BETWEEN '2021-01' AND '2021-12') AS s,
             count(*) FILTER (WHERE month BETWEEN '2021-01' AND '2021-12') AS n
      FROM {schema}.contributions GROUP BY uscc),
x AS (SELECT uscc, true AS excl FROM {schema}.flags WHERE {active("('serious_dishonesty','deregistered')", d)}
      GROUP BY uscc),
r AS (SELECT uscc, strftime(min(listed_on), '%Y-%m') AS listed FROM {schema}.flags
      WHERE {active("('epidemic_risk_area')", d)} GROUP BY uscc),
h AS (SELECT r.uscc, max(k.insured) AS heads FROM r LEFT JOIN {schema}.contributions k
      ON k.uscc = r.uscc AND k.month = r.listed GROUP BY r.uscc),
u AS (SELECT e.uscc, e.unit_type, e.industry, e.size_class AS agency_class, e.employees, e.revenue, e.assets,
             CASE WHEN e.unit_type IN {non_enterprise} THEN 'other' ELSE e.industry END AS row_key,
             coalesce(c.s, 0) AS s, coalesce(c.n, 0) AS n, coalesce(x.excl, false) AS excl,
             h.uscc IS NOT NULL AS risk, h.heads
      FROM {schema}.employers e LEFT JOIN c USING (uscc) LEFT JOIN x USING (uscc) LEFT JOIN h USING (uscc)),
{SIZED}
j AS (SELECT uscc, heads, unit_type = 'public_institution' OR excl OR NOT risk
             OR (cls = 'large' AND industry NOT IN ('catering','retail','transport')) AS failed FROM sized)
SELECT uscc, CASE WHEN failed THEN 'ineligible' ELSE 'review' END AS decision,
       CASE WHEN failed OR heads IS NULL THEN 0 ELSE heads * 50000 END AS amount_fen FROM j"""


def stable_job_sql(schema: str, d: str) -> str:
    """cn-2022 by hand from the monthly rows, not the facts the import derives from them (which the engine reads)."""
    return cn_2022_sql(schema, d, yearly=False)


def bench_difficult_sql(schema: str, d: str, *, yearly: bool = False) -> str:
    """bench-difficult-2022 by hand: cn-2020's layoff limits (≤ 5.5%; large units < the 3.62% registered rate; ≤ 30
    insured ≤ 20%), enterprises only, base year 2021, and the bench values for Beijing (prefix 11): 1,800 yuan a
    month and 30 months of reserve (≥ 24), 6 months a head; other regions set neither. From the monthly rows."""
    return difficult_return_sql(schema, d, base_year=2021, benefit_fen={"11": 180_000}, reserve_months={"11": 30},
                                limit=("<=", "5.5"), small=("<=", "20"), large=("<", "3.62"), yearly=yearly)


HAND = {"cn-2022": stable_job_sql, "bench-difficult-2022": bench_difficult_sql,
        "cn-retention-training-2022": retention_sql, "bench-hongkou-2022": hongkou_sql}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=500_000)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    from wengang.snapshot.generator import generate_city

    root = CACHE / f"unit-programmes-{args.units}"
    packs = root / "packs"
    for pack_id, text in PACKS.items():
        (packs / pack_id).mkdir(parents=True, exist_ok=True)
        (packs / pack_id / "pack.yaml").write_text(text, encoding="utf-8")
    os.environ["WENGANG_POLICY_PATH"] = str(packs)
    settings = Settings(data_dir=root / "var")
    analytics = bootstrap.analytics(settings)
    folder = root / "city"
    started = time.perf_counter()
    if not (folder / "employers.parquet").exists():
        generate_city(folder, units=args.units, seed=2022, base_year=2021, programme_files=False)
    snapshot = import_folder(folder, analytics=analytics, settings=settings).snapshot.id
    setup = time.perf_counter() - started
    lines = [f"setup (not timed): a generated city of {args.units:,} units (base year 2021, the six files), imported "
             f"({setup:.1f} s, cached after the first run); 1-min load {os.getloadavg()[0]:.1f} before"]
    for pack_id, as_of in RUNS:
        evaluate(snapshot, pack_id, as_of, analytics=analytics, settings=settings, keep=False)       # warm
        t0 = time.perf_counter()
        run = evaluate(snapshot, pack_id, as_of, analytics=analytics, settings=settings, keep=True)
        seconds = time.perf_counter() - t0
        s = run.summary
        line = (f"{pack_id} (as of {as_of}): **{seconds:.2f} s** with explanations stored (target ≤ {LIMIT:.0f} s, "
                f"{'met' if seconds <= LIMIT else 'MISSED'}); {s.eligible:,} eligible, {s.review:,} review, "
                f"{s.ineligible:,} ineligible, {s.amount_fen / 100:,.2f} yuan")
        if pack_id in HAND:
            info = analytics.find_snapshot(snapshot)
            con = store.connect(settings.analytics_path)
            t1 = time.perf_counter()
            hand = con.execute(HAND[pack_id](info.schema, as_of.isoformat())).to_arrow_table()
            hand_s = time.perf_counter() - t1
            con.register("hand", hand)
            con.register("engine", run.decided.select(["uscc", "decision", "amount_fen"]))
            differ = con.execute("SELECT count(*) FROM engine e FULL JOIN hand h USING (uscc) WHERE e.decision IS "
                                 "DISTINCT FROM h.decision OR e.amount_fen IS DISTINCT FROM h.amount_fen"
                                 ).fetchone()[0]
            con.close()
            line += f"; hand-written query {hand_s:.2f} s, **{differ} units differ**"
        print(line, flush=True)
        lines.append(line)
    lines.append(f"peak RSS {peak_rss_mb():,.0f} MB; 1-min load {os.getloadavg()[0]:.1f} after")
    if args.no_record:
        print("\n".join(lines))
    else:
        record(f"Issue 17: unit-level programmes at {args.units:,} units (bench/bench_unit_programmes.py)", lines)


if __name__ == "__main__":
    main()
