"""PySpark (local mode) decides every unit exactly as DuckDB does, to the fen, on every policy snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.policy.cases import evaluate_file

POLICY_FILES = sorted((Path(__file__).parents[1] / "policy").glob("*/*.yaml"))

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_spark_and_duckdb_agree_on_policy_snapshots(path, tmp_path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    on_duckdb = evaluate_file(doc, tmp_path / "duckdb", engine="duckdb")
    on_spark = evaluate_file(doc, tmp_path / "spark", engine="spark")
    assert on_spark == on_duckdb


def test_spark_and_duckdb_agree_on_a_generated_20000_unit_city(tmp_path):
    import datetime as dt

    from wengang import bootstrap
    from wengang.config import Settings
    from wengang.services.evaluation import evaluate
    from wengang.snapshot.generator import generate_city

    folder = tmp_path / "city"
    generate_city(folder, units=20_000, seed=7, profile="beijing")
    settings = Settings(data_dir=tmp_path / "var")
    runs = {engine: evaluate(str(folder), "beijing-2021", dt.date(2021, 6, 30),
                             analytics=bootstrap.analytics(settings), settings=settings, engine=engine,
                             keep=False) for engine in ("duckdb", "spark")}
    duck, spark = runs["duckdb"].decided, runs["spark"].decided
    assert duck.num_rows == spark.num_rows == 20_000
    assert spark.sort_by("uscc").to_pylist() == duck.sort_by("uscc").to_pylist()
    assert runs["duckdb"].summary.eligible > 10_000
