"""Contribution relief in words: `wengang explain`, the employer's page and a redecision with a supplied size class
read the relief criteria from the registry, with the pack's months, and settle an unknown size."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.builders import uscc
from tests.policy.cases import build_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.rules import plain
from wengang.services.evaluation import evaluate
from wengang.services.explanations import explain_unit
from wengang.web import plain as web_plain

CASES = [
    {"name": "large and certified", "unit": {"size_class": "large"},
     "flags": [{"flag": "difficulty_certified", "source": "hrss", "listed_on": "2020-03-10"}]},
    {"name": "size unknown", "unit": {"industry": "software_it", "employees": ""}},
]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("relief-words")
    snapshot, _ = build_snapshot({"cases": CASES, "defaults": {
        "months": {"from": "2018-12", "to": "2020-12", "insured": 50},
        "dues": {"from": "2020-01", "to": "2020-12", "due": "100.00"}}}, folder)
    settings = Settings(data_dir=folder / "var")
    analytics = bootstrap.analytics(settings)
    result = evaluate(str(snapshot), "cn-relief-2020", dt.date(2020, 12, 31), analytics=analytics, settings=settings)
    return analytics, result.summary.id


def test_explain_words_the_relief_criteria_with_the_extended_months(run):
    analytics, run_id = run
    headline, lines = explain_unit(uscc(1), analytics=analytics, run_id=run_id)
    labels = {line.criterion: line.label for line in lines}
    assert list(labels) == ["scope", "relief_kind", "relief_defer", "relief_dues"]
    assert labels["relief_dues"].startswith("免征2020-02至2020-12, 减半征收2020-02至2020-06")
    assert "最长6个月, 最迟至2020-12" in labels["relief_defer"]
    assert "大型企业和社会团体、基金会、社会服务机构、律师事务所、会计师事务所减半征收" in labels["relief_kind"]
    outcomes = {line.criterion: line.outcome for line in lines}
    assert "pass" in outcomes["relief_defer"] or "符合" in outcomes["relief_defer"]


def test_the_employer_page_reads_the_relief_criteria_and_a_supplied_class_settles_an_unknown_size(run):
    analytics, run_id = run
    found = analytics.decided(uscc(2), run_id)
    assert (found.row["decision"], found.row["reasons"]) == ("review", "relief_size_unknown")
    page = {line.criterion: line for line in web_plain.lines(plain.read(found.row, found.parameters))}
    assert page["relief_kind"].label == ("免征或减半", "Exempt or halved")
    assert "人社部发〔2020〕11号" in page["relief_kind"].documents
    again = analytics.redecide(uscc(2), run_id, {"size_class": "small"})
    assert (again.row["decision"], again.row["c_relief_kind"], again.row["c_relief_dues"]) == (
        "eligible", "pass", "pass")
