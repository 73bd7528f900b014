"""A Parquet file whose columns DuckDB turns into the same text as Arrow does is read by DuckDB itself, in
parallel and without passing through Python; any other file goes batch by batch through Arrow."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

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
        f'CAST("{names[i].replace(chr(34), chr(34) * 2)}" AS VARCHAR) AS "{name}"' if i is not None
        else f'NULL::VARCHAR AS "{name}"' for name, i in zip(raw.spec.column_names, where, strict=True))
    return f"SELECT {columns}, file_row_number + 1 AS {LINE} FROM read_parquet(?, file_row_number = true)"
