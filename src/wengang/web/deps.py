"""What every route shares: the store and settings, the signed-in principal, CSRF, rate limits and rendering."""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from wengang import bootstrap
from wengang.config import Settings
from wengang.domain.ports import Analytics, AttachmentFiles, Channel, Sealer, Store
from wengang.services import portal, sessions
from wengang.services.sessions import Principal
from wengang.web.cache import MISSING

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class CsrfFailed(Exception):
    """A state-changing request without the right token: refused before anything runs (403)."""

    def __init__(self) -> None:
        super().__init__("页面已过期或请求来源不明, 请刷新页面后重试 / the form expired or did not come from this "
                         "site: reload the page and try again")


class TooMany(Exception):
    """Over the rate limit for this client (429), with how long to wait."""

    def __init__(self, seconds: int):
        self.seconds = seconds
        super().__init__(f"尝试过于频繁, 请 {seconds} 秒后再试 / too many attempts: try again in {seconds} seconds")


async def get_store(request: Request) -> Store:
    """The app's store, opened on first use when no lifespan opened it (an ASGI server without lifespan)."""
    state = request.app.state
    if state.store is None:
        state.store = bootstrap.store(state.settings)
    return state.store


async def get_settings(request: Request) -> Settings:
    """The settings the app was made with."""
    return request.app.state.settings


async def get_sealer(request: Request) -> Sealer:
    """What seals the codes this app sends (its key is read from the key file once, on first use)."""
    state = request.app.state
    if getattr(state, "sealer", None) is None:
        state.sealer = bootstrap.sealer(state.settings)
    return state.sealer


async def get_codes(request: Request) -> Channel:
    """The channel sealed codes leave through at once (the SMS gateway, or the outbox file without one)."""
    state = request.app.state
    if getattr(state, "codes", None) is None:
        state.codes = bootstrap.channel(state.settings)
    return state.codes


async def get_analytics(request: Request) -> Analytics:
    """The analytical store the settings name (each read opens its own read-only connection)."""
    state = request.app.state
    if getattr(state, "analytics", None) is None:
        state.analytics = bootstrap.analytics(state.settings)
    return state.analytics


async def get_attachments(request: Request) -> AttachmentFiles:
    """Where attached files are kept (the settings' folder)."""
    state = request.app.state
    if getattr(state, "attachments", None) is None:
        state.attachments = bootstrap.attachments(state.settings)
    return state.attachments


StoreDep = Annotated[Store, Depends(get_store)]
AttachmentsDep = Annotated[AttachmentFiles, Depends(get_attachments)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SealerDep = Annotated[Sealer, Depends(get_sealer)]
CodesDep = Annotated[Channel, Depends(get_codes)]
AnalyticsDep = Annotated[Analytics, Depends(get_analytics)]


async def current_principal(request: Request, store: StoreDep) -> Principal | None:
    """The principal of the bearer token (API clients) or of the session cookie (browsers), or None.

    A session is looked up once per change of the audit chain: signing out, disabling a user or changing a role is
    audited, so the chain moves and the kept answer is dropped; expiry and idleness are checked on every request.
    Reading the chain's length is one indexed row, done in the event loop; a real lookup goes to the thread pool."""
    state = request.app.state
    auth = request.headers.get("authorization", "")
    bearer = auth[:7].lower() == "bearer "
    token = auth[7:].strip() if bearer else request.state.session_cookie
    principal = None
    if token:
        mark = request.state.mark = portal.change_mark(store=store)
        key = ("session", sessions.token_hash(token))
        principal = state.answers.peek(key, mark)
        if principal is MISSING:
            principal = await run_in_threadpool(sessions.resolve, token, store=store)
            state.answers.put(key, mark, principal)
        if principal is not None:
            principal = await _active(request, store, token, key, mark, principal)
    request.state.principal = principal
    request.state.via = None if principal is None else "bearer" if bearer else "cookie"
    return principal


async def _active(request: Request, store: Store, token: str, key: tuple, mark: int,
                  principal: Principal) -> Principal | None:
    """The principal if its session is neither expired nor idle; activity is written at most once a minute.

    This process remembers when it last wrote a session's activity; a session that looks idle here is read again
    (another worker may have seen it since) before it is let go."""
    now = utcnow()
    if principal.expires_at is not None and principal.expires_at <= now:
        return None
    state = request.app.state
    touched = getattr(state, "touched", None)
    if touched is None:
        touched = state.touched = {}
    last = max(touched.get(principal.session_id, principal.last_seen), principal.last_seen)
    if now - last >= principal.idle:
        fresh = await run_in_threadpool(sessions.resolve, token, store=store)
        state.answers.put(key, mark, fresh)
        if fresh is None:
            return None
        principal, last = fresh, fresh.last_seen
    if now - last >= sessions.TOUCH_EVERY:
        await run_in_threadpool(sessions.touch, principal.session_id, store=store)
        if len(touched) > 100_000:
            touched.clear()                     # bounded memory: a forgotten session is read again when it looks idle
        touched[principal.session_id] = now
    return principal


def utcnow() -> dt.datetime:
    """Naive UTC, as the store keeps its times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


async def kept(request: Request, key: tuple, compute):
    """An answer kept until the audit chain moves (the mark taken when the principal was looked up); computing
    one goes to the thread pool, a kept one costs nothing."""
    mark = getattr(request.state, "mark", None)
    found = MISSING if mark is None else request.app.state.answers.peek(key, mark)
    if found is MISSING:
        found = await run_in_threadpool(compute)
        if mark is not None:
            request.app.state.answers.put(key, mark, found)
    return found


Signed = Annotated[Principal | None, Depends(current_principal)]


async def csrf_guard(request: Request, principal: Signed) -> None:
    """Every unsafe request carries the token of its session (or of the anonymous cookie); bearer calls need none."""
    via = request.state.via
    expected = principal.csrf if via == "cookie" and principal is not None else request.state.csrf_cookie
    request.state.csrf_token = expected if via == "cookie" else (expected or getattr(request.state, "new_csrf", ""))
    if request.method in SAFE_METHODS or via == "bearer":
        return
    if request.url.path.startswith("/api/") and not request.state.session_cookie:
        return                                   # no ambient credential rides along: nothing to forge
    sent: str | UploadFile | None = request.headers.get("x-csrf-token")
    if not sent and request.headers.get("content-type", "").startswith(FORM_TYPES):
        sent = (await request.form()).get("csrf")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed()


def client_key(request: Request) -> str:
    """The client address a rate limit counts by."""
    return request.client.host if request.client else "unknown"


def limited(bucket: str):
    """A dependency counting one try of `bucket` for the client address; over the limit it refuses (429)."""
    def check(request: Request) -> None:
        limiter = request.app.state.limiters[bucket]
        key = client_key(request)
        if not limiter.hit(key):
            raise TooMany(limiter.retry_after(key))
    return Depends(check)


def is_htmx(request: Request) -> bool:
    """An htmx request wants the fragment, not the whole page."""
    return request.headers.get("hx-request") == "true"


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """A page (or fragment) with the language, principal and CSRF token every template may use."""
    return request.app.state.templates.TemplateResponse(request, name, context or {}, status_code=status)


def template_context(request: Request) -> dict[str, Any]:
    """Jinja context processor: what base.html needs on every page."""
    state = request.state
    return {"lang": getattr(state, "lang", "zh"), "principal": getattr(state, "principal", None),
            "csrf_token": getattr(state, "csrf_token", "") or getattr(state, "new_csrf", ""),
            "path": request.url.path}
