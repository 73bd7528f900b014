"""Folders a careless operator or an attacker hands over: each is refused by name with nothing stored, never a
driver's exception, and no more of any file is shown than the offending cell."""

from __future__ import annotations

import csv
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.builders import steady_contributions, uscc, write_csv, write_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.services.snapshots import check_folder, import_folder
from wengang.snapshot.reading import SnapshotLayoutError

A, B = uscc(1), uscc(2)


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "var")


def good(folder):
    return write_snapshot(folder, employers=[{"uscc": A, "name": "甲公司"}, {"uscc": B, "name": "乙公司"}],
                          contributions=steady_contributions(A) + steady_contributions(B))


def employer_rows(folder) -> list[dict]:
    with (folder / "employers.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def as_parquet(folder, **columns) -> None:
    """employers as Parquet, with some columns replaced."""
    rows = employer_rows(folder)
    table = {k: [r[k] for r in rows] for k in rows[0]} | columns
    (folder / "employers.csv").unlink()
    pq.write_table(pa.table(table), folder / "employers.parquet")


def refused_even_lenient(folder, settings) -> list:
    """Both modes refuse and store nothing; the faults of the lenient try."""
    assert import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings).refused
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=True)
    assert result.refused and result.snapshot is None
    return result.check.faults


def test_a_spec_column_named_twice_in_the_header_is_refused_naming_both_columns(tmp_path, settings):
    folder = good(tmp_path / "snap")
    rows = employer_rows(folder)
    path = folder / "employers.csv"
    header = list(rows[0]) + ["region"]
    path.write_text(",".join(header) + "\n" + "".join(",".join([*r.values(), "110106"]) + "\n" for r in rows),
                    encoding="utf-8")
    faults = refused_even_lenient(folder, settings)
    assert [(f.file, f.line, f.column) for f in faults] == [("employers.csv", 1, "region")]
    assert f"columns {header.index('region') + 1} and {len(header)}" in faults[0].reason


def test_an_unknown_column_named_twice_is_only_warned_about(tmp_path, settings):
    folder = good(tmp_path / "snap")
    write_csv(folder / "employers.csv", [r | {"备注": "x"} for r in employer_rows(folder)])
    path = folder / "employers.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",备注", *(line + ",y" for line in lines[1:])]) + "\n", encoding="utf-8")
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert result.snapshot and not result.check.faults
    assert any("备注" in w for w in result.check.warnings)


@pytest.mark.parametrize("column", [
    pa.array([["甲"], ["乙"]], pa.list_(pa.string())),
    pa.array([{"a": "甲"}, {"a": "乙"}], pa.struct([("a", pa.string())])),
    pa.array([[("k", "甲")], [("k", "乙")]], pa.map_(pa.string(), pa.string())),
], ids=["list", "struct", "map"])
def test_a_parquet_column_of_lists_records_or_maps_is_refused_by_name(tmp_path, settings, column):
    folder = good(tmp_path / "snap")
    as_parquet(folder, name=column)
    faults = refused_even_lenient(folder, settings)
    assert [(f.file, f.line, f.column) for f in faults] == [("employers.parquet", 0, "name")]
    kind = str(column.type).split("<")[0] + "<"                # list<…>, struct<…>, map<…> as Parquet gives it back
    assert kind in faults[0].reason and "one text, number or date per row" in faults[0].reason


def test_a_nested_parquet_column_we_do_not_read_is_ignored(tmp_path, settings):
    folder = good(tmp_path / "snap")
    as_parquet(folder, tags=pa.array([["a"], []], pa.list_(pa.string())))
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert result.snapshot and any("tags" in w for w in result.check.warnings)


@pytest.mark.parametrize("content", [b"PAR1garbage", b"", b"PAR1" + b"\0" * 64 + b"PAR1"], ids=["magic", "empty", "footer"])
def test_a_corrupt_parquet_file_is_a_fault_of_the_file(tmp_path, settings, content):
    folder = good(tmp_path / "snap")
    (folder / "employers.csv").unlink()
    (folder / "employers.parquet").write_bytes(content)
    faults = refused_even_lenient(folder, settings)
    assert [(f.file, f.line) for f in faults] == [("employers.parquet", 0)]
    assert "cannot read the Parquet file" in faults[0].reason and str(tmp_path) not in faults[0].reason


@pytest.mark.parametrize("name", ["contributions", "employers"])
def test_a_required_file_with_a_header_and_no_rows_is_refused(tmp_path, settings, name):
    folder = good(tmp_path / "snap")
    path = folder / f"{name}.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    faults = refused_even_lenient(folder, settings)
    assert [(f.file, f.line, f.reason) for f in faults if f.file == path.name] == [
        (path.name, 0, "必需文件没有数据行 / the required file has no rows")]


def test_an_optional_file_with_no_rows_is_fine(tmp_path, settings):
    folder = write_snapshot(tmp_path / "snap", employers=[{"uscc": A}], contributions=steady_contributions(A),
                            separations=[])
    assert import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings).snapshot


@pytest.mark.parametrize("kind", ["link to /etc/passwd", "link inside", "folder", "pipe"])
def test_anything_but_a_regular_file_in_the_folder_is_refused_by_name_and_never_read(tmp_path, settings, kind):
    folder = good(tmp_path / "snap")
    path = folder / "employers.csv"
    if kind == "link to /etc/passwd":
        path.unlink()
        os.symlink("/etc/passwd", path)
    elif kind == "link inside":
        os.rename(path, folder / "units.txt")
        os.symlink(folder / "units.txt", path)
    elif kind == "folder":
        (folder / "old").mkdir()
    else:
        os.mkfifo(folder / "flags.csv")                   # reading it would hang the import
    name = {"folder": "old", "pipe": "flags.csv"}.get(kind, "employers.csv")
    what = {"folder": "a folder", "pipe": "a special file"}.get(kind, "a symbolic link")
    for run in (check_folder, import_folder):
        with pytest.raises(SnapshotLayoutError) as refused:
            run(folder, analytics=bootstrap.analytics(settings), settings=settings)
        assert f"{name!r} is {what}" in str(refused.value) and "root:" not in str(refused.value)
    assert not settings.analytics_path.exists()


def test_a_row_of_the_wrong_width_is_named_without_echoing_the_row(tmp_path, settings):
    folder = good(tmp_path / "snap")
    path = folder / "employers.csv"
    path.write_text(path.read_text(encoding="utf-8") + "root:x:0:0:root:/root:/bin/bash,secret\n", encoding="utf-8")
    faults = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings).faults
    assert [(f.line, f.column, f.value) for f in faults] == [(4, "", "")]
    assert "expected" in faults[0].reason and "root" not in faults[0].reason


def test_a_parquet_file_duckdb_fails_on_inside_the_import_is_a_fault_as_in_a_check(tmp_path, settings):
    """Its pages spoiled, footer whole: Arrow opens it and DuckDB fails reading it, inside the import's transaction
    too; the import is then refused with the fault a check says, not a driver's aborted transaction."""
    folder = good(tmp_path / "snap")
    as_parquet(folder, employees=pa.array([5, 6], pa.int32()))
    path = folder / "employers.parquet"
    content = path.read_bytes()
    path.write_bytes(content[:4] + b"\xff\xfe\xfd\xfc" + content[8:])
    pq.ParquetFile(path)
    checked = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings).faults
    assert [(f.file, f.line) for f in checked] == [("employers.parquet", 0)]
    assert refused_even_lenient(folder, settings) == checked
