"""A Parquet file whose columns DuckDB turns into the same text as Arrow does is read by DuckDB itself, in
parallel and without passing through Python; any other file goes batch by batch through Arrow."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from wengang.snapshot.batch_checks import SQL_TYPES
from wengang.snapshot.checks import typed_sql, value_problem_sql
from wengang.snapshot.rawfile import LINE, RawFile


def same_text(kind: pa.DataType) -> bool:
    """Types whose text is the same whether Arrow or DuckDB casts them (dates and floats are not: BC dates,
    exponents; Arrow writes a decimal of more than 6 places in scientific notation when it is small, e.g. 0E-30):
    text, whole numbers, booleans, decimals of at most 6 places that DuckDB holds."""
    if pa.types.is_decimal128(kind):
        return 0 <= kind.scale <= 6 and kind.precision <= 38
    return pa.types.is_string(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind)


def scan_sql(raw: RawFile, names: Sequence[str], types: Sequence[pa.DataType], where: list[int | None]) -> str | None:
    """The SELECT DuckDB runs on the file (its path the one parameter), rows numbered from 1; None when Arrow must
    read it: a column of another type, or names DuckDB would confuse (it matches names ignoring case)."""
    if raw.unusable or len({n.lower() for n in names}) != len(names):
        return None
    if not all(same_text(types[i]) for i in where if i is not None):
        return None
    columns = ", ".join(
        f'{as_text(_quoted(names[i]), types[i])} AS "{name}"' if i is not None
        else f'NULL::VARCHAR AS "{name}"' for name, i in zip(raw.spec.column_names, where, strict=True))
    return f"SELECT {columns}, file_row_number + 1 AS {LINE} FROM read_parquet(?, file_row_number = true)"


def as_text(source: str, kind: pa.DataType) -> str:
    """A column as the text it is checked as; a decimal of more than two places without the zeros that end it
    (1234.5000 of a DECIMAL(18,4) is the amount 1234.5: a value, not its type, has at most two decimals), as
    reading.decimal_text and Spark (on_spark._text_sql) show it."""
    text = f"CAST({source} AS VARCHAR)"
    if pa.types.is_decimal(kind) and kind.scale > 2:
        return f"CASE WHEN {source} = 0 THEN '0' ELSE regexp_replace({text}, '\\.?0+$', '') END"
    return text


_WHOLE_LIMIT = 999_999_999    # checks.SHAPES["int"]: nine digits at most


def _native(kind: str, type_: pa.DataType) -> bool:
    """A Parquet type whose every value the kind's text check passes but for its sign and size: a whole number for
    `int`, a decimal of at most two places and sixteen whole digits for `money`, a boolean for `bool`."""
    if kind == "int":
        return pa.types.is_integer(type_)
    if kind == "money":
        return pa.types.is_decimal128(type_) and 0 <= type_.scale <= 2 and type_.precision - type_.scale <= 16
    return kind == "bool" and pa.types.is_boolean(type_)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def checked_scan_sql(raw: RawFile, names: Sequence[str], types: Sequence[pa.DataType], where: list[int | None],
                     typed: Sequence[str]) -> str:
    """For a file `scan_sql` reads: the SELECT that keeps, in their stored types (`typed`; the other columns as
    text), exactly the rows whose every value passes the SQL checks (checks.py): numbers and booleans judged in their
    own type (no text made and parsed back), the rest as the text `scan_sql` gives."""
    owner = not raw.spec.references_employers
    values, passes, stored = [], [], []
    for col, i in zip(raw.spec.columns, where, strict=True):
        source = "NULL" if i is None else _quoted(names[i])
        v = f'"{col.name}"'
        if i is not None and _native(col.kind, types[i]):
            inner = (f"{v} BETWEEN 0 AND {_WHOLE_LIMIT}" if col.kind == "int" else f"{v} >= 0" if col.kind == "money"
                     else "true")
            passes.append(f"({v} IS NOT NULL AND {inner})" if col.required else f"({v} IS NULL OR {inner})")
            values.append(f"CAST({source} AS {SQL_TYPES[col.kind] if col.name in typed else 'VARCHAR'}) AS {v}")
            stored.append(v)
            continue
        passes.append(f"({value_problem_sql(col, owner=owner)}) IS NULL")
        values.append(f"{'NULL' if i is None else as_text(source, types[i])} AS {v}")
        stored.append(typed_sql(col) if col.name in typed else v)
    return (f"SELECT {', '.join(stored)}, {LINE} FROM (SELECT {', '.join(values)}, file_row_number + 1 AS {LINE} "
            f"FROM read_parquet(?, file_row_number = true)) WHERE {' AND '.join(passes)}")
