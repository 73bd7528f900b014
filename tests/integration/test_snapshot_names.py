"""Unit and account names are refused at import when a bank file, the publicity list or a spreadsheet could not
take them, each fault naming file, line, column, the value (escaped, cut) and the downstream reason."""

from __future__ import annotations

import csv

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.builders import steady_contributions, uscc, write_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.names import NAME_LIMIT
from wengang.services.snapshots import check_folder, import_folder

ACCOUNT = {"bank_code": "102100099996", "account_no": "6222020200112233"}


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "var")


def snapshot(folder, names: list[str], account_names: list[str] | None = None):
    """One unit per name (line n + 2 of employers.csv holds names[n]), each paying steadily."""
    account_names = account_names or [f"账户{i}" for i in range(len(names))]
    employers = [{"uscc": uscc(i + 1), "name": name, **ACCOUNT, "account_name": account}
                 for i, (name, account) in enumerate(zip(names, account_names, strict=True))]
    contributions = [row for i in range(len(names)) for row in steady_contributions(uscc(i + 1))]
    return write_snapshot(folder, employers=employers, contributions=contributions)


def faults_by_line(result) -> dict[int, tuple[str, str, str]]:
    return {f.line: (f.column, f.value, f.reason) for f in result.faults if f.file == "employers.csv"}


def test_names_every_downstream_format_refuses_are_faults_that_name_line_column_value_and_reason(tmp_path, settings):
    names = ["北京甲有限公司", "乙公司\n第二行", "丙\x07公司", "=HYPERLINK(\"http://x\")", "+86公司", "-公司",
             "@公司", "丁" * (NAME_LIMIT + 1), "戊" * NAME_LIMIT, "\u3000", "己\u2028公司"]
    result = check_folder(snapshot(tmp_path / "snap", names), analytics=bootstrap.analytics(settings),
                          settings=settings)
    got = faults_by_line(result)
    # line numbers count physical lines: the quoted newline in line 3's name makes the rows after it one later
    assert got[3][:2] == ("name", "乙公司\\n第二行") and "control character '\\n'" in got[3][2]
    assert got[5][:2] == ("name", "丙\\x07公司") and "control character" in got[5][2]
    for line, start in ((6, "="), (7, "+"), (8, "-"), (9, "@")):
        assert got[line][0] == "name" and f"may not start with {start!r}" in got[line][2]
        assert "spreadsheet" in got[line][2]
    assert got[10][0] == "name" and f"has {NAME_LIMIT + 1} characters" in got[10][2]
    assert len(got[10][1]) <= 80 and got[10][1].endswith("…")           # 141 characters shown cut, not whole
    assert got[12][0] == "name" and "empty" in got[12][2]               # an ideographic space only
    assert got[13][1] == "己\\u2028公司" and "control character" in got[13][2]
    assert set(got) == {3, 5, 6, 7, 8, 9, 10, 12, 13}                   # 140 characters (line 11) is fine
    assert all("bank" in reason or "empty" in reason for _, _, reason in got.values())   # says why
    with result.report.open(encoding="utf-8-sig") as fh:
        report = list(csv.DictReader(fh))
    assert len(report) == len(got)                                      # one report line per fault, none broken
    assert all("\n" not in r["value"] and len(r["value"]) <= 80 for r in report)


def test_account_names_are_checked_alike_and_may_be_empty(tmp_path, settings):
    names = ["甲公司", "乙公司", "丙公司", "丁公司"]
    accounts = ["甲公司", "", "乙\t公司", "x" * 200]
    result = check_folder(snapshot(tmp_path / "snap", names, accounts),
                          analytics=bootstrap.analytics(settings), settings=settings)
    got = faults_by_line(result)
    assert set(got) == {4, 5}
    assert got[4][:2] == ("account_name", "乙\\t公司") and "control character '\\t'" in got[4][2]
    assert got[5][0] == "account_name" and "has 200 characters" in got[5][2]


def test_strict_stores_nothing_and_lenient_quarantines_the_unit_with_its_rows(tmp_path, settings):
    folder = snapshot(tmp_path / "snap", ["甲公司", "乙公司\r\n", "=1+1"])
    strict = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert strict.refused and strict.snapshot is None
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM snapshots").fetchone() == (0,)
    finally:
        con.close()
    lenient = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=True)
    info = lenient.snapshot
    assert info.row_counts == {"employers": 1, "contributions": 13}
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        stored = con.execute(f"SELECT name FROM {info.schema}.employers").fetchall()
        quarantined = con.execute(f"SELECT count(*) FROM {info.schema}.quarantine").fetchone()[0]
    finally:
        con.close()
    assert stored == [("甲公司",)] and quarantined == 2 + 2 * 13


def test_parquet_names_are_checked_alike(tmp_path, settings):
    folder = snapshot(tmp_path / "snap", ["甲公司", "乙公司"])
    with (folder / "employers.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[1]["name"] = "乙\x00公司"
    (folder / "employers.csv").unlink()
    pq.write_table(pa.table({k: [r[k] for r in rows] for k in rows[0]}), folder / "employers.parquet")
    got = [(f.file, f.line, f.column, f.value) for f in check_folder(folder,
                                                                     analytics=bootstrap.analytics(settings), settings=settings).faults]
    assert got == [("employers.parquet", 2, "name", "乙\\x00公司")]
