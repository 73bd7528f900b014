"""Policy simulation in a real browser (issue 19.1, done-when): a director signs in on a desktop, picks the stored
beijing-2021 run, tries the layoff limit 6% → 5.5% and the SMEs' ratio 60% → 90%, reads the cost and the winners
and losers by district, and downloads the xlsx and the PDF brief; every figure is checked against services.simulation."""

from __future__ import annotations

import re
from decimal import Decimal

import openpyxl
import pypdf
import pytest

from tests.e2e.test_browser import browser, page_of, serving, shots, signed_in  # noqa: F401 - shared fixtures
from tests.e2e.test_cycle_browser import finished, job_worker
from tests.simcity import make_sim_city
from tests.web.conftest import PASSWORD
from wengang import bootstrap
from wengang.config import Settings
from wengang.services import people, simulation
from wengang.web.simulation_view import district_words

pytestmark = pytest.mark.slow
DIRECTOR = "director-zhao"


@pytest.fixture(scope="module")
def sim_server(tmp_path_factory):
    """uvicorn and a job worker on the small city with one stored beijing-2021 run, and a director (approver)."""
    city = make_sim_city(tmp_path_factory.mktemp("simulation-browser"))
    settings = Settings(data_dir=city.settings.data_dir,
                        database_url=f"sqlite:///{city.settings.data_dir / 'ops.sqlite'}")
    people.create_staff(DIRECTOR, "approver", store=bootstrap.store(settings), by="setup", password=PASSWORD,
                        display_name="赵局长")
    with serving(settings) as url, job_worker(bootstrap.store(settings), settings):
        yield {"url": url, "settings": settings, "run": city.run_id}
    bootstrap.close_stores()


def yuan_of(text: str) -> int:
    """A page's yuan text ("1,234.50", "+12.00") back to fen."""
    return int(Decimal(text.replace(",", "").replace("+", "")) * 100)


def test_a_director_tries_the_sme_raise_reads_the_cost_by_district_and_downloads_it(
        browser, sim_server, shots, tmp_path):  # noqa: F811
    page = signed_in(page_of(browser, sim_server), DIRECTOR)
    page.click("#nav-simulations")
    page.wait_for_url("**/staff/simulations")
    page.select_option("#run-choice", sim_server["run"])
    assert "北京市失业保险费稳岗返还(2021年, 免申即享)" in page.inner_text("#run-choice")
    limit_row = page.inner_text("#parameters tr[data-key=layoff_limit]")
    assert "裁员率上限" in limit_row and "6%" in limit_row
    assert "60%" in page.inner_text("#parameters tr[data-key=ratio_sme]")
    page.fill("#v-ratio_sme", "九成")                              # a value the parameter cannot take
    page.click("#simulate")
    assert "中小微企业返还比例" in page.inner_text("#simulation-error")
    page.fill("#v-layoff_limit", "5.5%")
    page.fill("#v-ratio_sme", "90%")
    page.screenshot(path=shots / "staff-simulation-form.png", full_page=True)
    page.click("#simulate")
    page.wait_for_url(re.compile(r".*/staff/jobs/\d+$"))             # the worker runs it; the page shows how far
    finished(page)
    page.click("#open-simulation")
    page.wait_for_selector("#winners")                              # the named units load after the figures
    assert "不是正式评估" in page.inner_text("#simulation-banner")

    expected = simulation.simulate(sim_server["run"], simulation.parse_changes(["layoff_limit=5.5%", "ratio_sme=90%"]),
                                   analytics=bootstrap.analytics(sim_server["settings"]), keep=False)
    t = expected.totals
    assert yuan_of(page.inner_text("#fen-before")) == t.fen_before
    assert yuan_of(page.inner_text("#fen-after")) == t.fen_after > t.fen_before
    assert yuan_of(page.inner_text("#fen-difference")) == t.fen_after - t.fen_before
    for g in expected.groups["district"]:
        cells = page.locator(f"#by-district tr[data-key='{g.key}'] td").all_inner_texts()
        assert cells[0] == district_words(g.key) and "区" in cells[0] and g.key not in cells[0]   # a name, no code
        assert [yuan_of(c) for c in cells[3:]] == [g.fen_before, g.fen_changed, g.fen_after, g.fen_after - g.fen_before]
    moved = expected.moved.to_pylist()
    for district in {r["district"] for r in moved}:
        won = [r["difference"] for r in moved if r["district"] == district and r["movement"] in ("newly_in", "gaining")]
        cells = page.locator(f"#movers-by-district tr[data-district='{district}'] td").all_inner_texts()
        assert int(cells[1].replace(",", "")) == len(won) and yuan_of(cells[2]) == sum(won)
    top = max((r for r in moved if r["movement"] in ("newly_in", "gaining")), key=lambda r: (r["difference"], r["uscc"]))
    first = page.locator("#winners tbody tr").first
    assert yuan_of(first.locator("td").last.inner_text()) == top["difference"]
    page.screenshot(path=shots / "staff-simulation-result.png", full_page=True)

    with page.expect_download() as got:
        page.click("#download-xlsx")
    saved = tmp_path / "simulation.xlsx"
    got.value.save_as(saved)
    summary = openpyxl.load_workbook(saved).worksheets[0]
    total = next(r for r in summary.iter_rows(values_only=True) if str(r[0]).startswith("符合条件"))
    assert int(Decimal(str(total[5])) * 100) == yuan_of(page.inner_text("#fen-after"))

    with page.expect_download() as got:
        page.click("#download-brief")
    brief = tmp_path / "brief.pdf"
    got.value.save_as(brief)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(brief).pages)
    assert "模拟" in text and page.inner_text("#fen-after") in text

    page.click("#nav-simulations")
    kept = page.inner_text("#kept")
    assert "赵局长" in kept or DIRECTOR in kept
    assert "裁员率上限 → 5.5%" in kept and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", kept)
    page.screenshot(path=shots / "staff-simulations-kept.png", full_page=True)
