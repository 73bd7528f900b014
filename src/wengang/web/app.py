"""create_app: the FastAPI app with its store, templates, static files, security edge, routes and error pages."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from wengang import bootstrap
from wengang.config import Settings
from wengang.rules.divisions import division_name
from wengang.rules.programmes import first_in_line
from wengang.web import errors, plain
from wengang.web.cache import UntilChanged
from wengang.web.deps import csrf_guard, template_context
from wengang.web.figure_words import filter_words
from wengang.web.lists import ListFiles
from wengang.web.permissions import may
from wengang.web.routes import (
    api_portal,
    api_public,
    api_staff,
    auth,
    channels,
    lookup,
    notices,
    portal,
    public,
    staff,
    staff_admin,
    staff_calls,
    staff_cycles,
    staff_dashboard,
    staff_departments,
    staff_jobs,
    staff_money,
    staff_publicity,
    staff_simulation,
)
from wengang.web.security import EdgeMiddleware, RateLimiter
from wengang.web.settings import SiteSettings, WebSettings
from wengang.web.words import (
    APPLICATION_WORDS,
    RULE_REASONS,
    SORT_WORDS,
    bank_reason,
    beijing,
    case_state,
    case_words,
    day_words,
    event_words,
    money,
    pack_words,
    reason_words,
    result_words,
    words,
)

HERE = Path(__file__).resolve().parent
# The employer's routes first: a request is matched against routes in order, and these are the busiest.
ROUTERS = (api_portal.router, portal.router, api_public.router, public.router, auth.router, staff.router,
           staff_calls.router, staff_money.router, staff_dashboard.router, staff_publicity.router, staff_cycles.router,
           staff_jobs.router, staff_admin.router, staff_departments.router, staff_simulation.router,
           api_staff.router, notices.router, lookup.router, channels.router)
API_DESCRIPTION = ("稳岗返还免申即享 JSON API, 供微信小程序及其他系统调用 / the JSON API of wengang for a WeChat "
                   "mini-program or another system. Sign in with POST /api/v1/session and send the token as "
                   "`Authorization: Bearer …`; employers only ever see their own unit.")


@pass_context
def tr(ctx, zh: str, en: str) -> str:
    """Chinese by default; English when the visitor switched."""
    return en if ctx.get("lang") == "en" else zh


def templates() -> Jinja2Templates:
    """The Jinja2 environment with the language switch, permissions and money format."""
    found = Jinja2Templates(directory=str(HERE / "templates"), context_processors=[template_context])
    found.env.globals.update(tr=tr, may=may, words=words, result_words=result_words, case_words=case_words, event_words=event_words, pack_words=pack_words,
                             case_state=case_state, sort_words=SORT_WORDS, rule_reasons=RULE_REASONS)
    found.env.globals.update(vip=first_in_line, status_of=plain.status, step_of=plain.step, reason_words=reason_words,
                             bank_reason=bank_reason, application_words=APPLICATION_WORDS,
                             written_reasons=plain.WRITTEN_REASONS, day_words=day_words,
                             division=division_name, filter_words=filter_words)
    found.env.filters["money"] = money
    found.env.filters["beijing"] = beijing
    return found


def create_app(settings: Settings | None = None, web: WebSettings | None = None,
               site: SiteSettings | None = None) -> FastAPI:
    """The app on the store these settings name (opened and migrated on start-up)."""
    settings = settings or bootstrap.settings()
    web = web or WebSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if app.state.store is None:               # open (and migrate) at start-up: a bad URL fails at once
            app.state.store = bootstrap.store(app.state.settings)
        yield

    app = FastAPI(title="wengang 稳岗返还 API", version="1", description=API_DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json", dependencies=[Depends(csrf_guard)])
    app.state.settings, app.state.web = settings, web
    app.state.store = None
    app.state.templates = templates()
    app.state.site = site or SiteSettings()
    app.state.templates.env.globals["site"] = app.state.site
    app.state.limiters = {"login": RateLimiter(web.login_per_minute), "forms": RateLimiter(web.forms_per_minute),
                          "downloads": RateLimiter(web.downloads_per_minute),
                          "lookups": RateLimiter(web.lookups_per_hour, window=3600.0)}
    app.state.dashboards = {}
    app.state.answers = UntilChanged()
    app.state.list_files = ListFiles()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in ROUTERS:
        app.include_router(router)
    errors.install(app)
    app.add_middleware(EdgeMiddleware, secure=web.cookie_secure)
    return app
