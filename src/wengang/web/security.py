"""Security at the edge: response headers, the anonymous CSRF cookie, the language cookie, rate limits."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from http.cookies import SimpleCookie

CSRF_COOKIE, SESSION_COOKIE, LANG_COOKIE = "wg_csrf", "wg_session", "wg_lang"
LANGS = ("zh", "en")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# Swagger UI styles some elements inline; /docs alone allows that (still no inline script).
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
HEADERS = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"same-origin"), (b"cross-origin-opener-policy", b"same-origin"),
           (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()")]


def cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None, http_only: bool = True) -> bytes:
    """A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, Secure unless configured off for loopback."""
    parts = [f"{name}={value}", "Path=/", "SameSite=Lax"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts).encode("latin-1")


def _cookies(scope) -> dict[str, str]:
    """The request's cookies from the raw ASGI headers (no Request object at the edge)."""
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is treated as no cookies
                return {}
            return {k: m.value for k, m in jar.items()}
    return {}


class EdgeMiddleware:
    """Pure ASGI (no per-request task): sets the security headers, the CSRF cookie and the chosen language."""

    def __init__(self, app, *, secure: bool):
        self.app, self.secure = app, secure

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cookies = _cookies(scope)
        state = scope.setdefault("state", {})
        extra: list[tuple[bytes, bytes]] = []
        csrf = cookies.get(CSRF_COOKIE, "")
        if not (20 <= len(csrf) <= 64) or not csrf.replace("-", "").replace("_", "").isalnum():
            csrf = ""
            fresh = secrets.token_urlsafe(24)
            extra.append((b"set-cookie", cookie_header(CSRF_COOKIE, fresh, secure=self.secure)))
            state["new_csrf"] = fresh
        state["csrf_cookie"] = csrf
        state["session_cookie"] = cookies.get(SESSION_COOKIE, "")
        lang = _query_lang(scope.get("query_string", b"")) or cookies.get(LANG_COOKIE, "zh")
        state["lang"] = lang if lang in LANGS else "zh"
        if _query_lang(scope.get("query_string", b"")):
            extra.append((b"set-cookie", cookie_header(LANG_COOKIE, state["lang"], secure=self.secure,
                                                       max_age=365 * 86400)))
        csp = DOCS_CSP if scope["path"] == "/docs" else CSP

        async def sending(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += HEADERS + extra + [(b"content-security-policy", csp.encode())]
                if self.secure:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


def _query_lang(query: bytes) -> str | None:
    """The language a ?lang= in the query asks for, if a known one."""
    for part in query.split(b"&"):
        if part.startswith(b"lang="):
            value = part[5:].decode("latin-1")
            return value if value in LANGS else None
    return None


class RateLimiter:
    """At most `limit` events per key in a sliding minute (per process: a login storm is cut at each worker)."""

    def __init__(self, limit: int, window: float = 60.0):
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> bool:
        """Count one event; False when the key is over its limit (the event is then not counted)."""
        now = time.monotonic()
        with self._lock:
            if len(self._events) > 100_000:
                self._events.clear()                      # bounded memory under a flood of addresses
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True

    def retry_after(self, key: str) -> int:
        """Seconds until the oldest counted event leaves the window."""
        with self._lock:
            events = self._events.get(key)
            return max(1, int(events[0] + self.window - time.monotonic()) + 1) if events else 1
