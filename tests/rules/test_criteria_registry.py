"""The criterion registry is the one definition: every criterion the engine stores, explains and words is in it once,
and every reason it can write has words."""

from __future__ import annotations

import datetime as dt

from wengang.rules import engine, explain, runs
from wengang.rules.criteria import (
    BY_ID,
    CRITERIA,
    FLAG_WORDS,
    IDS,
    PERSON_BY_ID,
    PERSON_CRITERIA,
    reason_words,
)
from wengang.rules.doc import shipped_packs
from wengang.rules.parameters import load_pack
from wengang.rules.programmes import GENERAL, PROGRAMMES
from wengang.web import plain as web_plain
from wengang.web.words import RULE_REASONS


def test_every_criterion_the_engine_stores_has_exactly_one_entry_in_the_registry_order():
    assert len(IDS) == len(set(IDS))
    assert set(IDS) == {c for p in PROGRAMMES.values() for c in p.criteria}     # each one some programme's
    assert all(set(p.criteria) <= set(IDS) for p in PROGRAMMES.values())
    assert len(PROGRAMMES[GENERAL].criteria) == 7
    assert engine.CRITERIA == IDS
    stored = [c.removeprefix("c_") for c in engine.STORED_COLUMNS if c.startswith("c_")]
    assert stored == list(IDS)
    assert {c for c, kind in runs.WORDS.items() if kind == "wg_outcome"} == {f"c_{c}" for c in IDS}
    assert set(web_plain.LABELS) == set(IDS) and all(web_plain.LABELS[c] == BY_ID[c].name for c in IDS)


def test_every_reason_code_and_every_flag_a_shipped_pack_lists_has_words_in_both_languages():
    codes = reason_words()
    assert codes == RULE_REASONS                                   # the web's table is the registry's
    for c in (*CRITERIA, *PERSON_CRITERIA):
        for r in c.reasons:
            assert r.outcome in ("fail", "unknown", "review") and all(r.words), r
    for pack_id in shipped_packs():
        pack = load_pack(pack_id)
        for name in ("exclude_flags", "review_flags"):
            for flag in pack.value(name, dt.date(pack.base_year + 1, 12, 31)).value:
                assert f"flag:{flag}" in codes and all(FLAG_WORDS[flag]), (pack_id, flag)


def test_a_label_reads_its_numbers_from_the_values_and_leaves_out_a_limit_set_to_none():
    layoff = BY_ID["layoff"]
    beijing = {"layoff_limit": "0.06", "layoff_comparison": "<=", "layoff_limit_large": "none",
               "layoff_comparison_large": "<", "small_unit_max_insured": "30", "small_unit_limit": "0.2",
               "small_unit_comparison": "<="}
    assert layoff.words(beijing)[0] == "裁员率不高于6%, 参保30人及以下的单位不高于20%"
    national = {**beijing, "layoff_limit": "local_registered_rate", "layoff_comparison": "<", "small_unit_limit": "none"}
    assert layoff.words(national) == ("裁员率低于统筹地区城镇登记失业率",
                                      "layoff rate below the local registered unemployment rate")
    assert BY_ID["paid_months"].words({"min_paid_months": "6"}) == ("足额缴费满6个月", "6 months paid in full")
    assert explain.label("paid_months", {"min_paid_months": "9"}) == "足额缴费满9个月 / 9 months paid in full"


def test_wengang_rules_doc_writes_the_page_and_check_says_when_it_is_stale(tmp_path):
    from typer.testing import CliRunner

    from wengang.cli.main import app
    from wengang.rules.doc import rules_markdown

    out, run = tmp_path / "rules.md", CliRunner().invoke
    assert run(app, ["rules", "doc", "--check", "--out", str(out)]).exit_code == 1          # no page yet
    assert run(app, ["rules", "doc", "--out", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8") == rules_markdown()
    assert run(app, ["rules", "doc", "--check", "--out", str(out)]).exit_code == 0
    out.write_text(rules_markdown().replace("足额缴费满12个月", "足额缴费满6个月"), encoding="utf-8")
    assert run(app, ["rules", "doc", "--check", "--out", str(out)]).exit_code == 1


def test_the_facts_that_settle_a_reason_are_facts_the_engine_accepts_and_the_application_asks_for_them():
    from wengang.services.portal import MISSING

    assert MISSING == {"size_class_unknown": ("employees", "revenue", "assets", "size_class"),
                       "retention_size_unknown": ("employees", "revenue", "assets", "size_class"),
                       "relief_size_unknown": ("employees", "revenue", "assets", "size_class"),
                       "layoff_rate_unknown": ("opening_insured",)}
    for codes in MISSING.values():
        assert set(codes) <= set(engine.SUPPLIABLE)


def test_every_person_criterion_a_programme_uses_is_in_the_person_registry_once():
    assert len(PERSON_BY_ID) == len(PERSON_CRITERIA) and not set(PERSON_BY_ID) & set(IDS)
    assert {c for p in PROGRAMMES.values() for c in p.persons} == set(PERSON_BY_ID)
    for c in PERSON_CRITERIA:        # a person's reasons are listed by outcome: one reason per outcome
        outcomes = [r.outcome for r in c.reasons]
        assert len(outcomes) == len(set(outcomes)), c.id
