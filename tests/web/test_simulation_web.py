"""The policy-simulation page (issue 19.1): a director picks a stored run, changes values, reads the cost, downloads
the xlsx; everything audited in the operational store (both databases); bad input refused on the form, nothing kept."""

from __future__ import annotations

import io
import re
import shutil
from decimal import Decimal

import openpyxl
import pypdf
import pytest
from fastapi.testclient import TestClient

from tests.simcity import make_sim_city, query
from tests.web.conftest import PASSWORD, sign_in
from wengang import bootstrap
from wengang.config import Settings
from wengang.services import jobs, people, simulation
from wengang.services.simulation_sheets import shown_yuan
from wengang.web.app import create_app
from wengang.web.settings import WebSettings

RAISE = {"v.layoff_limit": "5.5%", "v.ratio_sme": "90%"}


@pytest.fixture(scope="module")
def sim_template(tmp_path_factory):
    """The small city with its one stored beijing-2021 run, made once."""
    return make_sim_city(tmp_path_factory.mktemp("simweb"))


@pytest.fixture
def settings(sim_template, db_url, tmp_path) -> Settings:
    """A copy of the city's analytical store beside an empty operational store (SQLite or PostgreSQL)."""
    shutil.copytree(sim_template.settings.data_dir, tmp_path / "var")
    made = Settings(data_dir=tmp_path / "var", database_url=db_url)
    store = bootstrap.open_store(made)
    for role, name in (("approver", "director-zhao"), ("clerk", "clerk-wang")):
        people.create_staff(name, role, store=store, by="setup", password=PASSWORD, display_name=f"{role} {name}")
    return made


@pytest.fixture
def web(settings):
    """The app on those stores."""
    with TestClient(create_app(settings, WebSettings(cookie_secure=False)), raise_server_exceptions=False) as c:
        yield c
    bootstrap.close_stores()


def events(settings: Settings, event: str) -> list:
    """The audit entries of one kind, oldest first."""
    with bootstrap.store(settings).reading() as uow:
        return [e for e in uow.audit.entries() if e[3] == event]


def kept_count(settings: Settings) -> int:
    """How many simulations the analytical store keeps (0 before the table exists)."""
    try:
        return query(settings, "SELECT count(*) FROM simulations")[0][0]
    except Exception:  # noqa: BLE001 - no table yet: nothing kept
        return 0


def test_a_director_simulates_reads_the_cost_and_downloads_it(web, settings, sim_template):
    """The form shows the run and its values in words; the result equals the service's figures; kept, listed with
    who and when, re-opened with the same figures, exported as xlsx with the same total; each step audited."""
    csrf = sign_in(web, "director-zhao", employer=False)
    form = web.get("/staff/simulations")
    assert form.status_code == 200 and 'href="/staff/simulations"' in web.get("/staff").text
    assert "北京市失业保险费稳岗返还(2021年, 免申即享)" in form.text and "裁员率上限" in form.text
    assert "6%" in form.text and "60%" in form.text and "裁员率标准放宽至6%" in form.text
    run_id = sim_template.run_id
    submitted = web.post("/staff/simulations", data={"csrf": csrf, "run": run_id, **RAISE}, follow_redirects=False)
    assert submitted.status_code == 303 and re.fullmatch(r"/staff/jobs/\d+", submitted.headers["location"])
    assert kept_count(settings) == 0                        # the worker runs it, not the request
    job = jobs.run_next(store=bootstrap.store(settings), handlers=bootstrap.job_handlers(settings), worker="test")
    assert job.state == "done", job.error
    progress = web.get(submitted.headers["location"]).text
    sim_id = re.search(r'id="open-simulation" href="/staff/simulations/(s\w+)"', progress).group(1)
    shown = web.get(f"/staff/simulations/{sim_id}")
    assert shown.status_code == 200, shown.text[:2000]
    expected = simulation.simulate(run_id, simulation.parse_changes(["layoff_limit=5.5%", "ratio_sme=90%"]),
                                   analytics=bootstrap.analytics(settings), keep=False)
    t = expected.totals
    assert t.fen_after > t.fen_before                       # the SME raise costs money
    assert "模拟" in shown.text and 'id="simulation-banner"' in shown.text
    assert re.search(r'id="fen-before">([^<]+)<', shown.text).group(1) == shown_yuan(t.fen_before)
    assert re.search(r'id="fen-after">([^<]+)<', shown.text).group(1) == shown_yuan(t.fen_after)
    for g in expected.groups["district"]:
        row = re.search(rf'<tr data-key="{g.key}">(.*?)</tr>', shown.text.split('id="by-district"')[1]).group(1)
        assert shown_yuan(g.fen_after) in row and shown_yuan(g.fen_before) in row
    for d in simulation.district_moves(expected.moved):
        row = re.search(rf'<tr data-district="{d.district}">(.*?)</tr>', shown.text).group(1)
        assert f">{d.won:,}<" in row and f"+{shown_yuan(d.won_fen)}" in row
    units = web.get(f"/staff/simulations/{sim_id}/units").text
    winners = re.findall(r'<td class="num">([^<]+)</td></tr>', units.split('id="winners"')[1].split("</table>")[0])
    assert winners[0] == "+" + shown_yuan(max(r["difference"] for r in expected.moved.to_pylist()))
    [entry] = events(settings, "simulation_run")
    assert entry[2] == "director-zhao" and "layoff_limit=5.5%" in entry[9] and entry[4] == f"simulation:{sim_id}"
    assert query(settings, "SELECT json_extract_string(figures, '$.by') FROM simulations WHERE id = ?",
                 [sim_id]) == [("director-zhao",)]
    listed = web.get("/staff/simulations").text.split('id="kept"')[1]
    assert "director-zhao" in listed and "裁员率上限 → 5.5%" in listed and f"/staff/simulations/{sim_id}" in listed
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", listed)
    english = web.get(f"/staff/simulations/{sim_id}?lang=en").text
    assert "SIMULATION" in english and "layoff-rate limit → 5.5%" in english
    assert "Largest winners" in web.get(f"/staff/simulations/{sim_id}/units?lang=en").text
    sheet = web.get(f"/staff/simulations/{sim_id}/xlsx")
    assert sheet.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    summary = book.worksheets[0]
    total_row = next(r for r in summary.iter_rows(values_only=True) if str(r[0]).startswith("符合条件"))
    assert Decimal(str(total_row[5])) == Decimal(t.fen_after) / 100
    assert [e[2] for e in events(settings, "simulation_exported")] == ["director-zhao"]
    assert f'href="/staff/simulations/{sim_id}/brief.pdf"' in shown.text
    brief = web.get(f"/staff/simulations/{sim_id}/brief.pdf")
    assert brief.status_code == 200 and brief.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(brief.content)).pages)
    assert "模拟" in text and shown_yuan(t.fen_after) in text
    assert [e[2] for e in events(settings, "simulation_brief_exported")] == ["director-zhao"]


@pytest.mark.parametrize(("fields", "said"), [
    ({"v.ratio_sme": "ninety"}, "中小微企业返还比例"),
    ({"v.ratio_sme": "190%"}, "0%到100%"),
    ({"v.layoff_limit": "5.5%", "cap": "-5"}, "预算上限"),
    ({}, "请至少修改一个参数"),
    ({"v.ratio_sme": "90%", "r.ratio_sme": "1101"}, "不按地区"),
])
def test_bad_input_is_refused_on_the_form_and_nothing_is_kept(web, settings, sim_template, fields, said):
    """A value the parameter cannot take, a bad cap, a region not read or nothing to change: 400 with the reason,
    no job submitted, nothing run or kept."""
    csrf = sign_in(web, "director-zhao", employer=False)
    before = kept_count(settings)
    reply = web.post("/staff/simulations", data={"csrf": csrf, "run": sim_template.run_id, **fields})
    assert reply.status_code == 400 and 'id="simulation-error"' in reply.text and said in reply.text
    assert kept_count(settings) == before and not events(settings, "simulation_run")
    assert not events(settings, "job_submitted")
    assert 'name="v.ratio_sme"' in reply.text                   # the form again, to correct


def test_only_a_director_may_simulate(web, settings, sim_template):
    """A clerk has no link and is refused the page and the action."""
    csrf = sign_in(web, "clerk-wang", employer=False)
    assert "/staff/simulations" not in web.get("/staff").text
    assert web.get("/staff/simulations").status_code == 403
    refused = web.post("/staff/simulations", data={"csrf": csrf, "run": sim_template.run_id, **RAISE})
    assert refused.status_code == 403 and kept_count(settings) == 0


def test_one_simulation_at_a_time(web, settings, sim_template):
    """A second simulation while one waits for the worker is refused in words (409), not queued behind it."""
    csrf = sign_in(web, "director-zhao", employer=False)
    first = web.post("/staff/simulations", data={"csrf": csrf, "run": sim_template.run_id, **RAISE},
                     follow_redirects=False)
    assert first.status_code == 303
    second = web.post("/staff/simulations", data={"csrf": csrf, "run": sim_template.run_id, "v.ratio_sme": "80%"})
    assert second.status_code == 409 and "另一项模拟正在排队或运行" in second.text
    assert len(events(settings, "job_submitted")) == 1
