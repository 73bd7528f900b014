"""The simulation's PDF brief on a generated city, read back with a PDF text extractor: the figures a director reads
equal the simulation's, it says on every page that it is a simulation, its Chinese is text the embedded font can
draw, and it stays within three pages."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest

from tests.simcity import make_sim_city
from wengang import bootstrap
from wengang.documents.pdf import font_path
from wengang.domain.simulation import Group, Simulated
from wengang.services.simulation import parse_cap, parse_change, share, simulate
from wengang.services.simulation_brief import CHART_BARS, _largest_groups, brief_pdf
from wengang.services.simulation_sheets import MOVEMENT_WORDS, group_name, largest, shown_yuan

PRINTED = dt.datetime(2026, 12, 4, 22, 30)          # naive UTC, as the clock gives it: 06:30 the next day in Beijing


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    return make_sim_city(tmp_path_factory.mktemp("simbrief"))


def run(city, *sets: str, region: str = "", cap: str | None = None) -> Simulated:
    """Simulate on the city's run as the CLI would."""
    return simulate(city.run_id, [parse_change(s, region) for s in sets], parse_cap(cap, None),
                    analytics=bootstrap.analytics(city.settings), keep=False)


def pages(pdf: bytes) -> list[str]:
    """Each page's text as a PDF reader extracts it, lines joined by spaces (a table cell may wrap)."""
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def capped(city):
    return run(city, "ratio_sme=90%", "layoff_limit=5.5%", cap="500000")


@pytest.fixture(scope="module")
def brief(capped):
    return brief_pdf(capped, printed_at=PRINTED)


def test_the_headline_figures_are_the_simulations_to_the_fen(capped, brief):
    text = " ".join(pages(brief))
    t, cb, ca = capped.totals, capped.coverage_before, capped.coverage_after
    assert t.fen_after == 50_000_000 < t.fen_changed                     # the cap bit: three different totals
    assert (f"返还总额 (元), 修改参数后 / total (yuan), with changes {shown_yuan(t.fen_before)} "
            f"{shown_yuan(t.fen_changed)} +{shown_yuan(t.fen_changed - t.fen_before)}") in text
    assert (f"返还总额 (元), 预算上限后 / total (yuan), after the cap {shown_yuan(t.fen_before)} 500,000.00 "
            f"{shown_yuan(t.fen_after - t.fen_before)}") in text
    assert f"符合条件单位 eligible units {t.units_before:,} {t.units_after:,}" in text
    assert f"SMEs among eligible units {share(cb.eligible_smes, cb.eligible)} {share(ca.eligible_smes, ca.eligible)}" \
        in text
    assert f"among all SMEs {share(cb.eligible_smes, cb.smes)} {share(ca.eligible_smes, ca.smes)}" in text
    assert "预算上限 / budget cap: 500,000.00 元 (按比例压减 / proportional)" in text
    for m in capped.movements:
        assert f"{' / '.join(MOVEMENT_WORDS[m.kind])} {m.units:,} {shown_yuan(m.fen_before)} " \
               f"{shown_yuan(m.fen_after)}" in text
    assert "中小微企业返还比例 / return ratio, SMEs 全部地区 / everywhere 60% 90%" in text
    assert "裁员率上限 / layoff-rate limit 全部地区 / everywhere 6% 5.5%" in text
    assert "ratio_sme" not in text and "layoff_limit" not in text            # parameters in words, not keys
    assert "评估基准日 as of 2021-06-30" in text and f"run {capped.run_id}" in text
    assert "打印时间 printed 2026-12-05 06:30 (北京时间 Beijing time)" in text


def test_it_says_simulation_on_every_page_and_stays_within_three_pages(brief):
    read = pages(brief)
    assert 1 <= len(read) <= 3
    assert "政策模拟简报" in read[0] and "不具法律效力 / SIMULATION — not a real run, no legal effect" in read[0]
    assert all("模拟 SIMULATION" in page and "simulation (no legal document)" in page for page in read)


def test_the_chinese_is_text_the_embedded_font_draws_not_boxes(brief):
    from reportlab.pdfbase.ttfonts import TTFont

    reader = pypdf.PdfReader(io.BytesIO(brief))
    fonts = [f.get_object() for p in reader.pages for f in p["/Resources"]["/Font"].values()]
    assert any("/FontFile2" in f.get("/FontDescriptor", {}) for f in fonts)     # the CJK font embedded
    glyphs = TTFont("check", str(font_path()), subfontIndex=0).face.charToGlyph
    chinese = {c for page in pages(brief) for c in page if "\u4e00" <= c <= "\u9fff"}
    assert len(chinese) > 100 and all(glyphs.get(ord(c)) for c in chinese)


def test_winners_and_losers_by_name_and_district_without_credit_codes(capped, brief):
    text = " ".join(pages(brief))
    moved = largest(capped, 8)
    winners = sorted((r for r in moved if r["difference"] > 0), key=lambda r: -r["difference"])
    losers = [r for r in moved if r["difference"] < 0]
    assert winners and losers
    for r in (winners[0], losers[0]):
        assert f"{r['name']} {group_name('district', r['district'])}" in text and f"{shown_yuan(r['difference'])}" in text
    assert not any(r["uscc"] in text for r in capped.moved.to_pylist())


def test_charts_carry_every_district_and_band(capped, brief):
    text = " ".join(pages(brief))
    assert "amount by district" in text and "amount by size" in text and "eligible units by amount band" in text
    assert all(group_name("district", g.key) in text for g in capped.groups["district"][:CHART_BARS])
    assert "微型企业 micro" in text and "≥ 500,000 元" in text


def test_a_regional_change_without_a_cap_shows_its_region_and_old_value(city):
    sim = run(city, "ratio_sme=75%", region="110105")
    text = " ".join(pages(brief_pdf(sim, printed_at=PRINTED)))
    assert "中小微企业返还比例 / return ratio, SMEs 北京市朝阳区 60% 75%" in text
    assert "预算上限 / budget cap: 无 / none" in text and "total (yuan), after the cap" not in text
    assert "Movements are judged on the amount with the changes" in text
    t = sim.totals
    assert f"{shown_yuan(t.fen_before)} {shown_yuan(t.fen_changed)}" in text and t.fen_changed - t.fen_before > 0


def test_many_groups_chart_the_largest_and_sum_the_rest_exactly():
    rows = [Group(f"1101{i:02d}", i, i + 1, 1_000 * i + 1, 1_000 * i + 3, 1_000 * i + 2) for i in range(1, 41)]
    shown = _largest_groups("district", rows)
    assert len(shown) == CHART_BARS and shown[-1][0] == f"其他{41 - CHART_BARS}个 / {41 - CHART_BARS} others"
    assert [label for label, _ in shown[:-1]] == [group_name("district", f"1101{i:02d}")
                                                  for i in range(41 - CHART_BARS + 1, 41)]
    assert sum(g.fen_after for _, g in shown) == sum(g.fen_after for g in rows)
    assert sum(g.units_before for _, g in shown) == sum(g.units_before for g in rows)
    assert _largest_groups("district", rows[:CHART_BARS]) == [(group_name("district", g.key), g)
                                                              for g in rows[:CHART_BARS]]
