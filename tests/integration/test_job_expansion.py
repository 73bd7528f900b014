"""Issue 17, the one-off job-expansion subsidy (扩岗) end to end: `wengang evaluate --persons` writes one row per hire
with the person masked and amounts that sum to the unit's, refuses `--persons` for a unit-level pack in words,
`wengang explain` says what was counted, and a cycle opens on the pack (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from tests.builders import imported_world, steady_contributions, uscc, write_snapshot
from tests.conftest import ACCOUNT
from tests.e2e.test_cli import run
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.identifiers import id_check_char, mask_id
from wengang.rules.criteria import CRITERIA, PERSON_CRITERIA
from wengang.services import cycles, evaluation

AS_OF = dt.date(2024, 3, 1)
PACK = "cn-job-expansion-2023"
FIRST, LATER, NONE = uscc(1), uscc(2), uscc(3)     # hires P1 first and a youth; hires P1 later; hires no one


def resident(born: str, n: int) -> str:
    body = "110105" + born.replace("-", "") + f"{n:03d}"
    return body + id_check_char(body)


GRADUATE, YOUTH, OTHER = resident("2001-05-01", 1), resident("2007-07-01", 2), "AGENCY-000123"


def hire(unit: str, person: str, hired_on: str, **over: str) -> dict:
    return {"uscc": unit, "person_id": person, "hired_on": hired_on, "category": "graduate",
            "graduated_on": "2023-06-30", "birth_date": "", "contract_signed": "true", "insured_months": "3", **over}


HIRES = [hire(FIRST, GRADUATE, "2023-07-01"),
         hire(FIRST, YOUTH, "2023-07-01", category="unemployed_youth", graduated_on=""),     # 16 that day
         hire(LATER, GRADUATE, "2023-09-01"),                                                 # claimed by FIRST
         hire(LATER, OTHER, "2023-08-01", contract_signed="false"),
         hire(LATER, "AGENCY-000124", "2023-10-01")]


def city(folder: Path, hires: list[dict] | None = HIRES) -> Path:
    employers = [{"uscc": u, "name": f"单位{n}", "industry": "other", "employees": "20", "region": "110105", **ACCOUNT}
                 for n, u in enumerate((FIRST, LATER, NONE), start=1)]
    contributions = [row for u in (FIRST, LATER, NONE)
                     for row in steady_contributions(u, insured=20, first="2022-01", last="2024-02")]
    return write_snapshot(folder, employers=employers, contributions=contributions, separations=[], hires=hires)


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def test_the_cli_writes_each_hire_masked_and_the_unit_is_paid_their_sum(tmp_path):
    snapshot, out, persons = city(tmp_path / "city"), tmp_path / "decisions.csv", tmp_path / "persons.csv"
    done = run(["evaluate", str(snapshot), "--policy", PACK, "--as-of", "2024-03-01", "--out", str(out),
                "--persons", str(persons)], tmp_path / "var")
    assert done.returncode == 0, done.stderr
    units = {r["uscc"]: r for r in _rows(out)}
    assert (units[FIRST]["decision"], units[FIRST]["amount"], units[FIRST]["programme"]) == (
        "eligible", "3000.00", "job-expansion")
    assert (units[LATER]["decision"], units[LATER]["amount"]) == ("eligible", "1500.00")
    assert (units[NONE]["decision"], units[NONE]["amount"], units[NONE]["reasons"]) == (
        "ineligible", "0.00", "no_eligible_hires")

    text = persons.read_text(encoding="utf-8")
    assert all(h["person_id"] not in text for h in HIRES)                 # no id in the clear
    rows = _rows(persons)
    assert list(rows[0]) == ["uscc", "person_id", "hired_on", "decision", "amount", "reasons"]
    assert len(rows) == len(HIRES)
    by = {(r["uscc"], r["person_id"], r["hired_on"]): r for r in rows}
    assert by[(LATER, mask_id(GRADUATE), "2023-09-01")]["reasons"] == "claimed_elsewhere"
    assert by[(LATER, mask_id(OTHER), "2023-08-01")]["reasons"] == "no_contract"
    assert by[(FIRST, mask_id(YOUTH), "2023-07-01")] | {} == {
        "uscc": FIRST, "person_id": mask_id(YOUTH), "hired_on": "2023-07-01", "decision": "eligible",
        "amount": "1500.00", "reasons": ""}
    for unit, row in units.items():                                        # the unit's amount is the hires' sum
        total = sum(Decimal(r["amount"]) for r in rows if r["uscc"] == unit and r["decision"] == "eligible")
        assert Decimal(row["amount"]) == total, unit
    assert all(Decimal(r["amount"]) == 0 for r in rows if r["decision"] != "eligible")

    why = run(["explain", FIRST], tmp_path / "var")
    assert why.returncode == 0, why.stderr
    assert "至少招用1名符合条件的人员, 每人1500.00元" in why.stdout and "符合条件的招用人员 eligible hires: 2" in why.stdout
    assert "每人 per person 1500.00 元" in why.stdout


def test_persons_is_refused_in_words_for_a_pack_that_pays_per_unit(tmp_path):
    snapshot, persons = city(tmp_path / "city"), tmp_path / "persons.csv"
    done = run(["evaluate", str(snapshot), "--policy", "cn-2023", "--as-of", "2023-06-30", "--out",
                str(tmp_path / "d.csv"), "--persons", str(persons)], tmp_path / "var")
    assert done.returncode != 0
    assert "按单位核定" in done.stdout + done.stderr and "pays per unit" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr and not persons.exists()


def test_without_a_hires_file_every_unit_is_ineligible_and_the_persons_file_is_empty(tmp_path):
    snapshot, out, persons = city(tmp_path / "city", hires=None), tmp_path / "d.csv", tmp_path / "persons.csv"
    done = run(["evaluate", str(snapshot), "--policy", PACK, "--as-of", "2024-03-01", "--out", str(out),
                "--persons", str(persons)], tmp_path / "var")
    assert done.returncode == 0, done.stderr
    assert {(r["decision"], r["reasons"]) for r in _rows(out)} == {("ineligible", "hires_missing")}
    assert persons.read_text(encoding="utf-8").strip() == "uscc,person_id,hired_on,decision,amount,reasons"


def test_every_parameter_a_run_with_hires_reads_belongs_to_a_criterion(tmp_path):
    settings = Settings(data_dir=tmp_path / "var")
    analytics = bootstrap.analytics(settings)
    declared = {p for c in (*CRITERIA, *PERSON_CRITERIA) for p in c.parameters} | {c.flags for c in CRITERIA if c.flags}
    for pack in ("cn-job-expansion-2022", PACK, "cn-job-expansion-2025"):
        run_ = evaluation.evaluate(str(city(tmp_path / "city")), pack, AS_OF, analytics=analytics, settings=settings)
        read = {u.name for u in analytics.decided(FIRST, run_.summary.id).parameters}
        assert {"per_person", "hire_year", "min_insured_months"} <= read and read <= declared, (pack, read - declared)


def test_a_cycle_opens_on_the_job_expansion_pack(tmp_path, db_url):
    with imported_world(tmp_path, city(tmp_path / "city"), db_url) as (store, analytics, settings, snapshot):
        cycle = cycles.open_cycle(PACK, AS_OF, store=store, analytics=analytics, settings=settings,
                                  snapshot=snapshot, by="clerk").cycle
        assert cycle.program == "job-expansion"
        with store.reading() as uow:
            cases = {c.uscc: c for c in uow.cases.of_cycle(cycle.id)}
        assert cases[FIRST].amount == Decimal("3000.00") and cases[FIRST].state == "identified"
        assert cases[LATER].amount == Decimal("1500.00") and cases[NONE].state == "rejected"


def test_one_unit_decided_again_still_sees_who_claimed_its_hires_first(tmp_path):
    settings = Settings(data_dir=tmp_path / "var")
    analytics = bootstrap.analytics(settings)
    run_ = evaluation.evaluate(str(city(tmp_path / "city")), PACK, AS_OF, analytics=analytics, settings=settings)
    stored = analytics.decided(LATER, run_.summary.id).row
    again = analytics.redecide(LATER, run_.summary.id, {}).row
    assert (stored["amount_fen"], stored["headcount"]) == (150_000, 1)     # its graduate was FIRST's
    assert (again["decision"], again["amount_fen"], again["headcount"]) == ("eligible", 150_000, 1)


def test_the_persons_file_masks_every_id_as_the_domain_does():
    import pyarrow as pa

    from wengang.rules.output import persons_table

    ids = ["A", "ABCDEFG", "ABCDEFGH", GRADUATE, YOUTH, OTHER, "x" * 64]
    table = pa.table({"uscc": [f"{n:02d}" for n in range(len(ids))], "person_id": ids,
                      "hired_on": [dt.date(2023, 7, 1)] * len(ids), "decision": ["eligible"] * len(ids),
                      "amount_fen": [150_000] * len(ids), "reasons": [""] * len(ids)})
    rows = persons_table(table).to_pylist()
    assert [r["person_id"] for r in rows] == [mask_id(i) for i in ids]
    assert {(r["amount"], r["reasons"]) for r in rows} == {("1500.00", None)}
