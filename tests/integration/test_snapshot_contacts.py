"""DATA.md `contacts`: checked like every file (both sides of each rule), repeated rows kept once with a warning,
personal values masked in every fault, and readable per unit through the analytical store's port."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from tests.builders import steady_contributions, uscc, write_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.progress import Silent
from wengang.services.snapshots import check_folder, import_folder
from wengang.snapshot import store

A, B = uscc(1), uscc(2)
LEGAL = {"uscc": A, "role": "legal_representative", "name": "张伟", "phone": "13812345678"}
SPECIALIST = {"uscc": A, "role": "hr_specialist", "name": "李娜", "phone": "15900001111", "email": "li@unit.example.cn",
              "wechat_openid": "oAbC_12345-xyz", "sms_opt_out": "是"}


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "var")


def snap(folder, contacts):
    return write_snapshot(folder, employers=[{"uscc": A}, {"uscc": B, "name": "乙"}],
                          contributions=steady_contributions(A) + steady_contributions(B), contacts=contacts)


def faults_of(folder, settings):
    return {(f.line, f.column): f for f in check_folder(folder, analytics=bootstrap.analytics(settings),
                                                        settings=settings).faults}


def test_good_contacts_pass_and_a_unit_may_name_several(tmp_path, settings):
    folder = snap(tmp_path / "s", [LEGAL, SPECIALIST, {"uscc": B, "role": "finance", "name": "王芳",
                                                       "phone": "19900002222", "sms_opt_out": "false"},
                                   {"uscc": B, "role": "other", "name": "赵强", "phone": "13000003333"}])
    assert faults_of(folder, settings) == {}


@pytest.mark.parametrize(("column", "bad", "why"), [
    ("phone", "12812345678", "11 digits starting 13 to 19"),     # second digit 2
    ("phone", "1381234567", "11 digits starting 13 to 19"),      # ten digits
    ("phone", "138-1234-5678", "11 digits starting 13 to 19"),
    ("role", "boss", "allowed: legal_representative"),
    ("name", "", "required value is empty"),
    ("email", "not-an-address", "e-mail"),
    ("wechat_openid", "o!", "openid"),
    ("sms_opt_out", "maybe", "not a boolean"),
])
def test_each_bad_value_is_one_fault_with_line_column_and_reason(tmp_path, settings, column, bad, why):
    folder = snap(tmp_path / "s", [LEGAL, SPECIALIST | {column: bad}])
    found = faults_of(folder, settings)
    assert set(found) == {(3, column)}
    assert why in found[(3, column)].reason and found[(3, column)].file == "contacts.csv"


def test_a_bad_phone_is_shown_masked_in_the_fault_and_the_report(tmp_path, settings):
    folder = snap(tmp_path / "s", [LEGAL | {"phone": "1381234567"}, SPECIALIST | {"email": "li@@x"}])
    result = check_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    shown = {f.column: f.value for f in result.faults}
    assert shown == {"phone": "138****4567", "email": "l***@@x"}
    assert "1381234567" not in result.report.read_text(encoding="utf-8-sig")


def test_a_contact_of_a_unit_not_in_employers_is_a_fault(tmp_path, settings):
    folder = snap(tmp_path / "s", [LEGAL, LEGAL | {"uscc": uscc(99)}])
    found = faults_of(folder, settings)
    assert set(found) == {(3, "uscc")} and "not in employers" in found[(3, "uscc")].reason


def test_a_row_repeated_exactly_is_kept_once_with_a_warning_but_a_near_repeat_is_two_contacts(tmp_path, settings):
    folder = snap(tmp_path / "s", [LEGAL, SPECIALIST, LEGAL, LEGAL, LEGAL | {"name": "张伟伟"}])
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert result.snapshot is not None and not result.check.faults
    assert [w for w in result.check.warnings if "contacts" in w] == [
        "contacts.csv: 第 4, 5 行与第 2 行完全相同, 只保留一次 / line(s) 4, 5 repeat line 2 exactly: kept once"]
    assert result.snapshot.row_counts["contacts"] == 3
    assert not any("13812345678" in w for w in result.check.warnings)


def test_contacts_are_read_per_unit_through_the_port_and_an_older_snapshot_has_none(tmp_path, settings):
    folder = snap(tmp_path / "s", [LEGAL, SPECIALIST])
    analytics = bootstrap.analytics(settings)
    info = import_folder(folder, analytics=analytics, settings=settings).snapshot
    run = analytics.evaluate(info, "beijing-2021", dt.date(2021, 6, 30), engine="duckdb", keep=True,
                             progress=Silent()).summary.id
    got = analytics.contacts(A, run)
    assert [(c.role, c.name, c.phone, c.sms_opt_out) for c in got] == [
        ("legal_representative", "张伟", "13812345678", False), ("hr_specialist", "李娜", "15900001111", True)]
    assert "13812345678" not in repr(got) and analytics.contacts(B, run) == []
    assert analytics.contacts(A, "no-such-run") == []
    con = store.connect(settings.analytics_path)
    con.execute(f"DROP TABLE {info.schema}.contacts")          # a snapshot imported before contacts existed
    con.close()
    assert analytics.contacts(A, run) == []


def test_a_snapshot_without_contacts_imports_as_before(tmp_path, settings):
    folder = snap(tmp_path / "s", None)
    result = import_folder(folder, analytics=bootstrap.analytics(settings), settings=settings)
    assert result.snapshot is not None and "contacts" not in result.snapshot.row_counts
    rows = list(csv.reader((folder / "employers.csv").open(encoding="utf-8")))
    assert len(rows) == 3
