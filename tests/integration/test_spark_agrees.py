"""PySpark (local mode) decides every unit exactly as DuckDB does, to the fen, on every policy snapshot (CSV: imported,
then given to Spark as Parquet). A generated city is decided on a standalone cluster in test_spark_cluster.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.policy.cases import evaluate_file

POLICY_FILES = sorted((Path(__file__).parents[1] / "policy").glob("*/*.yaml"))

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(autouse=True, scope="module")
def one_shuffle_partition():
    """These snapshots hold a few units: eight shuffle tasks of nothing each took half of every test's time (the
    cluster test, test_spark_cluster.py, decides a city over many partitions)."""
    from wengang.rules import backends

    session = backends.spark_session()
    before = session.conf.get("spark.sql.shuffle.partitions")
    session.conf.set("spark.sql.shuffle.partitions", "1")
    yield
    session.conf.set("spark.sql.shuffle.partitions", before)


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_spark_and_duckdb_agree_on_policy_snapshots(path, tmp_path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    on_duckdb = evaluate_file(doc, tmp_path / "duckdb", engine="duckdb")
    on_spark = evaluate_file(doc, tmp_path / "spark", engine="spark")
    assert on_spark == on_duckdb
