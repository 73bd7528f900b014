"""Where a rule expression runs: DuckDB over the analytical store, or PySpark over exported Parquet."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb
import ibis
import pyarrow as pa
from ibis.expr import operations as ops
from ibis.expr.types import Table

from wengang.domain.snapshots import SnapshotInfo
from wengang.rules.inputs import SnapshotTables
from wengang.snapshot import facts
from wengang.snapshot.schema import FILES

PROGRAMME_FILES = ("hires", "interns", "dues")     # read by the person-level programmes and relief only


def _tables(get, info: SnapshotInfo, with_facts: bool, stored: set[str]) -> SnapshotTables:
    """The snapshot's tables; a programme file is None when the snapshot has no table for it (imported before the
    file existed) and empty when the folder had no such file."""
    return SnapshotTables(
        employers=get("employers"), contributions=get("contributions"), separations=get("separations"),
        ui_claims=get("ui_claims"), flags=get("flags"),
        has_separations="separations" in info.files, has_ui_claims="ui_claims" in info.files,
        has_flags="flags" in info.files, contribution_years=get(facts.TABLE) if with_facts else None,
        **{name: get(name) if name in stored else None for name in PROGRAMME_FILES},
        present=frozenset(info.files),
    )


def duckdb_tables(con: duckdb.DuckDBPyConnection, info: SnapshotInfo) -> SnapshotTables:
    """The snapshot's typed tables in the store, as Ibis tables on the same DuckDB connection; the contribution
    facts when the snapshot has them (snapshot/facts.py), else the engine aggregates the monthly rows."""
    backend = ibis.duckdb.from_connection(con)
    return _tables(lambda name: backend.table(name, database=info.schema), info, facts.exists(con, info.schema),
                   _stored(con, info.schema))


def _stored(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                                      [schema]).fetchall()}


def spark_session():
    """The Spark session: local[2] by default, a cluster when WENGANG_SPARK_MASTER says which (spark://host:7077,
    yarn, k8s://…) or when the driver was started by spark-submit (its --master is then already in the context). A
    session left running on another master in this process is stopped first, so the run goes where it was asked."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    wanted = os.environ.get("WENGANG_SPARK_MASTER")
    if active is not None and (wanted is None or active.sparkContext.master == wanted):
        return active
    if active is not None:
        active.stop()
    warehouse = Path(tempfile.mkdtemp(prefix="wengang-spark-"))
    builder = (SparkSession.builder.appName("wengang")
               .config("spark.sql.warehouse.dir", str(warehouse / "warehouse"))
               .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
               .config("spark.sql.shuffle.partitions", os.environ.get("WENGANG_SPARK_PARTITIONS", "8"))
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.ansi.enabled", "false"))
    if wanted or "PYSPARK_GATEWAY_PORT" not in os.environ:      # spark-submit's driver has its --master already
        builder = builder.master(wanted or "local[2]")
    return builder.getOrCreate()


def export_parquet(con: duckdb.DuckDBPyConnection, info: SnapshotInfo, folder: Path) -> dict[str, Path]:
    """Write the snapshot's tables, and its contribution facts when it has them, as Parquet for a Spark cluster
    to read (on a cluster: shared storage), so Spark reads the same inputs as DuckDB."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    stored = _stored(con, info.schema)                  # a snapshot older than a file lacks its table
    for name in [spec.name for spec in FILES if spec.name in stored] + ([facts.TABLE] if facts.exists(con, info.schema)
                                                                         else []):
        path = folder / f"{name}.parquet"
        con.execute(f"COPY {info.schema}.{name} TO '{path}' (FORMAT parquet)")
        paths[name] = path
    return paths


def spark_views(session, paths: dict[str, Path], info: SnapshotInfo) -> dict[str, str]:
    """Exported Parquet files as the session's views, by table name."""
    views = {}
    for name, path in paths.items():
        views[name] = f"wg_{info.id}_{name}"
        session.read.parquet(str(path)).createOrReplaceTempView(views[name])
    return views


def spark_tables(session, views: dict[str, str], info: SnapshotInfo, *, with_facts: bool) -> SnapshotTables:
    """The snapshot's views in the Spark session as Ibis tables (the facts only when given: else the engine
    aggregates the monthly rows itself)."""
    backend = ibis.pyspark.connect(session)
    return _tables(lambda name: backend.table(views[name]), info, with_facts, set(views))


def execute(expr: Table) -> pa.Table:
    """Run on whichever backend the expression's tables live on, never through pandas (nullable ints → float). A
    column that is one literal for every row (a criterion the programme does not use, its programme id) is made
    here in Arrow, not computed and copied row by row: a city's run fetched twenty such columns."""
    constants = _constants(expr)
    if not constants:
        return _fetch(expr)
    node = expr.op()
    fetched = _fetch(ops.Project(node.parent, {k: v for k, v in node.values.items() if k not in constants}).to_expr()
                     if isinstance(node, ops.Project) else expr.drop(*constants))     # not one more SELECT to merge
    rows, schema = fetched.num_rows, expr.schema()
    return pa.table({name: _repeat(constants[name], schema[name].to_pyarrow(), rows) if name in constants
                     else fetched.column(name) for name in expr.columns})


def _fetch(expr: Table) -> pa.Table:
    backend = expr._find_backend()
    if backend.name == "pyspark":
        return backend._session.sql(ibis.to_sql(expr, dialect="pyspark")).toArrow()
    return expr.to_pyarrow()


def _constants(expr: Table) -> dict[str, object]:
    """The columns whose value is a literal, followed back through the projections that pass it on (uscc never)."""
    found: dict[str, object] = {}
    for name in expr.columns:
        node = expr[name].op()
        while isinstance(node, ops.Field) and isinstance(node.rel, ops.Project):
            node = node.rel.values[node.name]
        if isinstance(node, ops.Literal) and name != "uscc":
            found[name] = node.value
    return found


def _repeat(value: object, kind: pa.DataType, rows: int) -> pa.Array:
    made: pa.Array = pa.nulls(rows, kind) if value is None else pa.repeat(pa.scalar(value, kind), rows)  # type: ignore[call-overload]
    return made
