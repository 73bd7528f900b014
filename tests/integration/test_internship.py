"""Issue 17, Hongkou's youth internship subsidy (见习补贴) end to end: `wengang evaluate --persons` writes one row per
intern with the person masked, the months counted and amounts that sum to the base's; the shipped pack refuses to
run and names the values the region has not supplied; `wengang explain` says what was counted; every parameter a run
reads is a criterion's; a cycle opens on the test pack (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tests.builders import imported_world, steady_contributions, uscc, write_snapshot
from tests.conftest import ACCOUNT
from tests.e2e.test_cli import run
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.identifiers import id_check_char, mask_id
from wengang.rules.criteria import CRITERIA, PERSON_CRITERIA
from wengang.rules.parameters import PackError
from wengang.services import cycles, evaluation

PACKS = Path(__file__).resolve().parents[1] / "packs"
PACK, SHIPPED = "hongkou-internship-test-2022", "hongkou-internship-2022"
AS_OF = dt.date(2022, 10, 15)
BASE, OTHER, NONE = uscc(1), uscc(2), uscc(3)       # two eligible interns and a 40-year-old youth; one; no intern


def resident(born: str, n: int) -> str:
    body = "310109" + born.replace("-", "") + f"{n:03d}"
    return body + id_check_char(body)


YOUTH, GRADUATE, OLD = resident("2006-05-01", 1), "AGENCY-000321", resident("1982-01-01", 3)


def intern(unit: str, person: str, started_on: str, ended_on: str = "", **over: str) -> dict:
    return {"uscc": unit, "person_id": person, "started_on": started_on, "ended_on": ended_on, "birth_date": "",
            "category": "graduate", **over}


INTERNS = [intern(BASE, YOUTH, "2022-05-01", "2022-06-30", category="unemployed_youth"),   # 16 that day: 2 months
           intern(BASE, GRADUATE, "2022-08-01"),                                           # ongoing: Aug, Sep
           intern(BASE, OLD, "2022-05-01", "2022-09-30", category="unemployed_youth"),     # aged 40: out
           intern(OTHER, GRADUATE, "2022-03-01", "2022-04-30")]                             # April only


def city(folder: Path, interns: list[dict] | None = INTERNS) -> Path:
    employers = [{"uscc": u, "name": f"见习基地{n}", "industry": "other", "employees": "20", "region": "310109",
                  **ACCOUNT} for n, u in enumerate((BASE, OTHER, NONE), start=1)]
    contributions = [row for u in (BASE, OTHER, NONE)
                     for row in steady_contributions(u, insured=20, first="2021-01", last="2022-09")]
    return write_snapshot(folder, employers=employers, contributions=contributions, separations=[], interns=interns)


@pytest.fixture
def packs(monkeypatch):
    monkeypatch.setenv("WENGANG_POLICY_PATH", str(PACKS))


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def test_the_cli_writes_each_intern_masked_and_the_base_is_paid_their_sum(tmp_path, packs):
    snapshot, out, persons = city(tmp_path / "city"), tmp_path / "decisions.csv", tmp_path / "persons.csv"
    done = run(["evaluate", str(snapshot), "--policy", PACK, "--as-of", AS_OF.isoformat(), "--out", str(out),
                "--persons", str(persons)], tmp_path / "var")
    assert done.returncode == 0, done.stderr
    units = {r["uscc"]: r for r in _rows(out)}
    assert (units[BASE]["decision"], units[BASE]["amount"], units[BASE]["programme"]) == (
        "eligible", "8288.00", "internship")                                  # 4 months × 2,072.00
    assert (units[OTHER]["decision"], units[OTHER]["amount"]) == ("eligible", "2072.00")
    assert (units[NONE]["decision"], units[NONE]["amount"], units[NONE]["reasons"]) == (
        "ineligible", "0.00", "no_eligible_interns")

    text = persons.read_text(encoding="utf-8")
    assert all(i["person_id"] not in text for i in INTERNS)                # no id in the clear
    rows = _rows(persons)
    assert list(rows[0]) == ["uscc", "person_id", "started_on", "months", "decision", "amount", "reasons"]
    assert len(rows) == len(INTERNS)
    by = {(r["uscc"], r["person_id"], r["started_on"]): r for r in rows}
    assert by[(BASE, mask_id(YOUTH), "2022-05-01")] | {} == {
        "uscc": BASE, "person_id": mask_id(YOUTH), "started_on": "2022-05-01", "months": "2", "decision": "eligible",
        "amount": "4144.00", "reasons": ""}
    assert (by[(BASE, mask_id(OLD), "2022-05-01")]["reasons"], by[(BASE, mask_id(OLD), "2022-05-01")]["amount"]) == (
        "intern_age_out", "0.00")
    assert by[(BASE, mask_id(GRADUATE), "2022-08-01")]["months"] == "2"
    for unit, row in units.items():                                        # the base's amount is its interns' sum
        total = sum(Decimal(r["amount"]) for r in rows if r["uscc"] == unit and r["decision"] == "eligible")
        assert Decimal(row["amount"]) == total, unit

    why = run(["explain", BASE], tmp_path / "var")
    assert why.returncode == 0, why.stderr
    said = " ".join(why.stdout.split())
    assert "amount 8,288.00 元 = Σ 符合条件的见习人员 eligible interns 2" in said
    assert "最低工资 minimum wage 2590.00 元 × 0.8" in said and "eligible interns: 2" in said
    assert "每人每月按最低工资2590.00元的80%" in why.stdout


def test_the_shipped_pack_refuses_to_run_and_names_each_missing_value(tmp_path):
    snapshot, out, persons = city(tmp_path / "city"), tmp_path / "decisions.csv", tmp_path / "persons.csv"
    done = run(["evaluate", str(snapshot), "--policy", SHIPPED, "--as-of", AS_OF.isoformat(), "--out", str(out),
                "--persons", str(persons)], tmp_path / "var")
    assert done.returncode != 0 and not out.exists() and not persons.exists()
    said = " ".join((done.stdout + done.stderr).split())
    assert all(name in said for name in ("minimum_wage", "minimum_wage_share", "covered_from", "covered_to")), said
    assert "Traceback" not in said and "no value is invented" in said


def test_without_an_interns_file_every_unit_is_ineligible_and_the_persons_file_is_empty(tmp_path, packs):
    snapshot, out, persons = city(tmp_path / "city", interns=None), tmp_path / "d.csv", tmp_path / "persons.csv"
    done = run(["evaluate", str(snapshot), "--policy", PACK, "--as-of", AS_OF.isoformat(), "--out", str(out),
                "--persons", str(persons)], tmp_path / "var")
    assert done.returncode == 0, done.stderr
    assert {(r["decision"], r["reasons"]) for r in _rows(out)} == {("ineligible", "interns_missing")}
    assert persons.read_text(encoding="utf-8").strip() == "uscc,person_id,started_on,months,decision,amount,reasons"


def test_every_parameter_a_run_with_interns_reads_belongs_to_a_criterion(tmp_path, packs):
    settings = Settings(data_dir=tmp_path / "var")
    analytics = bootstrap.analytics(settings)
    declared = {p for c in (*CRITERIA, *PERSON_CRITERIA) for p in c.parameters} | {c.flags for c in CRITERIA if c.flags}
    run_ = evaluation.evaluate(str(city(tmp_path / "city")), PACK, AS_OF, analytics=analytics, settings=settings)
    read = {u.name for u in analytics.decided(BASE, run_.summary.id).parameters}
    assert {"minimum_wage", "minimum_wage_share", "covered_from", "covered_to", "intern_month_counts",
            "youth_min_age"} <= read and read <= declared, read - declared
    with pytest.raises(PackError, match="minimum_wage"):
        evaluation.evaluate(str(city(tmp_path / "city2")), SHIPPED, AS_OF, analytics=analytics, settings=settings)


def test_one_base_decided_again_is_paid_the_same(tmp_path, packs):
    settings = Settings(data_dir=tmp_path / "var")
    analytics = bootstrap.analytics(settings)
    run_ = evaluation.evaluate(str(city(tmp_path / "city")), PACK, AS_OF, analytics=analytics, settings=settings)
    stored = analytics.decided(BASE, run_.summary.id).row
    again = analytics.redecide(BASE, run_.summary.id, {}).row
    assert (stored["amount_fen"], stored["headcount"]) == (again["amount_fen"], again["headcount"]) == (828_800, 2)


def test_a_cycle_opens_on_the_internship_test_pack(tmp_path, packs, db_url):
    with imported_world(tmp_path, city(tmp_path / "city"), db_url) as (store, analytics, settings, snapshot):
        cycle = cycles.open_cycle(PACK, AS_OF, store=store, analytics=analytics, settings=settings,
                                  snapshot=snapshot, by="clerk").cycle
        assert cycle.program == "internship"
        with store.reading() as uow:
            cases = {c.uscc: c for c in uow.cases.of_cycle(cycle.id)}
        assert cases[BASE].amount == Decimal("8288.00") and cases[BASE].state == "identified"
        assert cases[OTHER].amount == Decimal("2072.00") and cases[NONE].state == "rejected"
