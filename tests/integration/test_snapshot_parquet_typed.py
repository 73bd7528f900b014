"""A Parquet file with typed columns is read once by DuckDB, every value checked in its own type and kept typed
(issue 18: 240 M contribution rows of a nation must not be made text, checked and parsed back). It must say exactly
what the text checks say: a clean file stores the very rows the text path stores, and a file with any bad value is
read again as text, whose faults name file, line, column, value and reason as before. Each native check is tried on
both sides of its boundary."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.builders import steady_contributions, uscc, write_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.services.snapshots import check_folder
from wengang.snapshot import loading, reading
from wengang.snapshot.batch_checks import typed_columns
from wengang.snapshot.rawfile import LINE
from wengang.snapshot.schema import FILES_BY_NAME

UNITS = 4
MONEY = pa.decimal128(18, 2)


def contributions(**column) -> pa.Table:
    """Thirteen months of four units, typed as the generator writes them; `column` replaces whole columns."""
    rows = [row for i in range(UNITS) for row in steady_contributions(uscc(i + 1))]
    columns = {
        "uscc": pa.array([r["uscc"] for r in rows], pa.string()),
        "month": pa.array([r["month"] for r in rows], pa.string()),
        "insured": pa.array([r["insured"] for r in rows], pa.int32()),
        **{name: pa.array([Decimal(r[name]) for r in rows], MONEY)
           for name in ("unit_due", "unit_paid", "person_due", "person_paid")},
        "back_paid": pa.nulls(len(rows), MONEY),
    }
    return pa.table(columns | column)


def folder_with(tmp_path, table: pa.Table):
    folder = write_snapshot(tmp_path / "snap", employers=[{"uscc": uscc(i + 1), "name": f"北京市第{i}号商贸有限公司"}
                                                          for i in range(UNITS)], contributions=[])
    (folder / "contributions.csv").unlink()
    pq.write_table(table, folder / "contributions.parquet", row_group_size=10)
    return folder


def load(path, *, typed_scan: bool = True):
    con = duckdb.connect()
    raw = reading.read_file(FILES_BY_NAME["contributions"], path)
    if not typed_scan:
        raw.checked_query = None
    raw = loading.load(con, raw)
    return con, raw


def test_a_clean_typed_file_is_checked_and_kept_typed_in_one_read_the_same_rows_as_the_text_path(tmp_path):
    path = folder_with(tmp_path, contributions()) / "contributions.parquet"
    con, raw = load(path)
    assert raw.checked and raw.typed == typed_columns(FILES_BY_NAME["contributions"])
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {loading.raw_view(raw)})").fetchall())
    assert types["unit_due"] == "DECIMAL(18,2)" and types["insured"] == "INTEGER"
    text_con, text_raw = load(path, typed_scan=False)
    assert not text_raw.checked
    from wengang.snapshot.checks import typed_sql
    as_typed = ", ".join(typed_sql(c) for c in FILES_BY_NAME["contributions"].columns)
    text_rows = text_con.execute(f"SELECT {as_typed}, {LINE} FROM {loading.raw_view(text_raw)} ORDER BY {LINE}").fetchall()
    assert con.execute(f"SELECT * FROM {loading.raw_view(raw)} ORDER BY {LINE}").fetchall() == text_rows
    assert raw.rows == len(text_rows) == 13 * UNITS


BOUNDARIES = [
    # (column, Arrow type, the value at the boundary that passes, the value past it, the reason said past it)
    ("unit_due", MONEY, Decimal("0.00"), Decimal("-0.01"), "金额或人数不能为负 / value must not be negative"),
    ("insured", pa.int64(), 999_999_999, 1_000_000_000, "应为非负整数 / not a whole number (0 to 999999999)"),
    ("insured", pa.int32(), 0, -1, "金额或人数不能为负 / value must not be negative"),
    ("unit_paid", pa.decimal128(19, 2), Decimal("9999999999999999.99"), Decimal("10000000000000000.00"),
     "金额格式错误 / not an amount of yuan such as 12345.67"),
    ("person_due", pa.decimal128(10, 0), Decimal("5"), Decimal("-5"), "金额或人数不能为负 / value must not be negative"),
    ("unit_due", MONEY, Decimal("5.00"), None, "必填项为空 / required value is empty"),
    ("insured", pa.string(), "7", "7.0", "应为非负整数 / not a whole number (0 to 999999999)"),
]


@pytest.mark.parametrize(("column", "kind", "good", "bad", "reason"), BOUNDARIES,
                         ids=[f"{b[0]}-{b[1]}-{b[3]}" for b in BOUNDARIES])
def test_each_native_check_passes_its_boundary_and_names_the_value_past_it_as_the_text_path_does(
        tmp_path, monkeypatch, column, kind, good, bad, reason):
    base = contributions()
    n = base.num_rows
    settings = Settings(data_dir=tmp_path / "var")

    def faults(value, typed_scan=True):
        values = [str(v) if pa.types.is_string(kind) else v for v in base.column(column).to_pylist()]
        values[17] = value          # line 18 of the file (Parquet rows count from 1)
        folder = folder_with(tmp_path / str(len(list(tmp_path.iterdir()))), base.set_column(
            base.schema.get_field_index(column), column, pa.array(values, kind)))
        if not typed_scan:
            monkeypatch.setattr(loading, "_scan_checked", lambda *args: "text")   # the text path only
        found = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings).faults
        monkeypatch.undo()
        return [(f.file, f.line, f.column, f.value, f.reason) for f in found]

    assert n > 17
    assert faults(good) == []
    said = faults(bad)
    assert said == [("contributions.parquet", 18, column, "" if bad is None else str(bad), reason)]
    assert said == faults(bad, typed_scan=False)
