"""Back office, policy simulation (issue 19.1): a director picks a stored run, changes some of its pack's values or
sets a budget cap, and reads what it would cost and who would gain or lose; kept simulations are listed and
downloadable as xlsx and as a PDF brief. A simulation decides, publishes and pays nothing (the page says so on every view).

A simulation decides every unit of the run's snapshot again (about 5–8 s at 100,000 units on this machine), so it is
a job (staff_jobs.submit_job): its progress page links to the result, which reads the kept aggregates at once; only
the largest winners and losers by name (units are never kept) are decided again, in a fragment loaded after."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from wengang.documents.pdf import NoFont
from wengang.domain.errors import NotFound, Refused
from wengang.domain.jobs import JobBusy, JobKind
from wengang.domain.simulation import CAP_MODES, SimulationRefused
from wengang.services import simulation, simulation_page
from wengang.services.sessions import Principal
from wengang.services.simulation_sheets import CAP_WORDS
from wengang.web.deps import AnalyticsDep, SettingsDep, StoreDep, render
from wengang.web.permissions import staff
from wengang.web.routes.staff_jobs import submit_job
from wengang.web.simulation_view import change_words, delta, money, view

router = APIRouter(prefix="/staff/simulations", include_in_schema=False)
Simulating = Annotated[Principal, staff("policy.simulate")]
SimId = Annotated[str, Path(pattern=r"^s\d{14}[0-9a-f]{4}$")]
RunQ = Annotated[str | None, Query(max_length=40, pattern=r"^r\d{14}[0-9a-f]{4}$")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KEPT_SHOWN = 50


def _lang(request: Request) -> int:
    """0 for Chinese (the default), 1 when the visitor switched to English."""
    return 1 if getattr(request.state, "lang", "zh") == "en" else 0


def _form(request: Request, analytics: AnalyticsDep, run_id: str | None, *, given: dict | None = None,
          error: str | None = None, status: int = 200) -> HTMLResponse:
    """The form: the stored runs, the chosen run's values to change, a cap; the kept simulations below."""
    runs = analytics.runs()
    chosen = next((r for r in runs if r.id == run_id), runs[0] if runs else None)
    lang = _lang(request)
    return render(request, "staff/simulations.html", {
        "runs": runs, "chosen": chosen, "given": given or {}, "error": error, "cap_modes": CAP_MODES,
        "cap_words": CAP_WORDS, "offered": simulation_page.parameters(chosen, analytics=analytics) if chosen else [],
        "kept": analytics.simulations(KEPT_SHOWN),
        "change_words": lambda pack, c: change_words(pack, c, lang), "money": money, "delta": delta}, status=status)


@router.get("", response_class=HTMLResponse)
def simulation_form(request: Request, analytics: AnalyticsDep, me: Simulating, run: RunQ = None):
    """Choose a run (the newest by default) and what to change."""
    return _form(request, analytics, run)


@router.post("", response_class=HTMLResponse)
async def simulation_run(request: Request, store: StoreDep, analytics: AnalyticsDep, me: Simulating):
    """Check what was asked and hand it to the worker (progress page next); a bad value comes back on the form in
    words, nothing submitted, run or kept."""
    given = {k: str(v) for k, v in (await request.form()).items() if k != "csrf"}
    run_id = given.get("run", "")
    try:
        found = next((r for r in analytics.runs() if r.id == run_id), None)
        if found is None:
            raise SimulationRefused("请选择一个已存的评估批次 / choose a stored run")
        changes = simulation_page.changes_from(given, simulation_page.parameters(found, analytics=analytics))
        cap_text = given.get("cap", "").strip()
        cap = simulation.parse_cap(cap_text, given.get("cap_mode") or None) if cap_text else None
        if not changes and cap is None:
            raise SimulationRefused("请至少修改一个参数的值, 或设定预算上限 / change at least one value or set a budget cap")
        simulation.check(run_id, changes, cap, analytics=analytics)
        return submit_job(store, me, JobKind.SIMULATE, params=simulation_page.to_params(run_id, changes, cap))
    except JobBusy as err:                    # one simulation at a time: each decides a whole snapshot again
        busy = (f"另一项模拟正在排队或运行 (任务 {err.job_id}), 请等它结束后再试 / another simulation is queued or running "
                f"(job {err.job_id}): try again when it has finished")
        return _form(request, analytics, run_id, given=given, error=busy, status=409)
    except (Refused, NotFound) as err:
        return _form(request, analytics, run_id or None, given=given, error=str(err), status=400)


@router.get("/{sim_id}", response_class=HTMLResponse)
def simulation_view(request: Request, analytics: AnalyticsDep, me: Simulating, sim_id: SimId):
    """A kept simulation from its kept figures (at once); its largest winners and losers load after."""
    kept = analytics.kept_simulation(sim_id)
    if kept is None:
        raise NotFound(f"没有模拟 {sim_id} / no simulation {sim_id!r}")
    return render(request, "staff/simulation.html", {**view(kept.simulated(), _lang(request)), "by": kept.by,
                                                     "at": kept.created_at,
                                                     "brief_url": f"/staff/simulations/{sim_id}/brief.pdf"})


@router.get("/{sim_id}/units", response_class=HTMLResponse)
def simulation_units(request: Request, analytics: AnalyticsDep, me: Simulating, sim_id: SimId):
    """The largest winners and losers by name: the kept changes decided again on the run (units are never kept)."""
    _, result = simulation_page.again(sim_id, analytics=analytics)
    return render(request, "staff/_simulation_units.html", view(result, _lang(request)))


@router.get("/{sim_id}/xlsx")
def simulation_xlsx(store: StoreDep, analytics: AnalyticsDep, me: Simulating, sim_id: SimId):
    """The kept simulation as a spreadsheet (summary, each breakdown, the units that moved)."""
    data = simulation_page.export(sim_id, by=me.username, store=store, analytics=analytics)
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="simulation-{sim_id}.xlsx"', "Cache-Control": "no-store"})


@router.get("/{sim_id}/brief.pdf")
def simulation_brief(store: StoreDep, analytics: AnalyticsDep, settings: SettingsDep, me: Simulating, sim_id: SimId):
    """The kept simulation's PDF brief with its charts, every page marked 模拟."""
    try:
        data = simulation_page.brief(sim_id, by=me.username, store=store, analytics=analytics, font=settings.cjk_font)
    except NoFont as err:
        raise Refused(str(err)) from err
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="simulation-{sim_id}.pdf"', "Cache-Control": "no-store"})
