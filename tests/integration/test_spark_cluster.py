"""Spark on a standalone cluster this test starts (one master, two workers, separate JVMs): the engine's session
runs there, both workers' executors do the work, and no Python runs on an executor."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.clocks import on_day
from tests.conftest import AS_OF, PUBLISHED_ON, write_city
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.errors import Refused
from wengang.services import cycles, publicity, reverify
from wengang.services.evaluation import evaluate
from wengang.services.snapshots import SnapshotRefused, check_folder, import_folder
from wengang.snapshot.generator import generate_city

pytestmark = [pytest.mark.spark, pytest.mark.slow]
UNITS, PACK, CITY_AS_OF = 3000, "beijing-2021", dt.date(2021, 6, 30)


def test_the_engine_runs_on_the_cluster_with_both_workers(spark_cluster):
    from wengang.rules import backends

    session = backends.spark_session()
    assert session.sparkContext.master == spark_cluster.master and spark_cluster.master.startswith("spark://")
    pids = {r[0] for r in session.sql("SELECT DISTINCT reflect('java.lang.ProcessHandle', 'current') "
                                      "FROM range(0, 1000, 1, 4)").collect()}
    assert len(pids) == 2 and str(os.getpid()) not in pids
    executors = session.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1      # less the driver
    assert executors == 2
    workers = spark_cluster.alive_workers()
    assert len(workers) == 2 and all(w["coresused"] == 1 for w in workers)


def parquet_copy(folder: Path, out: Path) -> Path:
    """The CSV snapshot as Parquet of text columns (an empty cell is null), as an agency's export may give it."""
    out.mkdir(parents=True)
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
            names = list(rows[0]) if rows else next(csv.reader(path.open(encoding="utf-8")))
        pq.write_table(pa.table({n: pa.array([r[n] or None for r in rows], pa.string()) for n in names}),
                       out / f"{path.stem}.parquet")
    return out


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated") / "city"
    generate_city(folder, units=UNITS, seed=11, profile="beijing")
    return folder


def _evaluate(folder: Path | str, data_dir: Path, engine: str):
    settings = Settings(data_dir=data_dir)
    return evaluate(str(folder), PACK, CITY_AS_OF, analytics=bootstrap.analytics(settings), settings=settings,
                    engine=engine)


def test_a_generated_city_decided_on_the_cluster_equals_duckdb_unit_by_unit_to_the_fen(spark_cluster, city,
                                                                                        tmp_path):
    duck = _evaluate(city, tmp_path / "duck", "duckdb")
    spark = _evaluate(city, tmp_path / "spark", "spark")
    assert spark.decided.num_rows == duck.decided.num_rows == UNITS
    assert spark.decided.sort_by("uscc").to_pylist() == duck.decided.sort_by("uscc").to_pylist()
    assert duck.summary.eligible > UNITS // 2 and spark.summary.amount_fen == duck.summary.amount_fen
    analytics = bootstrap.analytics(Settings(data_dir=tmp_path / "spark"))
    [info] = analytics.snapshots()
    assert info.mode == "spark" and info.id == duck.summary.snapshot_id and info.row_counts["employers"] == UNITS
    assert analytics.run(spark.summary.id).engine == "spark"
    with pytest.raises(Refused, match="--engine spark"):
        _evaluate(info.id, tmp_path / "spark", "duckdb")
    stored = import_folder(city, analytics=analytics, settings=Settings(data_dir=tmp_path / "spark")).snapshot
    assert stored is not None and (stored.id, stored.mode) == (info.id, "strict")    # now whole, in its place
    assert _evaluate(info.id, tmp_path / "spark", "duckdb").decided.sort_by("uscc").to_pylist() == \
        duck.decided.sort_by("uscc").to_pylist()


def _broken(city: Path, out: Path) -> Path:
    """The city with faults the import finds: a bad check digit, a repeated unit, a negative headcount, an unknown
    unit, a removal before its listing."""
    shutil.copytree(city, out)
    employers = pq.read_table(out / "employers.parquet").to_pylist()
    employers[4]["uscc"] = employers[4]["uscc"][:-1] + ("0" if employers[4]["uscc"][-1] != "0" else "1")
    employers[8]["uscc"] = employers[7]["uscc"]
    pq.write_table(pa.Table.from_pylist(employers, pq.read_schema(out / "employers.parquet")),
                   out / "employers.parquet")
    contributions = pq.read_table(out / "contributions.parquet")
    insured = contributions.column("insured").to_pylist()
    insured[9] = -3
    contributions = contributions.set_column(contributions.schema.get_field_index("insured"), "insured",
                                             pa.array(insured, contributions.schema.field("insured").type))
    pq.write_table(contributions, out / "contributions.parquet")
    separations = pq.read_table(out / "separations.parquet").to_pylist()
    separations[2]["uscc"] = "91110000000000000R" if separations[2]["uscc"] != "91110000000000000R" else \
        "91110000000000001P"
    pq.write_table(pa.Table.from_pylist(separations, pq.read_schema(out / "separations.parquet")),
                   out / "separations.parquet")
    return out


def test_a_folder_that_breaks_the_contract_is_refused_as_the_import_refuses_it(spark_cluster, city,
                                                                               tmp_path):
    folder = _broken(city, tmp_path / "broken")
    settings = Settings(data_dir=tmp_path / "var")
    analytics = bootstrap.analytics(settings)
    on_duckdb = check_folder(folder, analytics=analytics, settings=settings)
    with pytest.raises(SnapshotRefused) as refused:
        evaluate(str(folder), PACK, CITY_AS_OF, analytics=analytics, settings=settings, engine="spark")
    on_spark = refused.value.result.check
    assert len(on_duckdb.faults) >= 5
    assert sorted(on_spark.faults) == sorted(on_duckdb.faults)
    assert {"employers.parquet", "contributions.parquet", "separations.parquet"} <= {f.file for f in on_spark.faults}
    assert any("校验码" in f.reason for f in on_spark.faults) and any("重复" in f.reason for f in on_spark.faults)
    assert on_spark.report is not None and on_spark.report.exists()
    assert analytics.snapshots() == []                                # nothing stored


def _cycle(folders: dict[int, Path], data_dir: Path, db: Path, engine: str) -> list[tuple]:
    """Checkpoints 1 to 3 of the small city on `engine`: opened on v1's folder, a second round on the snapshot by
    its id (on Spark: its own folder read again), listed, closed, re-verified on v3's folder; every case as left."""
    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{db}")
    store, analytics = bootstrap.open_store(settings), bootstrap.analytics(settings)
    try:
        opened = cycles.open_cycle(PACK, AS_OF, store=store, analytics=analytics, settings=settings,
                                   snapshot=str(folders[1]), by="clerk", engine=engine)
        first = opened.rounds[0].run_id
        cycles.compare(1, store=store, analytics=analytics, settings=settings, by="clerk", engine=engine,
                       snapshot=analytics.run(first).snapshot_id)
        with on_day(store, PUBLISHED_ON):
            publicity.start(1, store=store, starts_on=PUBLISHED_ON, by="clerk")
        publicity.close("C1-P1", store=store, closed_on=PUBLISHED_ON + dt.timedelta(days=7), by="clerk")
        done = reverify.reverify(1, store=store, analytics=analytics, settings=settings, snapshot=str(folders[3]),
                                 by="checker", engine=engine)
        assert analytics.run(first).engine == analytics.run(done.run_id).engine == engine
        return sorted((c.uscc, c.state.value, c.decision, c.amount, c.reason, c.size_class, c.has_account)
                      for c in cycles.cases(1, store=store, limit=100))
    finally:
        store.close()


def test_a_cycle_opened_compared_and_reverified_on_the_cluster_has_the_duckdb_cases(spark_cluster, tmp_path,
                                                                                    sqlite_template):
    folders = {v: parquet_copy(write_city(tmp_path / f"csv{v}", v), tmp_path / f"v{v}") for v in (1, 3)}
    cases = {}
    for engine in ("duckdb", "spark"):
        shutil.copy(sqlite_template, tmp_path / f"{engine}.sqlite")
        cases[engine] = _cycle(folders, tmp_path / engine, tmp_path / f"{engine}.sqlite", engine)
    assert cases["spark"] == cases["duckdb"]
    states = {state for _, state, *_ in cases["spark"]}
    assert len(cases["spark"]) == 8 and {"re-verified", "review", "rejected"} <= states
