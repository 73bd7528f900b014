"""Spark on a standalone cluster this test starts (one master, two workers, separate JVMs): the engine's session
runs there, both workers' executors do the work, and no Python runs on an executor."""

from __future__ import annotations

import os

import pytest

from tests.spark_cluster import spark_cluster  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_the_engine_runs_on_the_cluster_with_both_workers(spark_cluster):  # noqa: F811
    from wengang.rules import backends

    session = backends.spark_session()
    assert session.sparkContext.master == spark_cluster.master and spark_cluster.master.startswith("spark://")
    pids = {r[0] for r in session.sql("SELECT DISTINCT reflect('java.lang.ProcessHandle', 'current') "
                                      "FROM range(0, 100000, 1, 16)").collect()}
    assert len(pids) == 2 and str(os.getpid()) not in pids
    executors = session.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1      # less the driver
    assert executors == 2
    workers = spark_cluster.alive_workers()
    assert len(workers) == 2 and all(w["coresused"] == 1 for w in workers)
