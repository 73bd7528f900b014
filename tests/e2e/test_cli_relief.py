"""`wengang evaluate` on a contribution-relief pack as a user runs it: `--out` lists the relief per unit, month and
insurance (DATA.md "Other programmes"), and the totals by kind and SMEs vs the others are printed."""

from __future__ import annotations

import csv
import zipfile

from openpyxl import load_workbook

from tests.builders import months, steady_contributions, uscc, write_snapshot
from tests.e2e.test_cli import run

HEADER = ["uscc", "month", "insurance", "due", "relief", "deferred", "deferred_until", "kind", "size_class"]


def _city(tmp_path):
    sme, large, public = uscc(1), uscc(2), uscc(3)
    contributions = [row for code in (sme, large, public)
                     for row in steady_contributions(code, insured=40, first="2019-01", last="2020-12")]
    dues = [{"uscc": code, "month": m, "insurance": kind, "unit_due": "100.01"}
            for code in (sme, large, public) for m in months("2020-01", "2020-12")
            for kind in ("pension", "unemployment", "injury")]
    return write_snapshot(
        tmp_path / "city", contributions=contributions, dues=dues,
        employers=[{"uscc": sme, "name": "甲公司", "industry": "other", "employees": "40"},
                   {"uscc": large, "name": "乙公司", "industry": "other", "employees": "400"},
                   {"uscc": public, "name": "丙事业单位", "unit_type": "public_institution", "industry": "other"}],
        flags=[{"uscc": large, "source": "hrss", "flag": "difficulty_certified", "listed_on": "2020-05-06",
                "removed_on": ""}])


def test_relief_out_lists_each_unit_month_and_insurance_and_prints_the_totals(tmp_path):
    city, out = _city(tmp_path), tmp_path / "relief.csv"
    done = run(["evaluate", str(city), "--policy", "cn-relief-2020", "--as-of", "2020-12-31", "--out", str(out)],
               tmp_path / "var")
    assert done.returncode == 0, done.stderr + done.stdout
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == HEADER
    by_key = {(r["uscc"][-4:], r["month"], r["insurance"]): r for r in rows}
    sme, large = uscc(1)[-4:], uscc(2)[-4:]
    assert {r["uscc"] for r in rows} == {uscc(1), uscc(2)}                      # the public institution is out
    assert len([r for r in rows if r["uscc"] == uscc(1)]) == 11 * 3             # 2020-02 … 2020-12
    assert by_key[(sme, "2020-02", "pension")] == dict(zip(HEADER, [uscc(1), "2020-02", "pension", "100.01", "100.01",
                                                                     "0.00", "", "exempt", "small"], strict=True))
    assert (sme, "2020-01", "pension") not in by_key
    halved = by_key[(large, "2020-05", "injury")]                               # halved, the other half deferred
    assert (halved["relief"], halved["deferred"], halved["deferred_until"], halved["kind"]) == (
        "50.01", "50.00", "2020-10-31", "halve")
    deferred = by_key[(large, "2020-10", "unemployment")]
    assert (deferred["relief"], deferred["deferred"], deferred["kind"]) == ("0.00", "100.01", "defer")
    assert (large, "2020-11", "pension") not in by_key                          # 6 months: 2020-05 … 2020-10
    assert "减免缓缴合计 / contribution relief totals" in done.stdout
    assert "3,300.33 元" in done.stdout                                         # the SME's 33 rows of 100.01
    assert "relief per unit, month and insurance written to" in done.stdout


def test_relief_out_as_xlsx_holds_money_as_exact_numbers_with_a_total(tmp_path):
    city, out = _city(tmp_path), tmp_path / "relief.xlsx"
    done = run(["evaluate", str(city), "--policy", "beijing-relief-2020", "--as-of", "2020-12-31", "--out", str(out),
                "--format", "xlsx"], tmp_path / "var")
    assert done.returncode == 0, done.stderr + done.stdout
    sheet = load_workbook(out, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert (uscc(2), "2020-05", "injury", 100.01, 50.01, 50, "2020-10-31", "halve", "large") in rows
    body = rows[1:-1]
    assert rows[-1][0].startswith("合计 / total") and round(rows[-1][4], 2) == round(sum(r[4] for r in body), 2)
    with zipfile.ZipFile(out) as book:                              # written exactly as the fen say, never a float
        xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>100.01</v>" in xml and "<v>50.01</v>" in xml
    cells = load_workbook(out).worksheets[0]
    assert cells.cell(2, 4).number_format == "#,##0.00" and cells.cell(2, 4).data_type == "n"
