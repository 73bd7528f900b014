"""A folder imported before is found by the hash of its files before any row is read (issue 18): evaluating it again
parses nothing and reuses the stored snapshot; a changed file is read, checked and stored as a new snapshot."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.builders import steady_contributions, uscc, write_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.services import evaluation
from wengang.services.snapshots import import_folder
from wengang.snapshot import checking

A, B = uscc(1), uscc(2)
AS_OF = dt.date(2021, 6, 30)


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "var")


@pytest.fixture
def reads(monkeypatch):
    """The files the importer parses, in order (the real reader still runs)."""
    seen: list[str] = []
    real = checking.read_file

    def counted(spec, path, encoding=None):
        seen.append(path.name)
        return real(spec, path, encoding)

    monkeypatch.setattr(checking, "read_file", counted)
    return seen


def city(folder, insured_b: int = 40):
    contributions = steady_contributions(A, insured=40) + steady_contributions(B, insured=40)
    contributions[-1]["insured"] = str(insured_b)
    employers = [{"uscc": A, "industry": "other", "employees": "40"},
                 {"uscc": B, "name": "乙", "industry": "other", "employees": "40"}]
    return write_snapshot(folder, employers=employers, contributions=contributions, flags=[], separations=[])


def run(folder, settings):
    return evaluation.evaluate(str(folder), "beijing-2021", AS_OF, analytics=bootstrap.analytics(settings),
                               settings=settings)


def test_evaluating_an_imported_folder_again_reads_no_row_and_reuses_its_snapshot(tmp_path, settings, reads):
    folder = city(tmp_path / "city")
    first = run(folder, settings)
    assert sorted(reads) == ["contributions.csv", "employers.csv", "flags.csv", "separations.csv"]
    reads.clear()
    again = run(folder, settings)
    assert reads == []                                         # found by its hash: no file parsed
    assert again.summary.snapshot_id == first.summary.snapshot_id
    assert again.contract.to_pylist() == first.contract.to_pylist()
    by_id = run(first.summary.snapshot_id, settings)
    assert reads == [] and by_id.contract.to_pylist() == first.contract.to_pylist()


def test_a_changed_file_is_read_checked_and_stored_as_a_new_snapshot(tmp_path, settings, reads):
    folder = city(tmp_path / "city")
    first = run(folder, settings)
    reads.clear()
    city(folder, insured_b=30)                                 # b: 10 of 40 left in December
    changed = run(folder, settings)
    assert sorted(reads) == ["contributions.csv", "employers.csv", "flags.csv", "separations.csv"]
    assert changed.summary.snapshot_id != first.summary.snapshot_id
    decisions = {r["uscc"]: r["decision"] for r in changed.contract.to_pylist()}
    assert decisions[B] == "ineligible"
    assert {r["uscc"]: r["decision"] for r in first.contract.to_pylist()}[B] == "eligible"


def test_a_folder_that_a_lenient_import_stored_is_found_again_with_its_quarantine(tmp_path, settings, reads):
    folder = city(tmp_path / "city")
    (folder / "flags.csv").write_text("uscc,source,flag,listed_on,removed_on\n"
                                      f"{A},credit,serious_dishonesty,2020-13-01,\n", encoding="utf-8")
    analytics = bootstrap.analytics(settings)
    lenient = import_folder(folder, analytics=analytics, settings=settings, lenient=True)
    assert lenient.snapshot.quarantined == 1
    reads.clear()
    again = import_folder(folder, analytics=analytics, settings=settings)
    assert reads == [] and again.already and not again.refused
    assert again.snapshot.id == lenient.snapshot.id and again.snapshot.quarantined == 1
