"""The dashboard a bureau director reads (issue 19.2): one cycle or a year, broken down by district, size, industry,
unit type or programme, each figure a link to its list; charts drawn on the server. Counted by the store each time
(no cache: a view takes well under a second at 500,000 cases); the reach figures, counted from the messages and the
audit log, are a fragment loaded after the page and kept for `dashboard_seconds`."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from wengang.documents.pdf import NoFont
from wengang.domain.days import beijing_date
from wengang.domain.errors import Refused
from wengang.domain.figures import BREAKDOWNS
from wengang.domain.ports import Store
from wengang.services import cycles, figures, monthly_report, reach
from wengang.services.sessions import Principal
from wengang.web.charts import bars, histogram
from wengang.web.deps import SettingsDep, StoreDep, render
from wengang.web.figure_words import BREAKDOWN_WORDS, drill, key_words
from wengang.web.permissions import staff
from wengang.web.routes.staff import CycleQ, chosen
from wengang.web.words import bank_reason, case_state

router = APIRouter(prefix="/staff", include_in_schema=False)
DashboardView = Annotated[Principal, staff("dashboard.view")]
YearQ = Annotated[int | None, Query(ge=2000, le=2100)]
By = Annotated[str, Query(pattern="^(" + "|".join(BREAKDOWNS) + ")$")]
MonthQ = Annotated[str, Query(pattern=r"^20\d\d-(0[1-9]|1[0-2])$")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOP = 15                       # bars in a breakdown's chart (the table lists every value)


@router.get("/dashboard", response_class=HTMLResponse)
def board(request: Request, store: StoreDep, me: DashboardView, cycle: CycleQ = None, year: YearQ = None,
          by: By = "district"):
    """Units, money, employees covered, SME coverage, days to money and failed payments of a cycle or a year."""
    everything = cycles.list_cycles(store=store)
    years = figures.years_of(everything)
    cycle = None if year is not None else chosen(store, cycle)
    if cycle is None and year is None:
        return render(request, "staff/dashboard.html", {"b": None, "cycles": [], "years": years})
    b = figures.board(store=store, cycle_id=cycle, year=year, by=by)
    return render(request, "staff/dashboard.html", {
        "b": b, "cycle": cycle, "cycles": everything, "years": years, "breakdowns": BREAKDOWN_WORDS,
        "key_words": key_words, "drill": drill, "charts": _charts(b, request),
        "report_month": f"{beijing_date(store.clock.now()):%Y-%m}"})


@router.get("/dashboard/reach", response_class=HTMLResponse)
def reach_figures(request: Request, store: StoreDep, me: DashboardView, cycle: Annotated[int, Query(ge=1, le=2**31)]):
    """A cycle's reach figures, loaded after its dashboard (at 500,000 units they count a million entries of the
    audit log: the figures above need not wait for them)."""
    figures.scope(store=store, cycle_id=cycle)          # an unknown cycle is refused in words, not counted as empty
    return render(request, "staff/_reach_figures.html", {"reach": cached_reach(request, cycle, store)})


def _charts(b: figures.Board, request: Request) -> dict:
    """The view's charts, labelled in the visitor's language."""
    lang = 1 if getattr(request.state, "lang", "zh") == "en" else 0
    return {
        "states": bars([(case_state(s)[lang], n) for s, n, _ in b.states], title="cases by state / 案件按状态"),
        "paid": bars([(key_words(b.by, r.key)[lang], r.paid_amount) for r in
                      sorted(b.rows, key=lambda r: -r.paid_amount)[:TOP]], title="yuan paid / 已支付金额"),
        "days": histogram([(f"{lo}–{hi - 1}" if hi else f"{lo}+", n) for lo, hi, n in b.days.bins],
                          title="paid cases by days to money / 到账天数分布"),
        "failures": bars([(bank_reason(f.reason)[lang], f.payments) for f in b.failures[:TOP]],
                         title="failed payments by reason / 支付失败原因"),
    }


def cached_reach(request: Request, cycle: int, store: Store) -> reach.Reach:
    """The reach figures (issue 16.6) count the audit log's sign-ins and look-ups: kept for `dashboard_seconds`."""
    cache, ttl = request.app.state.dashboards, request.app.state.web.dashboard_seconds
    hit = cache.get(("reach", cycle))
    if hit is None or time.monotonic() - hit[0] > ttl:
        hit = cache[("reach", cycle)] = (time.monotonic(), reach.figures(cycle, store=store))
    return hit[1]


@router.get("/reports/monthly.xlsx")
def monthly_xlsx(store: StoreDep, me: DashboardView, month: MonthQ):
    """The monthly statistics report (issue 19.3) as a spreadsheet: numbers, formats, totals."""
    data = monthly_report.xlsx(monthly_report.monthly(month, store=store))
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="monthly-{month}.xlsx"'})


@router.get("/reports/monthly.pdf")
def monthly_pdf(request: Request, store: StoreDep, settings: SettingsDep, me: DashboardView, month: MonthQ):
    """The monthly statistics report printed (A4, the CJK font embedded), issued by the site's authority."""
    try:
        data = monthly_report.pdf(monthly_report.monthly(month, store=store),
                                  authority=request.app.state.site.authority, font=settings.cjk_font)
    except NoFont as exc:
        raise Refused(str(exc)) from exc
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="monthly-{month}.pdf"'})
