"""Check the hongkou profile against seed 004: units passing Hongkou's difficult-industry subsidy, its sum, and the
internship bases paid without application.

The seed (004_8ff000fa10dc87da.txt) reports that by 30 June 2022, the first month, 360 enterprises had passed the
review for 8.83 million yuan (7.61 million paid), and that more than 90 enterprises were accepted for the youth
internship subsidy. This script generates the district (the profile's 6,000 units, base year 2022), imports it,
evaluates it with the engine as of 2022-06-30 under two packs of tests/packs whose regional values are stated
assumptions (`hongkou-calibration-2022`: catering, retail, accommodation and transport, 600 yuan a head of May
2022; `hongkou-internship-test-2022`: 80 % of a 2,590-yuan minimum wage, April–September 2022), prints the figures
beside the seed's and appends them to bench/RESULTS.md.

    .venv/bin/python bench/calibrate_hongkou.py --seeds 1 2 3 4 5 6
    .venv/bin/python bench/calibrate_hongkou.py --units 3000 --seeds 1 --no-record
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import record  # noqa: E402

PACKS = Path(__file__).resolve().parents[1] / "tests" / "packs"
AS_OF = dt.date(2022, 6, 30)
INDUSTRY, INTERNSHIP = "hongkou-calibration-2022", "hongkou-internship-test-2022"
SEED_UNITS, SEED_YUAN, SEED_BASES = 360, 8_830_000, 90


def calibrate(units: int, seed: int, work: Path) -> dict[str, float]:
    """Generate, import and evaluate one district; the figures scaled to the profile's size."""
    os.environ["WENGANG_POLICY_PATH"] = str(PACKS)
    from wengang import bootstrap
    from wengang.config import Settings
    from wengang.services.evaluation import evaluate
    from wengang.services.snapshots import import_folder
    from wengang.snapshot.generator import generate_city
    from wengang.snapshot.generator_profiles import PROFILES

    profile = PROFILES["hongkou"]
    started = time.perf_counter()
    generate_city(work / "city", units=units, seed=seed, profile="hongkou", base_year=profile.base_year)
    settings = Settings(data_dir=work / "var")
    analytics = bootstrap.analytics(settings)
    snapshot = import_folder(work / "city", analytics=analytics, settings=settings).snapshot.id
    industry = evaluate(snapshot, INDUSTRY, AS_OF, analytics=analytics, settings=settings, keep=False)
    interns = evaluate(snapshot, INTERNSHIP, AS_OF, analytics=analytics, settings=settings, keep=False)
    # a unit the rules pass waits only for its industry department's confirmation (the joint review), amount known
    rows = industry.decided.select(["decision", "reasons", "amount_fen"]).to_pylist()
    passed = [r["amount_fen"] for r in rows if r["decision"] == "eligible"
              or (r["decision"] == "review" and r["reasons"] == "department_confirmation_needed")]
    zero = sum(1 for a in passed if not a)
    scale = profile.units / units
    s, i = industry.summary, interns.summary
    return {"seconds": time.perf_counter() - started, "scale": scale, "units": len(passed) * scale,
            "yuan": sum(a or 0 for a in passed) / 100 * scale, "review": (s.review - len(passed)) * scale,
            "zero": zero * scale,
            "bases": i.eligible * scale, "intern_yuan": i.amount_fen / 100 * scale}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=6_000, help="units generated (figures scaled to 6,000)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append((seed, calibrate(args.units, seed, Path(tmp))))
    lines = [f"hongkou profile, {args.units:,} units (base year 2022; × {rows[0][1]['scale']:.3g} to the profile's "
             f"6,000), evaluated as of {AS_OF} with {INDUSTRY} and {INTERNSHIP} (tests/packs, assumed values)"]
    for seed, r in rows:
        lines.append(
            f"seed {seed}: difficult-industry **{r['units']:,.0f} units passed** (seed {SEED_UNITS}, "
            f"{r['units'] / SEED_UNITS - 1:+.1%}), **{r['yuan'] / 1e6:,.2f} million yuan** (seed 8.83, "
            f"{r['yuan'] / SEED_YUAN - 1:+.1%}), {r['yuan'] / max(r['units'], 1):,.0f} yuan a unit (seed "
            f"{SEED_YUAN / SEED_UNITS:,.0f}); {r['zero']:,.0f} of them at 0 yuan, {r['review']:,.0f} in review (no "
            f"May 2022 row); internship **{r['bases']:,.0f} bases paid** (seed: more than {SEED_BASES}), "
            f"{r['intern_yuan']:,.0f} yuan; {r['seconds']:.1f} s")
    if len(rows) > 1:
        n = len(rows)
        units, yuan = (sum(r[k] for _, r in rows) / n for k in ("units", "yuan"))
        bases = sum(r["bases"] for _, r in rows) / n
        lo, hi = (f(r["yuan"] / SEED_YUAN - 1 for _, r in rows) for f in (min, max))
        lines.append(f"mean of {n} seeds: {units:,.0f} units ({units / SEED_UNITS - 1:+.1%}), {yuan / 1e6:,.2f} million "
                     f"yuan ({yuan / SEED_YUAN - 1:+.1%}; seeds {lo:+.0%} … {hi:+.0%}), {bases:,.0f} internship bases")
    if args.no_record:
        print("\n".join(lines))
    else:
        record("Issue 17: the hongkou profile against seed 004 (bench/calibrate_hongkou.py)", lines)


if __name__ == "__main__":
    main()
