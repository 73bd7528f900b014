"""A small city for review with data: a unit whose size class is unknown (software_it without staff or revenue), one
whose opening headcount is unknown, and one eligible; evaluated once, opened as a cycle on any store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.builders import uscc
from tests.conftest import ACCOUNT
from tests.policy.cases import build_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.ports import Store
from wengang.services import cycles, evaluation

PACK, AS_OF = "beijing-2021", dt.date(2021, 6, 30)
SIZE_UNKNOWN, OPENING_UNKNOWN, ELIGIBLE = uscc(1), uscc(2), uscc(3)
CASES = [
    {"name": "size unknown", "unit": {"industry": "software_it", "employees": "", **ACCOUNT}},
    {"name": "opening unknown", "unit": ACCOUNT, "months": {"to": "2021-06"}, "drop_months": ["2019-12", "2020-01"]},
    {"name": "eligible", "unit": ACCOUNT},
]


def evaluate_city(folder: Path) -> dict:
    doc = {"pack": PACK, "as_of": AS_OF.isoformat(), "cases": CASES,
           "defaults": {"months": {"from": "2019-12", "to": "2020-12", "insured": 100}}}
    snapshot, _ = build_snapshot(doc, folder)
    settings = Settings(data_dir=folder / "var")
    run = evaluation.evaluate(str(snapshot), PACK, AS_OF, analytics=bootstrap.analytics(settings), settings=settings)
    return {"data_dir": folder / "var", "run": run}


def open_cycle(store: Store, city: dict) -> int:
    run = city["run"]
    return cycles.open_from_decided(run.decided, store=store, pack_id=PACK, as_of=AS_OF,
                                    snapshot_id=run.summary.snapshot_id, run_id=run.summary.id, by="clerk").cycle.id


@pytest.fixture(scope="session")
def review_city(tmp_path_factory) -> dict:
    return evaluate_city(tmp_path_factory.mktemp("review-city"))
