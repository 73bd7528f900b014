"""Write small snapshot folders from Python rows, so each test shows exactly the data it is about."""

from __future__ import annotations

import contextlib
import csv
from decimal import Decimal
from pathlib import Path

from wengang.domain.identifiers import id_check_char, uscc_check_char

EMPLOYER_DEFAULTS = {
    "name": "测试单位", "unit_type": "enterprise", "industry": "software_it", "region": "110105",
    "registered_on": "2015-01-01",
}


def uscc(n: int, prefix: str = "91110105") -> str:
    """A valid credit code numbered n (prefix 91 = enterprise, 110105 = Chaoyang)."""
    body = f"{prefix}{n:09d}"[:17]
    return body + uscc_check_char(body)


def person(n: int) -> str:
    """A valid resident ID number numbered n."""
    body = f"11010519800101{n:03d}"
    return body + id_check_char(body)


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None, encoding: str = "utf-8") -> Path:
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return path


def months(first: str, last: str) -> list[str]:
    """Every YYYY-MM from first to last inclusive."""
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def write_snapshot(folder: Path, *, employers: list[dict], contributions: list[dict],
                   separations: list[dict] | None = None, ui_claims: list[dict] | None = None,
                   flags: list[dict] | None = None, contacts: list[dict] | None = None,
                   hires: list[dict] | None = None, interns: list[dict] | None = None,
                   dues: list[dict] | None = None) -> Path:
    """A snapshot folder; optional files are written only when given (an empty list writes a header)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "employers.csv", [EMPLOYER_DEFAULTS | e for e in employers])
    write_csv(folder / "contributions.csv", contributions,
              ["uscc", "month", "insured", "unit_due", "unit_paid", "person_due", "person_paid", "back_paid"])
    optional = {
        "separations": (separations, ["uscc", "person_id", "date", "reason"]),
        "ui_claims": (ui_claims, ["uscc", "person_id", "started_on", "kind"]),
        "flags": (flags, ["uscc", "source", "flag", "listed_on", "removed_on"]),
        "contacts": (contacts, ["uscc", "role", "name", "phone", "email", "wechat_openid", "sms_opt_out"]),
        "hires": (hires, ["uscc", "person_id", "hired_on", "category", "graduated_on", "birth_date", "contract_signed",
                          "insured_months"]),
        "interns": (interns, ["uscc", "person_id", "started_on", "ended_on", "birth_date", "category"]),
        "dues": (dues, ["uscc", "month", "insurance", "unit_due"]),
    }
    for name, (rows, columns) in optional.items():
        if rows is not None:
            write_csv(folder / f"{name}.csv", rows, columns)
    return folder


def steady_contributions(code: str, *, insured: int = 10, first: str = "2019-12", last: str = "2020-12",
                         due: str = "100.00") -> list[dict]:
    """Months paid in full with a constant headcount."""
    return [{"uscc": code, "month": m, "insured": insured, "unit_due": due, "unit_paid": due,
             "person_due": due, "person_paid": due} for m in months(first, last)]


def bands(settings, *limits: str | Decimal):
    """Settings whose approval bands need one approver up to the first limit, two up to the next, … (the old
    single threshold is `bands(settings, threshold)`)."""
    from wengang.domain.payment_batches import ApprovalBand

    table = [ApprovalBand(Decimal(str(x)), n, f"测试档次 {n} / test band {n}") for n, x in enumerate(limits, 1)]
    return settings.model_copy(update={"approval_bands": [*table, ApprovalBand(None, len(limits) + 1, "测试 / test")]})


@contextlib.contextmanager
def imported_world(folder: Path, snapshot_folder: Path, db_url: str):
    """A snapshot folder imported into a fresh analytical store under `folder`, and the operational store at
    `db_url`: (store, analytics, settings, snapshot id); the store is closed after."""
    from wengang import bootstrap
    from wengang.config import Settings
    from wengang.services.snapshots import import_folder

    settings = Settings(data_dir=folder / "var", database_url=db_url, audit_anchor_dir=folder / "anchors")
    analytics = bootstrap.analytics(settings)
    snapshot = import_folder(snapshot_folder, analytics=analytics, settings=settings).snapshot.id
    store = bootstrap.open_store(settings)
    try:
        yield store, analytics, settings, snapshot
    finally:
        store.close()
