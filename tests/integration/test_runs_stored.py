"""A stored run keeps what it decided and read; the employer's own columns come back from the snapshot."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.builders import steady_contributions, uscc, write_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.rules import runs
from wengang.services.evaluation import evaluate
from wengang.services.explanations import explain_unit
from wengang.snapshot import store

A, B = uscc(1), uscc(2)
AS_OF = dt.date(2021, 6, 30)


@pytest.fixture
def stored(tmp_path):
    contributions = steady_contributions(A, insured=40) + steady_contributions(B, insured=40)
    contributions[-1]["insured"] = 30
    folder = write_snapshot(tmp_path / "city", employers=[
        {"uscc": A, "name": "甲公司", "industry": "other", "employees": "40"},
        {"uscc": B, "name": "乙公司", "industry": "other", "employees": "40", "region": "110108"}],
        contributions=contributions, separations=[])
    cfg = Settings(data_dir=tmp_path / "var")
    return cfg, evaluate(str(folder), "beijing-2021", AS_OF, analytics=bootstrap.analytics(cfg),
                         settings=cfg, keep=True)


def _columns(cfg) -> dict[str, str]:
    con = store.connect(cfg.analytics_path, read_only=True)
    try:
        return dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                "WHERE table_name = 'decisions'").fetchall())
    finally:
        con.close()


def test_a_run_stores_no_employer_column_and_its_few_word_columns_as_enums(stored):
    cfg, run = stored
    columns = _columns(cfg)
    assert not set(runs.FROM_SNAPSHOT) & set(columns)
    assert columns["c_layoff"].startswith("ENUM") and columns["opening_source"].startswith("ENUM")
    assert columns["decision"] == "VARCHAR" and columns["size_class"] == "VARCHAR"
    assert {"name", "labor_dispatch"} <= set(run.decided.column_names)     # the cases read them from the run


def test_the_explanation_reads_the_employer_from_the_snapshot(stored):
    cfg, run = stored
    headline, lines = explain_unit(B, analytics=bootstrap.analytics(cfg), run_id=run.summary.id)
    assert headline.startswith(f"乙公司 ({B})")
    layoff = next(line for line in lines if line.criterion == "layoff")
    assert layoff.outcome.startswith("未通过") and "(prev_dec)" in layoff.read
    assert next(line for line in lines if line.criterion == "scope").read.endswith("enterprise")


def test_a_store_with_runs_written_before_keeps_them_and_takes_new_ones(stored):
    cfg, run = stored
    con = store.connect(cfg.analytics_path)
    try:                                    # the earlier layout: every column as text, the employer's copied in
        con.execute("DROP TABLE decisions")
        con.register("earlier", run.decided)
        con.execute("CREATE TABLE decisions AS SELECT 'r-old' AS run_id, d.*, e.unit_type, e.industry, e.region, "
                    "e.employees, e.revenue, e.assets FROM earlier d JOIN "
                    f"{store.schema_of(run.summary.snapshot_id)}.employers e USING (uscc)")
        con.execute("INSERT INTO decision_runs SELECT 'r-old', snapshot_id, pack, as_of, engine, created_at - "
                    "INTERVAL 1 DAY, units, eligible, review, ineligible, amount_fen, seconds FROM decision_runs")
        con.execute("INSERT INTO run_parameters SELECT 'r-old', name, region, value, start, reference "
                    "FROM run_parameters")
        con.unregister("earlier")
        summary = runs.summarise("r-new", run.summary.snapshot_id, "beijing-2021", AS_OF, "duckdb", run.decided, 1.0)
        runs.store_run(con, summary, run.decided, runs.parameters(con, run.summary.id))
    finally:
        con.close()
    old, new = (explain_unit(A, analytics=bootstrap.analytics(cfg), run_id=r) for r in ("r-old", "r-new"))
    assert old == new and old[0].startswith(f"甲公司 ({A})")
