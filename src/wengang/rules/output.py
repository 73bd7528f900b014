"""The `wengang evaluate` output contract of DATA.md: one row per employer, money and rates as exact text."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

FORMATS = ("csv", "parquet", "xlsx")
CONTRACT_SQL = """
SELECT uscc, decision,
       printf('%d.%02d', amount_fen // 100, amount_fen % 100) AS amount,
       coalesce(size_class, 'unknown') AS size_class,
       CASE WHEN layoff_rate_micro IS NULL THEN NULL
            ELSE printf('%d.%06d', layoff_rate_micro // 1000000, layoff_rate_micro % 1000000) END AS layoff_rate,
       nullif(reasons, '') AS reasons
FROM decided ORDER BY uscc"""


def contract_table(decided: pa.Table) -> pa.Table:
    """Decisions as DATA.md specifies them, formatted in integers only (fen and millionths)."""
    con = duckdb.connect()
    try:
        con.register("decided", decided)
        return con.execute(CONTRACT_SQL).to_arrow_table()
    finally:
        con.close()


def write(table: pa.Table, out: Path, fmt: str) -> Path:
    """Write atomically (temp file, then rename), so a crash never leaves half a decisions file."""
    if fmt not in FORMATS:
        raise ValueError(f"未知格式 / unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    if fmt == "csv":
        con = duckdb.connect()
        con.register("t", table)
        con.execute(f"COPY t TO '{tmp}' (FORMAT csv, HEADER true, QUOTE '\"')")
        con.close()
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, tmp)
    else:
        _write_xlsx(table, tmp)
    tmp.replace(out)
    return out


def _write_xlsx(table: pa.Table, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("decisions")
    sheet.append(table.column_names)
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    for row in zip(*columns, strict=True):
        sheet.append(["" if v is None else v for v in row])
    book.save(path)
