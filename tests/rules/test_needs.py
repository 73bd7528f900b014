"""Issue 17 (performance): a programme computes only what its criteria, formula and outputs read (rules/needs.py),
its unused columns are made in Arrow (rules/backends.py), and its explanation still reads."""

from __future__ import annotations

import datetime as dt

import ibis

from tests.builders import steady_contributions, uscc, write_snapshot
from tests.conftest import ACCOUNT
from tests.e2e.test_cli import run
from wengang import bootstrap
from wengang.config import Settings
from wengang.rules import backends, needs
from wengang.services.evaluation import evaluate

LISTED, LARGE = uscc(1), uscc(2)


def test_a_step_runs_only_when_a_later_reader_needs_what_it_makes():
    probe = ibis.table({"a": "int64", "b": "int64"}, name="probe")
    steps = (lambda t: {"x": t.a + 1}, lambda t: {"y": t.x * 2}, lambda t: {"z": t.b})
    none = needs.plan(probe, steps, lambda t: [t.b > 0], always=())
    assert none.runs == (False, False, False) and none.wanted == {"b"}
    chained = needs.plan(probe, steps, lambda t: [t.y > 0], always=())
    assert chained.runs == (True, True, False) and {"a", "x", "y"} <= chained.wanted
    assert needs.plan(probe, steps, lambda t: [], always=("z",)).runs == (False, False, True)
    skipped = needs.apply(probe, steps, chained)               # a skipped step's column is a typed NULL
    assert skipped.schema()["z"] == ibis.dtype("int64") and skipped.columns[-1] == "z"


def city(folder):
    employers = [{"uscc": LISTED, "name": "小甲", "industry": "other", "employees": "30", **ACCOUNT},
                 {"uscc": LARGE, "name": "餐饮乙", "industry": "catering", "employees": "900", "size_class": "large",
                  **ACCOUNT}]
    contributions = [r for code in (LISTED, LARGE) for r in steady_contributions(code, insured=30, first="2020-12",
                                                                                  last="2022-05")]
    flags = [{"uscc": code, "source": "other", "flag": "epidemic_risk_area", "listed_on": "2022-04-10",
              "removed_on": ""} for code in (LISTED, LARGE)]
    return write_snapshot(folder, employers=employers, contributions=contributions, flags=flags, separations=[])


def test_retention_skips_the_layoff_test_and_still_explains_and_the_constants_equal_a_plain_fetch(tmp_path):
    settings = Settings(data_dir=tmp_path / "var")
    done = evaluate(str(city(tmp_path / "city")), "cn-retention-training-2022", dt.date(2022, 6, 15),
                    analytics=bootstrap.analytics(settings), settings=settings, keep=True)
    rows = {r["uscc"]: r for r in done.decided.to_pylist()}
    small = rows[LISTED]
    assert (small["decision"], small["amount_fen"], small["size_class"]) == ("review", 1_500_000, "small")
    assert rows[LARGE]["size_class"] == "large" and rows[LARGE]["c_retention_size"] == "pass"   # catering, listed
    # Not read by any retention criterion: neither aggregated nor derived, stored NULL.
    assert [small[c] for c in ("months_full", "arrears_fen", "natural_attrition", "benefit_recipients",
                               "layoff_limit_kind", "layoff_rate_micro", "net_reduction", "c_layoff")] == [None] * 8
    assert small["programme"] == "retention-training" and small["c_paid_months"] is None
    why = run(["explain", LISTED], tmp_path / "var")
    assert why.returncode == 0, why.stderr
    assert "500.00 元 × 参保 insured 30" in why.stdout and "裁员率" not in why.stdout

    from wengang.rules.engine import decide
    from wengang.rules.parameters import load_pack
    from wengang.snapshot import store

    con = store.connect(settings.analytics_path, read_only=True)
    try:
        info = store.list_snapshots(con)[0]
        frame, _ = decide(backends.duckdb_tables(con, info), load_pack("cn-retention-training-2022"),
                          dt.date(2022, 6, 15))
        assert backends._constants(frame)                        # there are some, made in Arrow
        assert backends.execute(frame).equals(frame.to_pyarrow())  # same schema, same values
    finally:
        con.close()
