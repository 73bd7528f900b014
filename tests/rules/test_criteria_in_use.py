"""The registry drives what a run decides and says: every reason the engine writes has words, every parameter it reads
belongs to a criterion, and a pack that changes a number changes the decision, `wengang explain`'s label and the
employer's page with it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.builders import uscc
from tests.policy.cases import build_snapshot
from wengang import bootstrap
from wengang.config import Settings
from wengang.rules import plain
from wengang.rules.criteria import CRITERIA, PERSON_CRITERIA, reason_words
from wengang.rules.doc import pack_section, shipped_packs
from wengang.rules.parameters import PackError, load_pack
from wengang.rules.programmes import GENERAL, PROGRAMMES, programme_of
from wengang.services.evaluation import evaluate
from wengang.services.explanations import explain_unit
from wengang.web import plain as web_plain

AS_OF = dt.date(2021, 6, 30)
SIX_MONTHS = """id: six-months-2021
inherits: beijing-2021
title: 测试包(缴费满6个月)
title_en: test pack (6 months)
base_year: 2020
parameters:
  min_paid_months:
    values:
      2021-01-01: {value: "6", reference: 测试文件〔2021〕6号}
"""
# One unit per reason the registry lists (Beijing 2021: 6%, 20% for 30 insured or fewer, 60% / 30%).
CASES = [
    {"name": "out of scope", "unit": {"unit_type": "public_institution"}},
    {"name": "six months paid", "months": {"from": "2020-07", "to": "2020-12"}},
    {"name": "arrears", "contributions": {"2020-05": {"unit_paid": "50.00"}}},
    {"name": "layoff above the limit", "insured": {"2019-12": 120}},
    {"name": "layoff unknown", "months": {"to": "2021-06"}, "drop_months": ["2019-12", "2020-01"]},
    {"name": "size unknown", "unit": {"industry": "software_it", "employees": ""}},
    {"name": "flags", "flags": [{"flag": f, "listed_on": "2020-01-01"} for f in (
        "deregistered", "revoked", "liquidation", "serious_dishonesty", "dishonest_debtor", "wage_arrears_blacklist",
        "abnormal_operations", "zombie", "failed_commitment", "refused_verification")]},
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("registry")
    packs = folder / "packs"
    (packs / "six-months-2021").mkdir(parents=True)
    (packs / "six-months-2021" / "pack.yaml").write_text(SIX_MONTHS, encoding="utf-8")
    snapshot, _ = build_snapshot({"cases": CASES, "defaults": {"months": {"from": "2019-12", "to": "2020-12",
                                                                         "insured": 100}}}, folder)
    return folder, packs, snapshot


def _run(world, pack_id: str, monkeypatch) -> tuple[object, str]:
    folder, packs, snapshot = world
    monkeypatch.setenv("WENGANG_POLICY_PATH", str(packs))
    settings = Settings(data_dir=folder / "var")
    analytics = bootstrap.analytics(settings)
    return analytics, evaluate(str(snapshot), pack_id, AS_OF, analytics=analytics, settings=settings).summary.id


def test_every_reason_the_engine_writes_is_one_of_the_registry_s_and_has_words(world, monkeypatch):
    analytics, run = _run(world, "beijing-2021", monkeypatch)
    by_case = {case["name"]: set(filter(None, (analytics.decided(uscc(n), run).row["reasons"] or "").split(";")))
               for n, case in enumerate(CASES, start=1)}
    for name, code in (("out of scope", "out_of_scope"), ("six months paid", "paid_months_short"),
                       ("arrears", "arrears_outstanding"), ("layoff above the limit", "layoff_rate_above_limit"),
                       ("layoff unknown", "layoff_rate_unknown"), ("size unknown", "size_class_unknown")):
        assert code in by_case[name], (name, by_case[name])
    written = set().union(*by_case.values())
    listed = {r.code for c in CRITERIA if PROGRAMMES[GENERAL].uses(c.id) for r in c.reasons}   # beijing's
    assert listed <= written, listed - written                    # each criterion's reasons really are written
    assert written <= set(reason_words()), written - set(reason_words())
    assert {c.removeprefix("flag:") for c in written if c.startswith("flag:")} == {
        f["flag"] for f in CASES[-1]["flags"]}


def test_every_parameter_a_run_reads_belongs_to_a_criterion(world, monkeypatch):
    declared = {p for c in (*CRITERIA, *PERSON_CRITERIA) for p in c.parameters} | {c.flags for c in CRITERIA if c.flags}
    for pack_id in shipped_packs():
        pack = load_pack(pack_id)
        folder, _, snapshot = world
        settings = Settings(data_dir=folder / "var")
        analytics = bootstrap.analytics(settings)
        if programme_of(pack).required:                     # refuses to run without the region's values
            with pytest.raises(PackError, match=programme_of(pack).required[0]):
                evaluate(str(snapshot), pack_id, dt.date(pack.base_year + 1, 6, 30), analytics=analytics,
                         settings=settings)
            continue
        run = evaluate(str(snapshot), pack_id, dt.date(pack.base_year + 1, 6, 30), analytics=analytics,
                       settings=settings).summary.id
        read = {u.name for u in analytics.decided(uscc(1), run).parameters}
        assert read and read <= declared, (pack_id, read - declared)


def test_a_pack_with_six_months_decides_explains_and_words_six(world, monkeypatch):
    analytics, national = _run(world, "beijing-2021", monkeypatch)
    _, six = _run(world, "six-months-2021", monkeypatch)
    unit = uscc(2)                                                 # six months paid in full
    assert analytics.decided(unit, national).row["c_paid_months"] == "fail"
    assert analytics.decided(unit, six).row["c_paid_months"] == "pass"

    labels = {line.criterion: line.label for line in explain_unit(unit, analytics=analytics, run_id=six)[1]}
    assert labels["paid_months"] == "足额缴费满6个月 / 6 months paid in full"
    assert labels["layoff"].startswith("裁员率不高于6%, 参保30人及以下的单位不高于20%")
    before = {line.criterion: line.label for line in explain_unit(unit, analytics=analytics, run_id=national)[1]}
    assert before["paid_months"] == "足额缴费满12个月 / 12 months paid in full"
    assert list(labels) == [c.id for c in CRITERIA if PROGRAMMES[GENERAL].uses(c.id)]

    found = analytics.decided(unit, six)
    page = {line.criterion: line for line in web_plain.lines(plain.read(found.row, found.parameters))}
    assert page["paid_months"].label == ("缴费月数", "Months paid")                 # the registry's heading
    assert page["paid_months"].standard == ("至少6个月", "at least 6 months")
    assert "测试文件〔2021〕6号" in page["paid_months"].documents

    assert "足额缴费满6个月 / 6 months paid in full" in pack_section(load_pack("six-months-2021"))


def test_the_committed_rules_page_is_the_generated_one():
    from wengang.rules.doc import rules_markdown

    committed = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(), "docs/rules.md is stale: run `wengang rules doc`"
    beijing = committed[committed.index("### `beijing-2021`"):]
    assert "足额缴费满12个月" in beijing and "裁员率不高于6%, 参保30人及以下的单位不高于20%" in beijing
    assert "大型企业30%, 中小微企业60%" in beijing
