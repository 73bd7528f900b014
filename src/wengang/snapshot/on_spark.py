"""A snapshot folder of Parquet files checked and typed by Spark where it lies (shared storage on a cluster): the
import's own header rules, value checks, keys, row rules and orphans, their DuckDB SQL translated to Spark SQL, with
the same messages on the same lines; the typed rows stay in Spark as views for the rules to read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from wengang.domain.progress import Progress
from wengang.domain.snapshots import CheckResult
from wengang.snapshot.checking import Hashed
from wengang.snapshot.checks import typed_sql, value_problem_sql
from wengang.snapshot.faults import Fault
from wengang.snapshot.rawfile import LINE, RawFile, cannot_read, layout
from wengang.snapshot.reading import BEIJING, CALENDAR_KINDS, PLAIN
from wengang.snapshot.schema import FILES, FILES_BY_NAME, Column, FileSpec
from wengang.snapshot.validation import ROW_RULES, duplicate_faults_sql, faults_of, orphan_faults_sql

Session = Any                      # pyspark.sql.SparkSession: pyspark is imported only where Spark runs


def readable(files: dict[str, Path]) -> bool:
    """Spark reads a folder whose files are all Parquet; a CSV folder is imported into the store first."""
    return all(p.suffix.lower() == ".parquet" for p in files.values())


def to_spark(sql: str) -> str:
    """DuckDB SQL of the checks as Spark SQL: full-match regexes anchored (\\z: Java's $ also matches before a final
    newline), strptime as a date parse that gives NULL when it fails, the rest by sqlglot."""
    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.RegexpFullMatch):
            pattern = node.expression.this
            return exp.RegexpLike(this=node.this, expression=exp.Literal.string(f"^(?:{pattern})\\z"))
        if isinstance(node, exp.Anonymous) and node.name.lower() == "try_strptime":
            return exp.Anonymous(this="try_to_timestamp", expressions=[node.expressions[0],
                                                                       exp.Literal.string("yyyy-MM-dd")])
        return node
    return sqlglot.parse_one(sql, read="duckdb").transform(swap).sql(dialect="spark")


@dataclass
class Checked:
    """What Spark found in the folder, and each file's typed rows as a view (every file of the contract has one:
    an absent file is an empty view, as the store keeps an empty table)."""

    result: CheckResult
    views: dict[str, str]


def check(session: Session, hashed: Hashed, folder: Path, prefix: str, progress: Progress, *,
          validate: bool = True) -> Checked:
    """Read every file with Spark, check it as the import does (unless `validate` is off: a folder whose hash the
    store already holds was checked then), and type it. Every check of every file is one Spark job, so a cluster
    pays its scheduling once; only the rows that have a fault come back."""
    faults: list[Fault] = []
    warnings = list(hashed.warnings)
    texts: dict[str, str] = {}
    for name, path in hashed.files.items():
        raw, view = _text_view(session, FILES_BY_NAME[name], path, f"{prefix}_text_{name}")
        warnings.extend(raw.warnings)
        faults.extend(raw.faults)
        if view is not None:
            texts[name] = view
    if validate:
        progress.step("Spark 校验 / Spark checking every file")
        faults.extend(_faults(session, texts, {name: path.name for name, path in hashed.files.items()}))
    views = {spec.name: _typed_view(session, spec, texts.get(spec.name), f"{prefix}_{spec.name}") for spec in FILES}
    unusable = any(f.name in hashed.files and f.name not in texts for f in FILES)
    rows = {} if faults else _counts(session, {name: views[name] for name in texts})
    return Checked(CheckResult(folder, hashed.content_hash, faults, warnings, rows,
                               dict.fromkeys(hashed.files, "parquet"), unusable=unusable), views)


def _faults(session: Session, texts: dict[str, str], files: dict[str, str]) -> list[Fault]:
    """(file, line, column, value, reason) of every check of every file in one query, judged as the import does."""
    parts = []
    for name, view in texts.items():
        spec = FILES_BY_NAME[name]
        queries = [_values_sql(spec, view)]
        queries += [to_spark(duplicate_faults_sql(spec, view, all_copies=False))] if spec.key else []
        queries += [to_spark(ROW_RULES[rule](view, False)) for rule in spec.row_rules]
        if spec.references_employers and "employers" in texts:
            queries.append(to_spark(orphan_faults_sql(view, texts["employers"])))
        parts += [f"SELECT '{name}' AS file, * FROM ({q}) AS {name}_{i}" for i, q in enumerate(queries)]
    found: dict[str, list] = {}
    for row in session.sql(" UNION ALL ".join(parts)).collect():
        found.setdefault(row[0], []).append(tuple(row[1:]))
    return [f for name in texts for f in faults_of(found.get(name, []), files[name],
                                                   {c.name: c.kind for c in FILES_BY_NAME[name].columns})]


def _values_sql(spec: FileSpec, view: str) -> str:
    """Every value check of the file in one pass: a row per bad value."""
    owner = not spec.references_employers
    checks = ", ".join(f"'{c.name}', `{c.name}`, {to_spark(value_problem_sql(c, owner=owner))}" for c in spec.columns)
    return (f"SELECT {LINE}, col, value, why FROM (SELECT {LINE}, stack({len(spec.columns)}, {checks}) "
            f"AS (col, value, why) FROM {view}) WHERE why IS NOT NULL")


def _counts(session: Session, views: dict[str, str]) -> dict[str, int]:
    sql = " UNION ALL ".join(f"SELECT '{name}', count(*) FROM {view}" for name, view in views.items())
    return {name: int(n) for name, n in session.sql(sql).collect()}


def _text_view(session: Session, spec: FileSpec, path: Path, view: str) -> tuple[RawFile, str | None]:
    """The file's columns as text with their line (the row's place in the file, from 1), the layout judged by the
    import's own rule; None when the file cannot be used at all. Rows repeated exactly are kept once where DATA.md
    says so (their first line)."""
    from pyspark.errors import PySparkException
    from pyspark.sql.types import ArrayType, MapType, StructType

    raw = RawFile(spec, path, None, encoding="parquet")
    try:
        frame = session.read.parquet(str(path))
    except PySparkException as err:
        cannot_read(raw, err)
        return raw, None
    where = layout(raw, frame.columns, header_line=0)
    for field in frame.schema.fields:
        if field.name in spec.column_names and isinstance(field.dataType, ArrayType | MapType | StructType):
            raw.fault_file(0, field.name, "", f"列类型 {field.dataType.simpleString()} 不是每行一个值 / column "
                                              f"{field.name!r} has type {field.dataType.simpleString()}: a snapshot "
                                              "column holds one text, number or date per row")
    if raw.unusable:
        return raw, None
    names, types = frame.columns, [field.dataType for field in frame.schema.fields]
    text = frame.selectExpr(*[f"{_text_sql(col, f'`{names[i]}`', types[i])} AS `{col.name}`" if i is not None
                              else f"CAST(NULL AS STRING) AS `{col.name}`" for col, i in zip(spec.columns, where,
                                                                                            strict=True)],
                            f"_metadata.row_index + 1 AS {LINE}")
    if spec.repeats_kept_once:
        from pyspark.sql import functions as F

        text = text.groupBy(*spec.column_names).agg(F.min(LINE).alias(LINE))
    text.createOrReplaceTempView(view)
    return raw, view


def _text_sql(col: Column, source: str, kind: Any) -> str:
    """A column's values as text, as the import reads them (reading._calendar_text for dates and months stored as
    dates or timestamps: at midnight of UTC or of Beijing, and for a month on its first day, else the value in
    Beijing time to the second; the session's time zone is UTC)."""
    from pyspark.sql.types import (
        DateType,
        DecimalType,
        DoubleType,
        FloatType,
        TimestampNTZType,
        TimestampType,
    )

    if isinstance(kind, DecimalType) and kind.scale > 2:
        return _decimal_sql(source)
    if isinstance(kind, DoubleType | FloatType):     # Java's shortest text of the float, as a plain decimal
        low, high = PLAIN
        return (f"CASE WHEN {source} = 0 OR (abs({source}) >= {low} AND abs({source}) < {high:.0f}) "
                f"THEN {_decimal_sql(f'CAST(CAST({source} AS STRING) AS DECIMAL(38, 18))')} "
                f"ELSE CAST({source} AS STRING) END")
    if col.kind not in CALENDAR_KINDS or not isinstance(kind, DateType | TimestampType | TimestampNTZType):
        return f"CAST({source} AS STRING)"
    unit, shape = ("DAY", "yyyy-MM-dd") if col.kind == "date" else ("MONTH", "yyyy-MM")
    walls = [f"CAST({source} AS TIMESTAMP)" if isinstance(kind, DateType) else source]
    if isinstance(kind, TimestampType):
        walls.append(f"from_utc_timestamp({source}, '{BEIJING}')")
    fitting = [f"CASE WHEN {w} = date_trunc('{unit}', {w}) THEN date_format({w}, '{shape}') END" for w in walls]
    shown = f"CAST({source} AS STRING)" if isinstance(kind, DateType) else f"date_format({walls[-1]}, 'yyyy-MM-dd HH:mm:ss')"
    return f"COALESCE({', '.join(fitting)}, {shown})"


def _decimal_sql(value: str) -> str:
    """A decimal without the zeros that end it, zero as 0 (reading.decimal_text)."""
    return f"CASE WHEN {value} = 0 THEN '0' ELSE regexp_replace(CAST({value} AS STRING), '\\\\.?0+$', '') END"


def _typed_view(session: Session, spec: FileSpec, text: str | None, view: str) -> str:
    """The checked text in its stored types, as the store types it (checks.typed_sql), with its line."""
    typed = ", ".join(typed_sql(c) for c in spec.columns)
    source = text or (f"(SELECT {', '.join(f'CAST(NULL AS VARCHAR) AS {c}' for c in spec.column_names)}, "
                      f"CAST(0 AS BIGINT) AS {LINE}) AS not_given WHERE false")
    session.sql(to_spark(f"SELECT {typed}, {LINE} AS line FROM {source}")).createOrReplaceTempView(view)
    return view



def fetch(session: Session, view: str) -> pa.Table:
    """A (per-unit) view's rows, typed, for the store to keep."""
    return session.table(view).toArrow()


def span(session: Session, contributions: str) -> pa.Table:
    """The first and last contribution month, as one row of `month`: all the store keeps of the monthly rows."""
    return session.sql(f"SELECT month FROM (SELECT min(month) AS month FROM {contributions} UNION ALL "
                       f"SELECT max(month) FROM {contributions}) AS span WHERE month IS NOT NULL").toArrow()
