"""The `wengang evaluate` output contract of DATA.md: one row per employer, money and rates as exact text."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from wengang.domain.cells import csv_cell, fits_sheet, runs_as_formula, sheet_text

FORMATS = ("csv", "parquet", "xlsx")
CONTRACT_SQL = """
SELECT uscc, decision,
       printf('%d.%02d', amount_fen // 100, amount_fen % 100) AS amount,
       coalesce(size_class, 'unknown') AS size_class,
       CASE WHEN layoff_rate_micro IS NULL THEN NULL
            ELSE printf('%d.%06d', layoff_rate_micro // 1000000, layoff_rate_micro % 1000000) END AS layoff_rate,
       nullif(reasons, '') AS reasons, programme
FROM decided ORDER BY uscc"""


# The per-person file (DATA.md "Other programmes"): the id masked as domain/identifiers.mask_id does (first 3 and
# last 4 characters; 7 or fewer all stars; tests/integration/test_job_expansion.py compares the two), yuan from fen;
# the person file's day (`hired_on`, `started_on`) and any column it adds (an intern's `months`) after the id.
PERSONS_SQL = """
SELECT CAST(uscc AS VARCHAR) AS uscc,
       CASE WHEN length(person_id) <= 7 THEN repeat('*', length(person_id))
            ELSE left(person_id, 3) || repeat('*', length(person_id) - 7) || right(person_id, 4) END AS person_id,
       {day}, {extra}CAST(decision AS VARCHAR) AS decision,
       printf('%d.%02d', amount_fen // 100, amount_fen % 100) AS amount, nullif(reasons, '') AS reasons
FROM persons ORDER BY uscc, {day}, persons.person_id"""


def persons_table(persons: pa.Table, day: str = "hired_on", extra: tuple[str, ...] = ()) -> pa.Table:
    """One row per person, by unit and day, the person masked: formatted in integers only."""
    con = duckdb.connect()
    try:
        con.register("persons", persons)
        sql = PERSONS_SQL.format(day=day, extra="".join(f"{column}, " for column in extra))
        return con.execute(sql).to_arrow_table()
    finally:
        con.close()


RELIEF_SQL = """
SELECT uscc, month, insurance,
       printf('%d.%02d', due_fen // 100, due_fen % 100) AS due,
       CASE WHEN relief_fen IS NULL THEN NULL ELSE printf('%d.%02d', relief_fen // 100, relief_fen % 100) END AS relief,
       CASE WHEN deferred_fen IS NULL THEN NULL
            ELSE printf('%d.%02d', deferred_fen // 100, deferred_fen % 100) END AS deferred,
       strftime(deferred_until, '%Y-%m-%d') AS deferred_until, kind, coalesce(size_class, 'unknown') AS size_class
FROM relief ORDER BY uscc, month, insurance"""
# Relief by kind and by SMEs (the units exempted as SMEs: enterprises of medium, small or micro size and individual
# businesses insured as units) vs the others; `unknown` where the kind or an amount is.
RELIEF_TOTALS_SQL = """
SELECT coalesce(kind, 'unknown') AS kind,
       CASE WHEN unit_kind = 'exempt' THEN 'sme' ELSE 'other' END AS size_group,
       count(DISTINCT uscc) AS units, count(*) AS rows, sum(due_fen)::BIGINT AS due_fen,
       coalesce(sum(relief_fen), 0)::BIGINT AS relief_fen, coalesce(sum(deferred_fen), 0)::BIGINT AS deferred_fen,
       count(DISTINCT uscc) FILTER (WHERE deferred_fen > 0) AS units_deferred,
       count(*) FILTER (WHERE relief_fen IS NULL) AS rows_unknown
FROM relief GROUP BY ALL ORDER BY kind, size_group"""
RELIEF_MONTHS_SQL = """
SELECT month, coalesce(sum(relief_fen) FILTER (WHERE unit_kind = 'exempt'), 0)::BIGINT AS sme_fen,
       coalesce(sum(relief_fen) FILTER (WHERE unit_kind IS DISTINCT FROM 'exempt'), 0)::BIGINT AS other_fen,
       coalesce(sum(deferred_fen), 0)::BIGINT AS deferred_fen,
       count(DISTINCT uscc) FILTER (WHERE deferred_fen > 0) AS units_deferred
FROM relief GROUP BY month ORDER BY month"""


def relief_table(relief: pa.Table, sql: str = RELIEF_SQL) -> pa.Table:
    """Contribution relief as DATA.md lists it (per unit, month and insurance; money as exact text, an unknown
    amount or kind empty), or one of its totals (RELIEF_TOTALS_SQL, RELIEF_MONTHS_SQL) in fen."""
    con = duckdb.connect()
    try:
        con.register("relief", relief)
        return con.execute(sql).to_arrow_table()
    finally:
        con.close()


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
        con.register("t", csv_safe(table))
        con.execute(f"COPY t TO '{tmp}' (FORMAT csv, HEADER true, QUOTE '\"')")
        con.close()
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, tmp)
    else:
        _write_xlsx(table, tmp)
    tmp.replace(out)
    return out


# The columns of a decisions, per-person or relief file a spreadsheet holds as numbers (exact Decimals from their
# text), each with its format; the money ones summed in a totals row. The rest stay text, as the CSV has them.
XLSX_KINDS = {"amount": "money", "due": "money", "relief": "money", "deferred": "money", "layoff_rate": "ratio",
              "months": "count"}


def _write_xlsx(table: pa.Table, path: Path) -> None:
    """A real spreadsheet for people (rules/sheets.py): a bold frozen header with a filter named as the CSV's columns,
    amounts as exact numbers with their format and a total, never a formula; CSV and Parquet are for programs."""
    from wengang.rules import sheets

    columns = [sheets.Column(name, XLSX_KINDS.get(name, "text"), 22 if name == "uscc" else 14,
                             total=XLSX_KINDS.get(name) == "money") for name in table.column_names]
    rows = zip(*(table.column(i).to_pylist() for i in range(table.num_columns)), strict=True)
    name = "relief" if "relief" in table.column_names else "persons" if "person_id" in table.column_names else "decisions"
    path.write_bytes(sheets.workbook(sheets.Sheet(name, None, columns, rows)))


def csv_safe(table: pa.Table) -> pa.Table:
    """The table with every text cell a spreadsheet would run as a formula quoted (domain.cells.csv_cell); only
    values not starting with a letter or digit are looked at one by one, so a city's decisions stay fast."""
    for i, field in enumerate(table.schema):
        if not pa.types.is_string(field.type) and not pa.types.is_large_string(field.type):
            continue
        column = table.column(i)
        if not pc.any(pc.match_substring_regex(column, "^[^0-9A-Za-z]")).as_py():
            continue
        safe = pa.array([csv_cell(v) for v in column.to_pylist()], type=field.type)
        table = table.set_column(i, field, safe)
    return table


def sheet_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for a write-only openpyxl sheet in which text is always a text cell, never a formula: text that would
    run as one is marked as Excel marks a typed leading quote (quotePrefix, the text intact), a character XML forbids
    becomes U+FFFD instead of failing the file; numbers stay numbers."""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        if isinstance(value, str) and (runs_as_formula(value) or not fits_sheet(value)):
            cell = WriteOnlyCell(sheet, value=sheet_text(value))
            cell.data_type = "s"
            cell.quotePrefix = runs_as_formula(value)
            value = cell
        row.append(value)
    return row
