"""DATA.md `hires`, `interns` and `dues` (issue 17): checked like every file on both sides of each rule, a graduate
without a graduation day and an internship ending before it starts are row faults, repeated hires and interns are
kept once with a warning, a repeated dues key is a fault, and a strict import with one bad row stores nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from tests.builders import person, steady_contributions, uscc, write_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.services.snapshots import check_folder, import_folder
from wengang.snapshot import store

A, B = uscc(1), uscc(2)
GRADUATE = {"uscc": A, "person_id": person(1), "hired_on": "2023-07-15", "category": "graduate",
            "graduated_on": "2023-06-30", "contract_signed": "true", "insured_months": "3"}
YOUTH = {"uscc": B, "person_id": "P0000042", "hired_on": "2023-03-01", "category": "unemployed_youth",
         "birth_date": "2003-05-01", "contract_signed": "否", "insured_months": "0"}
INTERN = {"uscc": A, "person_id": person(2), "started_on": "2023-07-01", "ended_on": "2023-12-31",
          "category": "graduate"}
ONGOING = {"uscc": B, "person_id": "agency-0007", "started_on": "2025-03-01", "birth_date": "2004-02-29",
           "category": "unemployed_youth"}


def dues_of(code: str, month: str = "2020-02") -> list[dict]:
    return [{"uscc": code, "month": month, "insurance": i, "unit_due": d}
            for i, d in (("pension", "1600.00"), ("unemployment", "50.00"), ("injury", "0.00"))]


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "var")


def snap(folder, **files):
    return write_snapshot(folder, employers=[{"uscc": A}, {"uscc": B, "name": "乙"}],
                          contributions=steady_contributions(A) + steady_contributions(B), **files)


def faults_of(folder, settings):
    return {(f.file, f.line, f.column): f for f in check_folder(folder, analytics=bootstrap.analytics(settings),
                                                                settings=settings).faults}


def test_good_files_are_stored_typed_and_an_ongoing_internship_has_no_end(tmp_path, settings):
    folder = snap(tmp_path / "s", hires=[GRADUATE, YOUTH], interns=[INTERN, ONGOING],
                  dues=dues_of(A) + dues_of(B) + dues_of(A, "2020-03"))
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert not result.check.faults and result.snapshot is not None
    assert {k: result.snapshot.row_counts[k] for k in ("hires", "interns", "dues")} == {
        "hires": 2, "interns": 2, "dues": 9}
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    schema = result.snapshot.schema
    hires = con.execute(f"SELECT person_id, hired_on, graduated_on, birth_date, contract_signed, insured_months "
                        f"FROM {schema}.hires ORDER BY line").fetchall()
    interns = con.execute(f"SELECT person_id, ended_on FROM {schema}.interns ORDER BY line").fetchall()
    dues = con.execute(f"SELECT insurance, sum(unit_due) FROM {schema}.dues GROUP BY 1 ORDER BY 1").fetchall()
    con.close()
    assert hires == [(person(1), dt.date(2023, 7, 15), dt.date(2023, 6, 30), None, True, 3),
                     ("P0000042", dt.date(2023, 3, 1), None, dt.date(2003, 5, 1), False, 0)]
    assert interns == [(person(2), dt.date(2023, 12, 31)), ("agency-0007", None)]
    assert dues == [("injury", Decimal("0.00")), ("pension", Decimal("4800.00")), ("unemployment", Decimal("150.00"))]


def test_a_snapshot_without_the_new_files_imports_as_before_with_empty_tables(tmp_path, settings):
    result = import_folder(snap(tmp_path / "s"), analytics=bootstrap.analytics(settings), settings=settings)
    assert result.snapshot is not None and not {"hires", "interns", "dues"} & set(result.snapshot.row_counts)
    con = store.connect(settings.analytics_path)
    try:
        assert [con.execute(f"SELECT count(*) FROM {result.snapshot.schema}.{t}").fetchone()[0]
                for t in ("hires", "interns", "dues")] == [0, 0, 0]
    finally:
        con.close()


@pytest.mark.parametrize(("column", "bad", "why"), [
    ("person_id", "110105194912310021", "ID check character should be 'X', not '1'"),
    ("person_id", "11010519491231002x", "should be 'X', not 'x'"),
    ("person_id", "P 42", "1 to 64 letters, digits, - or _"),
    ("person_id", "P" * 65, "1 to 64 letters"),
    ("person_id", "", "required value is empty"),
    ("hired_on", "2023-02-29", "not a date"),            # 2023 is no leap year
    ("hired_on", "", "required value is empty"),
    ("category", "student", "allowed: graduate, unemployed_youth"),
    ("graduated_on", "2023/06/30", "not a date"),
    ("birth_date", "2001-13-01", "not a date"),
    ("contract_signed", "maybe", "not a boolean"),
    ("contract_signed", "", "required value is empty"),
    ("insured_months", "-1", "must not be negative"),
    ("insured_months", "1.5", "not a whole number"),
    ("insured_months", "", "required value is empty"),
])
def test_each_bad_hire_value_is_one_fault_with_line_column_and_reason(tmp_path, settings, column, bad, why):
    folder = snap(tmp_path / "s", hires=[YOUTH, GRADUATE | {column: bad}])
    found = faults_of(folder, settings)
    assert set(found) == {("hires.csv", 3, column)}
    assert why in found[("hires.csv", 3, column)].reason


@pytest.mark.parametrize(("column", "good"), [
    ("person_id", "11010519491231002X"), ("person_id", "110105491231002"),   # second and first generation
    ("person_id", "7"), ("person_id", "A" * 64), ("person_id", "hr-2023_001"),
    ("insured_months", "0"), ("contract_signed", "0"), ("contract_signed", "是"), ("birth_date", "2008-02-29"),
])
def test_the_good_side_of_each_hire_rule_passes(tmp_path, settings, column, good):
    assert faults_of(snap(tmp_path / "s", hires=[GRADUATE | {column: good}]), settings) == {}


def test_a_graduate_needs_a_graduation_day_an_unemployed_youth_does_not(tmp_path, settings):
    folder = snap(tmp_path / "s", hires=[GRADUATE | {"graduated_on": None}, YOUTH,
                                         YOUTH | {"person_id": "P0000043", "graduated_on": "2021-07-01"}])
    found = faults_of(folder, settings)
    assert set(found) == {("hires.csv", 2, "graduated_on")}
    assert found[("hires.csv", 2, "graduated_on")].reason == (
        "毕业生 (category graduate) 须填写毕业日期 / a graduate needs graduated_on, the day of graduation")


@pytest.mark.parametrize(("column", "bad", "why"), [
    ("started_on", "2023-7-1", "not a date"),
    ("ended_on", "ongoing", "not a date"),
    ("category", "apprentice", "allowed: graduate, unemployed_youth"),
    ("person_id", "440524188001010015", "should be '4', not '5'"),
    ("birth_date", "yesterday", "not a date"),
])
def test_each_bad_intern_value_is_one_fault(tmp_path, settings, column, bad, why):
    found = faults_of(snap(tmp_path / "s", interns=[ONGOING, INTERN | {column: bad}]), settings)
    assert set(found) == {("interns.csv", 3, column)} and why in found[("interns.csv", 3, column)].reason


def test_an_internship_ending_before_it_starts_is_a_fault_but_one_day_or_no_end_is_not(tmp_path, settings):
    folder = snap(tmp_path / "s", interns=[INTERN | {"ended_on": "2023-06-30"},          # the day before: a fault
                                           INTERN | {"ended_on": "2023-07-01"},          # one day of internship
                                           INTERN | {"ended_on": None}, ONGOING])
    found = faults_of(folder, settings)
    assert set(found) == {("interns.csv", 2, "ended_on")}
    fault = found[("interns.csv", 2, "ended_on")]
    assert (fault.value, fault.reason) == (
        "2023-06-30", "见习结束日期早于开始日期 2023-07-01 / ended_on is before started_on 2023-07-01")


@pytest.mark.parametrize(("column", "bad", "why"), [
    ("insurance", "medical", "allowed: pension, unemployment, injury"),
    ("unit_due", "-0.01", "must not be negative"),
    ("unit_due", "12.345", "at most two decimals"),
    ("unit_due", "", "required value is empty"),
    ("month", "2020-13", "not a month"),
    ("month", "2020-02-01", "not a month"),
])
def test_each_bad_dues_value_is_one_fault(tmp_path, settings, column, bad, why):
    rows = dues_of(A)
    rows[1] = rows[1] | {column: bad}
    found = faults_of(snap(tmp_path / "s", dues=rows), settings)
    assert set(found) == {("dues.csv", 3, column)} and why in found[("dues.csv", 3, column)].reason


def test_a_repeated_dues_key_is_a_fault_even_with_equal_values_and_lenient_drops_every_copy(tmp_path, settings):
    rows = dues_of(A) + dues_of(A, "2020-03") + [dues_of(A)[0] | {"unit_due": "1700.00"}, dues_of(A)[1]]
    folder = snap(tmp_path / "s", dues=rows)
    found = faults_of(folder, settings)
    key = "uscc+month+insurance"
    assert set(found) == {("dues.csv", 8, key), ("dues.csv", 9, key)}
    assert found[("dues.csv", 8, key)].value == f"{A},2020-02,pension"
    assert "duplicate (uscc, month, insurance), first on line 2" in found[("dues.csv", 8, key)].reason
    assert "first on line 3" in found[("dues.csv", 9, key)].reason
    lenient = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=True)
    assert lenient.snapshot.row_counts["dues"] == 4          # 2020-02 pension and unemployment: every copy leaves


def test_repeated_hires_and_interns_are_kept_once_with_a_warning_but_a_near_repeat_is_two_facts(tmp_path, settings):
    second_unit = GRADUATE | {"uscc": B, "hired_on": "2023-09-01"}          # one person hired by two units
    folder = snap(tmp_path / "s", hires=[GRADUATE, YOUTH, GRADUATE, second_unit, GRADUATE | {"insured_months": "4"}],
                  interns=[INTERN, INTERN, ONGOING])
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert result.snapshot is not None and not result.check.faults
    assert [w for w in result.check.warnings if w.startswith(("hires", "interns"))] == [
        "hires.csv: 第 4 行与第 2 行完全相同, 只保留一次 / line(s) 4 repeat line 2 exactly: kept once",
        "interns.csv: 第 3 行与第 2 行完全相同, 只保留一次 / line(s) 3 repeat line 2 exactly: kept once"]
    assert (result.snapshot.row_counts["hires"], result.snapshot.row_counts["interns"]) == (4, 2)


def test_rows_of_a_unit_not_in_employers_are_faults_in_each_new_file(tmp_path, settings):
    stranger = uscc(99)
    folder = snap(tmp_path / "s", hires=[GRADUATE, YOUTH | {"uscc": stranger}],
                  interns=[INTERN | {"uscc": stranger}], dues=dues_of(A) + dues_of(stranger)[:1])
    found = faults_of(folder, settings)
    assert set(found) == {("hires.csv", 3, "uscc"), ("interns.csv", 2, "uscc"), ("dues.csv", 5, "uscc")}
    assert all("not in employers" in f.reason and f.value == stranger for f in found.values())


def test_strict_import_with_one_bad_row_in_a_new_file_stores_nothing_and_lenient_keeps_the_good(tmp_path, settings):
    folder = snap(tmp_path / "s", hires=[GRADUATE, YOUTH | {"insured_months": "-2"}], interns=[INTERN],
                  dues=dues_of(A))
    strict = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert strict.refused and strict.snapshot is None
    assert [(f.file, f.line, f.column, f.value) for f in strict.check.faults] == [
        ("hires.csv", 3, "insured_months", "-2")]
    con = store.connect(settings.analytics_path)
    try:
        assert store.list_snapshots(con) == []
    finally:
        con.close()
    lenient = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, lenient=True)
    counts = lenient.snapshot.row_counts
    assert (counts["hires"], counts["interns"], counts["dues"]) == (1, 1, 3)
