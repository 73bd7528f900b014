"""Snapshot import: every fault named precisely, strict changes nothing, lenient quarantines, never twice."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.builders import person, steady_contributions, uscc, write_csv, write_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.days import BEIJING
from wengang.services.snapshots import check_folder, import_folder
from wengang.snapshot import store
from wengang.snapshot.reading import SnapshotLayoutError

A, B = uscc(1), uscc(2)


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "var")


def good(folder, **extra):
    return write_snapshot(folder, employers=[{"uscc": A}, {"uscc": B, "name": "乙"}],
                          contributions=steady_contributions(A) + steady_contributions(B), **extra)


def stored_ids(settings):
    if not settings.analytics_path.exists():
        return []
    con = store.connect(settings.analytics_path)
    try:
        return [s.id for s in store.list_snapshots(con)], con.execute(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'snap_%'").fetchall()
    finally:
        con.close()


def test_the_six_faults_of_the_issue_are_refused_one_line_each_and_nothing_is_stored(tmp_path, settings):
    bad = A[:17] + ("0" if A[17] != "0" else "1")
    contributions = steady_contributions(A)
    contributions[1]["unit_paid"] = "-5.00"                     # negative amount, line 3
    contributions[2]["month"] = "2020-1"                        # unparsable month, line 4
    contributions.append(dict(contributions[3]))                # duplicate (uscc, month), last line
    contributions.append({**contributions[0], "uscc": uscc(99)})  # orphan, last line
    folder = write_snapshot(tmp_path / "snap", employers=[{"uscc": A}, {"uscc": bad, "industry": "mining"}],
                            contributions=contributions)
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert result.refused and result.snapshot is None
    got = {(f.file, f.line, f.column, f.value) for f in result.check.faults}
    n = len(contributions) + 1
    assert got == {
        ("employers.csv", 3, "uscc", bad),
        ("employers.csv", 3, "industry", "mining"),
        ("contributions.csv", 3, "unit_paid", "-5.00"),
        ("contributions.csv", 4, "month", "2020-1"),
        ("contributions.csv", n - 1, "uscc+month", f"{A},2020-03"),
        ("contributions.csv", n, "uscc", uscc(99)),
    }
    reasons = {f.column: f.reason for f in result.check.faults}
    assert "check digit" in reasons["uscc"] or "not in employers" in reasons["uscc"]
    assert "negative" in reasons["unit_paid"] and "YYYY-MM" in reasons["month"]
    assert "first on line 5" in reasons["uscc+month"]
    assert "allowed" in reasons["industry"]
    assert stored_ids(settings) == ([], [])
    with result.check.report.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 6 and set(rows[0]) == {"file", "line", "column", "value", "reason"}


def test_a_clean_snapshot_is_stored_typed_and_not_imported_twice(tmp_path, settings):
    folder = good(tmp_path / "snap", separations=[{"uscc": A, "person_id": person(1), "date": "2020-05-01",
                                                   "reason": "retirement"}])
    first = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert first.snapshot and not first.check.faults
    assert first.snapshot.row_counts == {"employers": 2, "contributions": 26, "separations": 1}
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    paid = con.execute(f"SELECT sum(unit_paid) FROM {first.snapshot.schema}.contributions").fetchone()[0]
    con.close()
    assert paid == Decimal("2600.00")
    again = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert again.already and again.snapshot.id == first.snapshot.id
    assert len(stored_ids(settings)[0]) == 1


def test_a_snapshot_is_dated_by_the_clock_it_was_imported_on(tmp_path):
    """Its import time is naive UTC by the settings' clock: the machine's now, or a demo's 2021 day (never 2026)."""
    played = Settings(data_dir=tmp_path / "var", clock_start=dt.datetime(2021, 6, 30, 15, tzinfo=BEIJING))
    done = import_folder(good(tmp_path / "snap"), analytics=bootstrap.analytics(played), settings=played)
    assert dt.datetime(2021, 6, 30, 7) <= done.snapshot.imported_at < dt.datetime(2021, 6, 30, 7, 5)
    today = Settings(data_dir=tmp_path / "now")
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    done = import_folder(good(tmp_path / "snap2"), analytics=bootstrap.analytics(today), settings=today)
    assert before <= done.snapshot.imported_at <= dt.datetime.now(dt.UTC).replace(tzinfo=None)

def test_gb18030_is_detected_and_names_survive(tmp_path, settings):
    folder = tmp_path / "snap"
    good(folder)
    rows = list(csv.DictReader((folder / "employers.csv").open(encoding="utf-8")))
    rows[0]["name"] = "北京市朝阳区稳岗测试有限公司"
    write_csv(folder / "employers.csv", rows, encoding="gb18030")
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert result.check.encodings["employers"] == "gb18030" and result.snapshot
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    names = {r[0] for r in con.execute(f"SELECT name FROM {result.snapshot.schema}.employers").fetchall()}
    con.close()
    assert "北京市朝阳区稳岗测试有限公司" in names


def test_parquet_and_csv_are_checked_alike(tmp_path, settings):
    folder = good(tmp_path / "snap")
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(folder / "contributions.csv")
    amounts = pa.array([Decimal("100.00")] * (table.num_rows - 1) + [Decimal("-1.00")], pa.decimal128(18, 2))
    table = table.set_column(table.column_names.index("unit_paid"), "unit_paid", amounts)
    (folder / "contributions.csv").unlink()
    pq.write_table(table, folder / "contributions.parquet")
    result = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert [(f.file, f.line, f.column, f.value) for f in result.faults] == [
        ("contributions.parquet", table.num_rows, "unit_paid", "-1.00")]


def test_lenient_stores_good_rows_and_quarantines_a_bad_unit_with_all_its_rows(tmp_path, settings):
    folder = good(tmp_path / "snap")
    rows = list(csv.DictReader((folder / "employers.csv").open(encoding="utf-8")))
    rows[1]["region"] = "11010"
    write_csv(folder / "employers.csv", rows)
    strict = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert strict.refused
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=True)
    info = result.snapshot
    assert info.row_counts["employers"] == 1 and info.row_counts["contributions"] == 13
    assert info.quarantined == 1 + 13
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    reasons = con.execute(f"SELECT file, count(*) FROM {info.schema}.quarantine GROUP BY file ORDER BY file").fetchall()
    con.close()
    assert reasons == [("contributions.csv", 13), ("employers.csv", 1)]


def test_lenient_quarantines_every_copy_of_a_duplicate(tmp_path, settings):
    contributions = steady_contributions(A)
    contributions.append({**contributions[0], "unit_paid": "1.00"})
    folder = write_snapshot(tmp_path / "snap", employers=[{"uscc": A}], contributions=contributions)
    info = import_folder(folder, analytics=bootstrap.analytics(settings),
                         settings=settings, lenient=True).snapshot
    assert info.row_counts["contributions"] == len(contributions) - 2


def test_missing_required_column_is_refused_even_when_lenient(tmp_path, settings):
    folder = good(tmp_path / "snap")
    rows = list(csv.DictReader((folder / "employers.csv").open(encoding="utf-8")))
    write_csv(folder / "employers.csv", [{k: v for k, v in r.items() if k != "region"} for r in rows])
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=True)
    assert result.refused
    assert [(f.line, f.column) for f in result.check.faults] == [(1, "region")]


def test_broken_rows_keep_exact_line_numbers(tmp_path, settings):
    folder = good(tmp_path / "snap")
    path = folder / "contributions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "")                                # blank line 4
    lines.insert(5, lines[5] + ",extra")               # line 6: one field too many
    lines[7] = lines[7].replace(",100.00,", ",1x0.00,", 1)   # line 8: bad amount after both
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    faults = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings).faults
    assert sorted((f.line, f.column) for f in faults) == [(6, ""), (8, "unit_due")]
    assert "expected 8 fields, got 9" in faults[0].reason or "expected 8 fields, got 9" in faults[1].reason


def test_a_lone_carriage_return_faults_its_row_and_lenient_keeps_the_rest(tmp_path, settings):
    folder = good(tmp_path / "snap")
    path = folder / "employers.csv"
    content = path.read_bytes()
    first_row = content.index(b"\n") + 1
    path.write_bytes(content[:first_row + 1] + b"\r" + content[first_row + 1:])    # line 2 split in an unquoted field
    faults = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings).faults
    faults = [f for f in faults if f.file == "employers.csv"]       # (its contributions then name an unknown unit)
    assert [f.line for f in faults] == [2]
    assert "单独的回车符" in faults[0].reason and "lone carriage return" in faults[0].reason
    lenient = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=True)
    assert not lenient.refused
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        kept = con.execute(f"SELECT uscc, region FROM {lenient.snapshot.schema}.employers").fetchall()
    assert kept == [(B, "110105")]


def test_a_blank_line_before_the_header_is_refused_with_line_one(tmp_path, settings):
    folder = good(tmp_path / "snap")
    path = folder / "employers.csv"
    path.write_bytes(b"\r" + path.read_bytes())
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=True)
    assert result.refused and stored_ids(settings) in ([], ([], []))
    assert [(f.file, f.line) for f in result.check.faults][:1] == [("employers.csv", 1)]
    assert "回车符" in result.check.faults[0].reason


def test_person_ids_flags_and_booleans_are_checked(tmp_path, settings):
    folder = good(
        tmp_path / "snap",
        separations=[{"uscc": A, "person_id": "110105194912310021", "date": "2020-02-30", "reason": "retirement"},
                     {"uscc": A, "person_id": "P0000042", "date": "2020-02-28", "reason": "death"}],
        flags=[{"uscc": A, "source": "court", "flag": "dishonest_debtor", "listed_on": "2020-05-01",
                "removed_on": "2020-04-01"}],
    )
    rows = list(csv.DictReader((folder / "employers.csv").open(encoding="utf-8")))
    rows[0]["labor_dispatch"], rows[1]["labor_dispatch"] = "是", "maybe"
    rows[0]["revenue"] = "12.345"
    write_csv(folder / "employers.csv", rows, list(rows[0]) + ["revenue"] if "revenue" not in rows[0] else None)
    faults = {(f.file, f.line, f.column): f.reason for f in check_folder(folder,
                                                                         analytics=bootstrap.analytics(settings), settings=settings).faults}
    assert set(faults) == {("separations.csv", 2, "person_id"), ("separations.csv", 2, "date"),
                           ("flags.csv", 2, "removed_on"), ("employers.csv", 3, "labor_dispatch"),
                           ("employers.csv", 2, "revenue")}
    assert "two decimals" in faults[("employers.csv", 2, "revenue")]


def test_unknown_columns_and_files_are_warned_about(tmp_path, settings):
    folder = good(tmp_path / "snap")
    (folder / "notes.txt").write_text("hello", encoding="utf-8")
    rows = list(csv.DictReader((folder / "employers.csv").open(encoding="utf-8")))
    write_csv(folder / "employers.csv", [r | {"legal_person": "张三"} for r in rows])
    result = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert not result.faults
    assert any("legal_person" in w for w in result.warnings) and any("notes.txt" in w for w in result.warnings)


def test_a_folder_without_employers_is_refused(tmp_path, settings):
    folder = good(tmp_path / "snap")
    (folder / "employers.csv").unlink()
    with pytest.raises(SnapshotLayoutError, match="employers"):
        import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
