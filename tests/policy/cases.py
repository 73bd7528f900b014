"""Turn readable YAML cases (one unit each) into a snapshot, evaluate it once per file, compare each unit."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from tests.builders import months, person, uscc, write_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.identifiers import id_check_char
from wengang.rules.output import relief_table
from wengang.services.evaluation import evaluate

UNIT_DEFAULTS = {"name": "测试单位", "unit_type": "enterprise", "industry": "other", "region": "110105",
                 "registered_on": "2015-01-01", "employees": "50"}
OPTIONAL_FILES = ("separations", "ui_claims", "flags", "hires", "interns")
HIRE_DEFAULTS = {"category": "graduate", "graduated_on": "", "birth_date": "", "contract_signed": "true",
                 "insured_months": 3}
INTERN_DEFAULTS = {"category": "graduate", "ended_on": "", "birth_date": ""}
INTERN_COLUMNS = ("uscc", "person_id", "started_on", "ended_on", "birth_date", "category")
HIRE_COLUMNS = ("uscc", "person_id", "hired_on", "category", "graduated_on", "birth_date", "contract_signed",
                "insured_months")
# Each person file a case may carry: its defaults, its columns, its day (the per-person output's second key).
PERSON_FILES = {"hires": ("hire", HIRE_DEFAULTS, HIRE_COLUMNS, "hired_on"),
                "interns": ("intern", INTERN_DEFAULTS, INTERN_COLUMNS, "started_on")}


def hire_person(hire: dict) -> str:
    """A hire's person id: `person_id` as written, `born_id: YYYY-MM-DD` a valid resident ID carrying that birth
    day (numbered by `person`), else the pseudonym P<person> (not an ID, so no birth day is read from it). The same
    `person` in two cases of a file is the same person."""
    if "person_id" in hire:
        return str(hire["person_id"])
    n = int(hire.get("person", 0))
    if "born_id" in hire:
        body = "110105" + str(hire["born_id"]).replace("-", "") + f"{n:03d}"
        return body + id_check_char(body)
    return f"P{n:05d}"


def hire_rows(code: str, case: dict, defaults: dict, file: str = "hires") -> list[dict]:
    """The rows of one case's person file (DATA.md `hires`, `interns`), each from the file's `hire` (`intern`)
    defaults and its own values."""
    key, base, columns, _ = PERSON_FILES[file]
    rows = []
    for hire in case.get(file, []):
        row = {**base, **defaults.get(key, {}), **hire, "uscc": code, "person_id": hire_person(hire)}
        rows.append({k: ("" if row.get(k) is None else str(row.get(k)).lower() if isinstance(row.get(k), bool)
                         else str(row.get(k)))
                     for k in columns})
    return rows


def case_rows(number: int, case: dict, defaults: dict) -> dict:
    """The rows of every file for one case's unit."""
    code = uscc(number)
    unit = {**UNIT_DEFAULTS, **defaults.get("unit", {}), **case.get("unit", {}), "uscc": code}
    span = {**defaults.get("months", {}), **case.get("months", {})}
    first, last = str(span.get("from", "2019-12")), str(span.get("to", "2020-12"))
    insured_default = int(span.get("insured", 10))
    due = str(span.get("due", "100.00"))
    insured = {str(k): v for k, v in (case.get("insured") or {}).items()}
    changes = {str(k): v for k, v in (case.get("contributions") or {}).items()}
    dropped = {str(m) for m in case.get("drop_months", [])}
    contributions = []
    for month in months(first, last):
        if month in dropped:
            continue
        row = {"uscc": code, "month": month, "insured": insured.get(month, insured_default),
               "unit_due": due, "unit_paid": due, "person_due": due, "person_paid": due}
        row.update(changes.get(month, {}))
        contributions.append(row)
    separations = [{"uscc": code, "person_id": person(i), "date": str(s["date"]), "reason": s["reason"]}
                   for i, s in enumerate(case.get("separations", []))]
    claims = [{"uscc": code, "person_id": person(100 + i), "started_on": str(c["started_on"]),
               "kind": c.get("kind", "monthly")} for i, c in enumerate(case.get("ui_claims", []))]
    flags = [{"uscc": code, "source": f.get("source", "market_supervision"), "flag": f["flag"],
              "listed_on": str(f["listed_on"]), "removed_on": str(f.get("removed_on") or "")}
             for f in case.get("flags", [])]
    return {"employers": [unit], "contributions": contributions, "separations": separations,
            "ui_claims": claims, "flags": flags, "hires": hire_rows(code, case, defaults),
            "interns": hire_rows(code, case, defaults, "interns"),
            "dues": dues_rows(code, case.get("dues", defaults.get("dues")))}


INSURANCES = ("pension", "unemployment", "injury")


def dues_rows(code: str, spec: dict | list | None) -> list[dict]:
    """`dues:` as a span (`{from, to, due}`: every insurance of every month owes `due`, `insurance: {pension: …}`
    overriding one, `drop_months` leaving months out) or as explicit rows (`[{month, insurance, unit_due}]`)."""
    if not spec:
        return []
    if isinstance(spec, list):
        return [{"uscc": code, "month": str(r["month"]), "insurance": r["insurance"], "unit_due": str(r["unit_due"])}
                for r in spec]
    dropped = {str(m) for m in spec.get("drop_months", [])}
    by_insurance = {k: str(v) for k, v in (spec.get("insurance") or {}).items()}
    return [{"uscc": code, "month": month, "insurance": kind, "unit_due": by_insurance.get(kind, str(spec["due"]))}
            for month in months(str(spec["from"]), str(spec["to"])) if month not in dropped for kind in INSURANCES]


def build_snapshot(doc: dict, folder: Path) -> tuple[Path, dict[str, str]]:
    """One snapshot folder holding every case of a file; returns it and the case name of each credit code."""
    rows: dict[str, list] = {k: [] for k in ("employers", "contributions", *OPTIONAL_FILES, "dues")}
    codes = {}
    for number, case in enumerate(doc["cases"], start=1):
        for name, part in case_rows(number, case, doc.get("defaults", {})).items():
            rows[name].extend(part)
        codes[uscc(number)] = case["name"]
    absent = set(doc.get("absent_files", []))
    for file in PERSON_FILES:                  # only a per-person programme's cases have its person file
        if not any(file in case for case in doc["cases"]):
            absent.add(file)
    with_dues = "dues" in doc.get("defaults", {}) or any("dues" in case for case in doc["cases"])
    write_snapshot(folder / "snapshot", employers=rows["employers"], contributions=rows["contributions"],
                   **{name: (None if name in absent else rows[name]) for name in OPTIONAL_FILES},
                   dues=rows["dues"] if with_dues and "dues" not in absent else None)
    return folder / "snapshot", codes


def evaluate_file(doc: dict, folder: Path, engine: str | None = None) -> dict[str, dict]:
    """Build one snapshot for all cases of a file, evaluate it, return the contract rows by case name."""
    snapshot, codes = build_snapshot(doc, folder)
    settings = Settings(data_dir=folder / "var")
    before = os.environ.get("WENGANG_POLICY_PATH")
    if doc.get("packs"):                       # test packs (tests/packs) beside the shipped ones
        os.environ["WENGANG_POLICY_PATH"] = str(Path(__file__).resolve().parents[1] / doc["packs"])
    try:
        result = evaluate(str(snapshot), doc["pack"], dt.date.fromisoformat(str(doc["as_of"])),
                          analytics=bootstrap.analytics(settings), settings=settings,
                          engine=engine or doc.get("engine", "duckdb"))
    finally:
        if before is None:
            os.environ.pop("WENGANG_POLICY_PATH", None)
        else:
            os.environ["WENGANG_POLICY_PATH"] = before
    persons: dict[str, dict[tuple[str, str], dict]] = {}
    for row in (result.persons.to_pylist() if result.persons is not None else []):
        day = row["hired_on"] if "hired_on" in row else row["started_on"]
        persons.setdefault(row["uscc"], {})[(row["person_id"], str(day))] = row
    found = {codes[row["uscc"]]: {**row, "persons": persons.get(row["uscc"], {})} for row in result.contract.to_pylist()}
    if result.relief is not None:                  # contribution relief: each unit's rows, as `relief:` reads them
        for row in found.values():
            row["relief"] = {}
        for r in relief_table(result.relief).to_pylist():
            found[codes[r["uscc"]]]["relief"][f"{r['month']} {r['insurance']}"] = " ".join(
                [r["kind"] or "unknown", r["relief"] or "?", r["deferred"] or "?", *filter(None, [r["deferred_until"]])])
    return found


def compare(expect: dict, got: dict) -> list[str]:
    """Differences between what the case expects and what the engine decided, in words."""
    problems = []
    for key, wanted in expect.items():
        actual = got.get(key)
        if key == "relief":                        # "YYYY-MM insurance": "kind relief deferred [due date]" or "—"
            rows = actual or {}
            problems += [f"relief {row}: expected {want!r}, got {rows.get(row, '—')!r}"
                         for row, want in wanted.items() if str(want) != rows.get(row, "—")]
        elif key == "reasons":
            wanted_set = set(filter(None, (wanted or "").split(";"))) if isinstance(wanted, str) else set(wanted)
            actual_set = set(filter(None, (actual or "").split(";")))
            if wanted_set != actual_set:
                problems.append(f"reasons: expected {sorted(wanted_set)}, got {sorted(actual_set)}")
        elif str(wanted if wanted is not None else "") != str(actual if actual is not None else ""):
            problems.append(f"{key}: expected {wanted!r}, got {actual!r}")
    return problems


def compare_hires(case: dict, got: dict, defaults: dict) -> list[str]:
    """Differences between each hire's (intern's) `expect` (decision, amount in yuan, reasons, an intern's months)
    and its row of the per-person output."""
    problems = []
    for file, (key, _, _, day) in PERSON_FILES.items():
        for n, hire in enumerate(case.get(file, []), start=1):
            if "expect" not in hire:
                continue
            on = str({**defaults.get(key, {}), **hire}[day])
            row = got["persons"].get((hire_person(hire), on))
            if row is None:
                problems.append(f"{key} {n}: no per-person row for {hire_person(hire)} of {on}")
                continue
            shown = {**row, "amount": f"{row['amount_fen'] // 100}.{row['amount_fen'] % 100:02d}"}
            problems += [f"{key} {n}: {p}" for p in compare(hire["expect"], shown)]
    return problems
