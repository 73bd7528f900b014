"""The strict import streams each file in batches (issue 18.2): a fault, a repeated key or a repeated row after the
first batch is reported on its exact file line, exactly as when the file fits in one batch; a GB18030 file and a
Parquet file longer than a batch read the same; a broken row late in a file is named without doubling the rows
already streamed."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.builders import steady_contributions, uscc, write_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.services.snapshots import check_folder, import_folder
from wengang.snapshot import csv_reading, loading, reading
from wengang.snapshot.rawfile import LINE
from wengang.snapshot.schema import FILES_BY_NAME

UNITS = 30                     # 13 months each: contributions.csv has 390 rows, lines 2 to 391
NAMES = [f"北京市朝阳区第{i}号商贸有限公司" for i in range(UNITS)]
FLAG = {"uscc": uscc(1), "source": "credit", "flag": "serious_dishonesty", "listed_on": "2020-03-01"}


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "var")


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of about 6 CSV rows (512 bytes) and 7 Parquet rows, so every file here spans many."""
    monkeypatch.setattr(csv_reading, "BLOCK", 512)
    monkeypatch.setattr(reading, "PARQUET_BATCH", 7)


def city(folder, flags=None):
    employers = [{"uscc": uscc(i + 1), "name": NAMES[i]} for i in range(UNITS)]
    contributions = [row for i in range(UNITS) for row in steady_contributions(uscc(i + 1))]
    return write_snapshot(folder, employers=employers, contributions=contributions, flags=flags)


def set_line(path, line: int, text: str, encoding: str = "utf-8") -> None:
    lines = path.read_bytes().decode(encoding).split("\n")
    lines[line - 1] = text
    path.write_bytes("\n".join(lines).encode(encoding))


def line_of(path, line: int) -> str:
    return path.read_text(encoding="utf-8").split("\n")[line - 1]


def batches(name, path) -> int:
    """How many batches the reader streams the file in (the test is about files longer than one)."""
    raw = reading.read_file(FILES_BY_NAME[name], path)
    assert raw.stream is not None
    return sum(1 for _ in raw.stream())


def faults_of(folder, settings):
    result = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    return sorted((f.file, f.line, f.column, f.value, f.reason) for f in result.faults)


def test_a_bad_value_after_the_first_batch_is_on_its_exact_line_as_in_one_batch(tmp_path, settings, monkeypatch):
    folder = city(tmp_path / "s")
    path = folder / "contributions.csv"
    set_line(path, 300, line_of(path, 300).replace("100.00", "-5.00", 1))
    set_line(path, 391, line_of(path, 391).replace(",2020-12,", ",2020-13,", 1))
    whole = faults_of(folder, settings)
    assert [(f[1], f[2], f[3]) for f in whole] == [(300, "unit_due", "-5.00"), (391, "month", "2020-13")]
    monkeypatch.setattr(csv_reading, "BLOCK", 512)
    assert batches("contributions", path) > 40
    assert faults_of(folder, settings) == whole


def test_a_repeated_key_across_batches_names_both_lines(tmp_path, settings, small_batches):
    folder = city(tmp_path / "s")
    path = folder / "contributions.csv"
    set_line(path, 380, line_of(path, 3).replace("100.00", "99.00"))     # unit 1's second month, stated again
    faults = faults_of(folder, settings)
    assert [(f[1], f[2]) for f in faults] == [(380, "uscc+month")]
    assert "first on line 3" in faults[0][4]


def test_a_row_repeated_across_batches_is_kept_once_with_its_lines(tmp_path, settings, small_batches):
    other = [FLAG | {"uscc": uscc(i + 2)} for i in range(20)]
    folder = city(tmp_path / "s", flags=[FLAG, *other, FLAG])
    assert batches("flags", folder / "flags.csv") > 2
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert result.snapshot is not None and result.check.faults == []
    assert any("line(s) 23 repeat line 2 exactly" in w for w in result.check.warnings)
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        lines = [r[0] for r in con.execute(f"SELECT line FROM {result.snapshot.schema}.flags ORDER BY line").fetchall()]
        stored = [r[0] for r in con.execute(f"SELECT line FROM {result.snapshot.schema}.contributions").fetchall()]
    finally:
        con.close()
    assert lines == list(range(2, 23))
    assert stored == list(range(2, 2 + UNITS * 13))       # stored in line order without a sort


def test_a_gb18030_file_longer_than_a_batch_keeps_every_name_and_line(tmp_path, settings, small_batches):
    folder = city(tmp_path / "s")
    path = folder / "employers.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    set_line(path, 29, path.read_bytes().decode("gb18030").split("\n")[28].replace(",enterprise,", ",firm,"),
             "gb18030")
    assert batches("employers", path) > 3
    faults = faults_of(folder, settings)
    assert [(f[1], f[2], f[3]) for f in faults] == [(29, "unit_type", "firm")]
    set_line(path, 29, path.read_bytes().decode("gb18030").split("\n")[28].replace(",firm,", ",enterprise,"),
             "gb18030")
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert result.snapshot is not None and result.check.encodings["employers"] == "gb18030"
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        names = [r[0] for r in con.execute(f"SELECT name FROM {result.snapshot.schema}.employers ORDER BY line").fetchall()]
    finally:
        con.close()
    assert names == NAMES


@pytest.mark.parametrize("by_arrow", [True, False], ids=["arrow-batches", "duckdb"])
def test_a_parquet_file_longer_than_a_batch_names_rows_from_one(tmp_path, settings, small_batches, monkeypatch,
                                                                by_arrow):
    folder = city(tmp_path / "s")
    csv_path = folder / "contributions.csv"
    table = pa.csv.read_csv(csv_path, convert_options=pa.csv.ConvertOptions(
        column_types={c: pa.string() for c in FILES_BY_NAME["contributions"].column_names},
        strings_can_be_null=True))
    insured = table.column("insured").to_pylist()
    insured[99] = "ten"                    # the 100th row: line 100 of a Parquet file (no header line)
    table = table.set_column(table.column_names.index("insured"), "insured", pa.array(insured, pa.string()))
    csv_path.unlink()
    pq.write_table(table, folder / "contributions.parquet", row_group_size=50)
    if by_arrow:
        monkeypatch.setattr(reading, "scan_sql", lambda *args: None)
        assert batches("contributions", folder / "contributions.parquet") > 50
    assert [(f[0], f[1], f[2], f[3]) for f in faults_of(folder, settings)] == [
        ("contributions.parquet", 100, "insured", "ten")]


def test_a_broken_row_late_in_a_file_is_named_and_earlier_rows_are_not_doubled(tmp_path, settings, small_batches):
    folder = city(tmp_path / "s")
    path = folder / "contributions.csv"
    set_line(path, 5, line_of(path, 5).replace("100.00", "1.234", 1))
    set_line(path, 350, line_of(path, 350) + ",extra")
    faults = faults_of(folder, settings)
    assert [(f[1], f[2], f[3]) for f in faults] == [(5, "unit_due", "1.234"), (350, "", "")]
    assert "expected 8 fields, got 9" in faults[1][4]
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=True)
    assert result.snapshot is not None and result.snapshot.row_counts["contributions"] == UNITS * 13 - 2


def loaded(path) -> list[tuple]:
    """The text rows of contributions.parquet as the importer loads them, with their lines."""
    con = duckdb.connect()
    try:
        raw = loading.load(con, reading.read_file(FILES_BY_NAME["contributions"], path))
        return con.execute(f"SELECT * FROM {loading.raw_view(raw)} ORDER BY {LINE}").fetchall()
    finally:
        con.close()


def test_duckdb_reads_a_typed_parquet_file_as_the_same_text_as_arrow(tmp_path, monkeypatch):
    """What the faults show of a value is its text: DuckDB reads a file only where it gives Arrow's text."""
    from decimal import Decimal
    money = [Decimal("415.50"), Decimal("-5.00"), None, Decimal("0.00"), Decimal("1234567890123456.78")]
    table = pa.table({
        "uscc": pa.array([uscc(1), "", None, "x\"y", "长"], pa.string()),
        "month": pa.array([1, -2, None, 0, 2**62], pa.int64()),
        "insured": pa.array([0, 255, None, 7, 9], pa.uint8()),
        "unit_due": pa.array(money, pa.decimal128(18, 2)),
        "unit_paid": pa.array([Decimal("5"), None, Decimal("-1"), Decimal("0"), Decimal("12")], pa.decimal128(10, 0)),
        "person_due": pa.array([Decimal("0.1"), None, Decimal("-0.5"), Decimal("0"), Decimal("0.000001")],
                               pa.decimal128(38, 6)),
        "person_paid": pa.array([True, False, None, True, False]),
        "back_paid": pa.array(["1.00", None, "", "2", "x"], pa.string()),
        "extra": pa.array([1, 2, 3, 4, 5], pa.int32()),
    })
    path = tmp_path / "contributions.parquet"
    pq.write_table(table, path, row_group_size=2)
    assert reading.read_file(FILES_BY_NAME["contributions"], path).query is not None
    by_duckdb = loaded(path)
    monkeypatch.setattr(reading, "scan_sql", lambda *args: None)
    assert reading.read_file(FILES_BY_NAME["contributions"], path).stream is not None
    assert by_duckdb == loaded(path)
    assert by_duckdb[0] == (uscc(1), "1", "0", "415.50", "5", "0.1", "true", "1.00", 1)


@pytest.mark.parametrize("kind", [pa.decimal128(38, 30), pa.float64(), pa.date32(), pa.timestamp("s")], ids=str)
def test_a_column_whose_text_duckdb_would_write_otherwise_is_read_by_arrow(tmp_path, kind):
    table = pa.table({"uscc": [uscc(1)], "month": ["2020-01"], "insured": pa.nulls(1, kind)})
    pq.write_table(table, tmp_path / "contributions.parquet")
    raw = reading.read_file(FILES_BY_NAME["contributions"], tmp_path / "contributions.parquet")
    assert raw.query is None and raw.stream is not None
