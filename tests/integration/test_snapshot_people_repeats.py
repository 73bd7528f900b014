"""DATA.md's person ids and repeated rows in the files that name people and flags (issue 18): a pseudonym, an agency
number or a first-generation ID is taken as it is in every file; a row repeated exactly in `flags`, `separations` or
`ui_claims` is one fact (kept once, with a warning), while a repeated key of `employers` or `contributions` with
other values is still a fault with its file and line."""

from __future__ import annotations

import duckdb
import pytest

from tests.builders import person, steady_contributions, uscc, write_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.identifiers import person_id_problem
from wengang.services.snapshots import import_folder
from wengang.snapshot.checks import value_problem_sql
from wengang.snapshot.schema import UI_CLAIMS

A, B = uscc(1), uscc(2)
FLAG = {"uscc": A, "source": "credit", "flag": "serious_dishonesty", "listed_on": "2020-03-01", "removed_on": None}
LEFT = {"uscc": A, "person_id": "C1", "date": "2020-05-01", "reason": "retirement"}
CLAIM = {"uscc": A, "person_id": "C1", "started_on": "2020-06-01", "kind": "monthly"}


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "var")


def snap(folder, **files):
    return write_snapshot(folder, employers=[{"uscc": A}, {"uscc": B, "name": "乙"}],
                          contributions=steady_contributions(A) + steady_contributions(B), **files)


def imported(folder, settings, **kw):
    return import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings, **kw)


def stored(settings, result, table):
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        return con.execute(f"SELECT * EXCLUDE (line) FROM {result.snapshot.schema}.{table} ORDER BY line").fetchall()
    finally:
        con.close()


IDS = ["C1", "7", "20230001", "110105491231002", person(3), "agency_P-01", "A" * 64]


def test_every_kind_of_person_id_data_md_allows_is_taken_in_ui_claims_and_separations(tmp_path, settings):
    folder = snap(tmp_path / "s", ui_claims=[CLAIM | {"person_id": p} for p in IDS],
                  separations=[LEFT | {"person_id": p} for p in IDS])
    result = imported(folder, settings)
    assert result.check.faults == [] and result.snapshot is not None
    assert [r[1] for r in stored(settings, result, "ui_claims")] == IDS
    assert [r[1] for r in stored(settings, result, "separations")] == IDS


@pytest.mark.parametrize(("value", "why"), [("C 1", "1 to 64 letters"), ("C" * 65, "1 to 64 letters"),
                                            ("110105194912310021", "should be 'X', not '1'")])
def test_a_person_id_data_md_refuses_is_a_fault_of_its_line_in_ui_claims(tmp_path, settings, value, why):
    result = imported(snap(tmp_path / "s", ui_claims=[CLAIM, CLAIM | {"person_id": value}]), settings)
    assert result.refused
    assert [(f.file, f.line, f.column) for f in result.check.faults] == [("ui_claims.csv", 3, "person_id")]
    assert why in result.check.faults[0].reason


@pytest.mark.parametrize("value", [*IDS, "C1\n", "C1 ", "１２３", "x", "", "110105194912310021", "11010519491231002x",
                                   "11010519491231002X", "A" * 65, "张三", "C\t1", "1101054912310021"])
def test_the_import_s_sql_and_the_domain_agree_on_every_person_id(value):
    """One definition: the importer's SQL says a value is bad exactly when domain.identifiers says so."""
    sql = value_problem_sql(UI_CLAIMS.column("person_id"), owner=False)
    said = duckdb.connect().execute(f"SELECT {sql} FROM (SELECT ?::VARCHAR AS person_id)", [value]).fetchone()[0]
    expected = person_id_problem(value) if value else "required"
    assert (said is None) == (expected is None), (value, said, expected)


def test_rows_repeated_exactly_in_flags_separations_and_claims_are_one_fact_each(tmp_path, settings):
    folder = snap(tmp_path / "s", flags=[FLAG, FLAG | {"uscc": B}, FLAG, FLAG],
                  separations=[LEFT, LEFT], ui_claims=[CLAIM, CLAIM | {"person_id": "C2"}, CLAIM])
    result = imported(folder, settings)
    assert result.check.faults == [] and result.snapshot is not None
    assert [w for w in result.check.warnings if w.startswith(("flags", "separations", "ui_claims"))] == [
        "flags.csv: 第 4, 5 行与第 2 行完全相同, 只保留一次 / line(s) 4, 5 repeat line 2 exactly: kept once",
        "separations.csv: 第 3 行与第 2 行完全相同, 只保留一次 / line(s) 3 repeat line 2 exactly: kept once",
        "ui_claims.csv: 第 4 行与第 2 行完全相同, 只保留一次 / line(s) 4 repeat line 2 exactly: kept once"]
    counts = result.snapshot.row_counts
    assert (counts["flags"], counts["separations"], counts["ui_claims"]) == (2, 1, 2)


def test_rows_that_differ_in_one_column_are_two_facts_not_a_repeat(tmp_path, settings):
    """DATA.md defines no key for these files: a flag listed again with an end, or a second claim kind, is kept."""
    folder = snap(tmp_path / "s", flags=[FLAG, FLAG | {"removed_on": "2020-09-01"}],
                  ui_claims=[CLAIM, CLAIM | {"kind": "one_off"}])
    result = imported(folder, settings)
    assert result.check.faults == [] and not [w for w in result.check.warnings if "kept once" in w]
    assert (result.snapshot.row_counts["flags"], result.snapshot.row_counts["ui_claims"]) == (2, 2)


def test_a_repeated_employer_or_month_with_other_values_is_still_a_fault_with_file_and_line(tmp_path, settings):
    contributions = steady_contributions(A) + steady_contributions(B)
    contributions.append(contributions[2] | {"insured": "11"})
    folder = write_snapshot(tmp_path / "s", employers=[{"uscc": A}, {"uscc": B}, {"uscc": A, "name": "甲二"}],
                            contributions=contributions, flags=[FLAG, FLAG])
    result = imported(folder, settings)
    assert result.refused and result.snapshot is None
    assert sorted((f.file, f.line, f.column) for f in result.check.faults) == [
        ("contributions.csv", len(contributions) + 1, "uscc+month"), ("employers.csv", 4, "uscc")]
    assert all("first on line" in f.reason for f in result.check.faults)
