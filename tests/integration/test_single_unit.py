"""One unit decided again with supplied facts agrees with the whole-run engine deciding the same facts in the data:
both sides of a size-class boundary and of the layoff-rate limit (北京2021: 6%, ≤)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.builders import uscc
from tests.policy.cases import build_snapshot
from wengang import bootstrap
from wengang.adapters.analytics import DuckAnalytics
from wengang.config import Settings
from wengang.rules.engine import CRITERIA
from wengang.services.evaluation import evaluate

LARGE_REVENUE = Decimal("100000000.00")                 # software_it large: staff 300 and revenue 10,000 万元
SOFTWARE = {"industry": "software_it", "employees": ""}
NO_OPENING = {"months": {"to": "2021-06"}, "drop_months": ["2019-12", "2020-01"]}   # opening unknown, base Feb-Dec
CASES = [
    # 1: size unknown (software_it needs revenue); 2, 3: the same unit with the facts in the data
    {"name": "size unknown", "unit": SOFTWARE},
    {"name": "large", "unit": {**SOFTWARE, "employees": "300", "revenue": str(LARGE_REVENUE)}},
    {"name": "medium", "unit": {**SOFTWARE, "employees": "300", "revenue": str(LARGE_REVENUE - Decimal("0.01"))}},
    # 4: opening headcount unknown; 5, 6: December 2019 in the data, 106 (6.0000%, passes) and 107 (7%, fails)
    {"name": "opening unknown", **NO_OPENING},
    {"name": "opening 106", "months": {"to": "2021-06"}, "drop_months": ["2020-01"], "insured": {"2019-12": 106}},
    {"name": "opening 107", "months": {"to": "2021-06"}, "drop_months": ["2020-01"], "insured": {"2019-12": 107}},
]
COMPARED = ("decision", "amount_fen", "size_class", "layoff_rate_micro", "reasons", "ratio_units", "net_reduction",
            *(f"c_{c}" for c in CRITERIA))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("single")
    doc = {"pack": "beijing-2021", "as_of": "2021-06-30", "cases": CASES,
           "defaults": {"months": {"from": "2019-12", "to": "2020-12", "insured": 100}}}
    snapshot, _ = build_snapshot(doc, folder)
    settings = Settings(data_dir=folder / "var")
    run = evaluate(str(snapshot), "beijing-2021", dt.date(2021, 6, 30), analytics=bootstrap.analytics(settings), settings=settings)
    return DuckAnalytics(settings.analytics_path), run.summary.id


def _same(got: dict, want: dict) -> None:
    assert {k: got[k] for k in COMPARED} == {k: want[k] for k in COMPARED}


@pytest.mark.parametrize(("twin", "revenue", "size"), [(2, LARGE_REVENUE, "large"),
                                                       (3, LARGE_REVENUE - Decimal("0.01"), "medium")])
def test_supplied_staff_and_revenue_decide_as_the_whole_run_on_both_sides_of_the_large_floor(world, twin, revenue,
                                                                                              size):
    analytics, run = world
    before = analytics.decided(uscc(1), run).row
    assert (before["decision"], before["size_class"], before["amount_fen"]) == ("review", None, 0)
    again = analytics.redecide(uscc(1), run, {"employees": 300, "revenue": revenue})
    _same(again.row, analytics.decided(uscc(twin), run).row)
    assert again.row["size_class"] == size and again.row["decision"] == "eligible"
    assert (again.row["employees"], again.row["revenue"]) == (300, revenue)     # the explanation reads them
    assert again.parameters                                                      # and cites what it used


@pytest.mark.parametrize(("twin", "opening", "decision"), [(5, 106, "eligible"), (6, 107, "ineligible")])
def test_a_supplied_opening_headcount_decides_as_the_whole_run_on_both_sides_of_the_layoff_limit(world, twin, opening,
                                                                                                 decision):
    analytics, run = world
    assert analytics.decided(uscc(4), run).row["reasons"] == "layoff_rate_unknown"
    again = analytics.redecide(uscc(4), run, {"opening_insured": opening})
    _same(again.row, analytics.decided(uscc(twin), run).row)
    assert again.row["decision"] == decision and again.row["opening_source"] == "supplied"


def test_nothing_supplied_leaves_unknown_unknown_and_a_supplied_class_is_the_agency_s(world):
    analytics, run = world
    _same(analytics.redecide(uscc(1), run, {}).row, analytics.decided(uscc(1), run).row)
    agency = analytics.redecide(uscc(1), run, {"size_class": "micro"}).row
    assert (agency["size_class"], agency["size_source"], agency["decision"]) == ("micro", "agency", "eligible")


def test_an_unknown_unit_or_run_is_none(world):
    analytics, run = world
    assert analytics.redecide(uscc(99), run, {"employees": 3}) is None
    assert analytics.redecide(uscc(1), "r-none", {"employees": 3}) is None
