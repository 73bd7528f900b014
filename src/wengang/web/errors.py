"""Every failure becomes a clear page (Chinese + English) or a JSON {detail}; never a stack trace."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from wengang.domain.departments import WrongDepartment
from wengang.domain.errors import (
    AnalyticsBusy,
    ConcurrentChange,
    DomainError,
    IllegalTransition,
    NotFound,
    StoreUnavailable,
)
from wengang.rules.parameters import PackError
from wengang.web.deps import CsrfFailed, TooMany, render
from wengang.web.permissions import Forbidden, NotSignedIn
from wengang.web.words import field_words

log = logging.getLogger("wengang.web")
STATUS_TEXT = {400: ("请求有误", "Bad request"), 401: ("请先登录", "Please sign in"), 403: ("禁止访问", "Forbidden"),
               404: ("没有找到", "Not found"), 405: ("方法不允许", "Method not allowed"),
               409: ("已被他人修改", "Changed meanwhile"), 422: ("输入有误", "Invalid input"),
               429: ("太频繁", "Too many requests"), 500: ("服务器内部错误", "Internal error"),
               503: ("暂时不可用", "Unavailable")}
FIELD = {"missing": "必填 / required", "string_too_short": "太短 / too short", "string_too_long": "太长 / too long",
         "int_parsing": "应为整数 / must be a whole number", "date_from_datetime_parsing": "应为日期 / must be a date",
         "bool_parsing": "应为是或否 / must be yes or no", "string_pattern_mismatch": "格式不对 / wrong format"}


def _api(request: Request) -> bool:
    """API paths answer in JSON, pages in HTML."""
    return request.url.path.startswith("/api/")


def problem(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """JSON for the API, the message page for people; the same words either way."""
    if _api(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    title = STATUS_TEXT.get(status, ("出错了", "Error"))
    response = render(request, "message.html", {"title": title, "message": message, "status": status}, status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def domain_status(err: DomainError) -> int:
    """The HTTP status a refusal of the process maps to."""
    if isinstance(err, NotFound):
        return 404
    if isinstance(err, WrongDepartment):
        return 403
    if isinstance(err, ConcurrentChange | IllegalTransition):
        return 409
    if isinstance(err, StoreUnavailable):
        return 503
    return 400


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""

    @app.exception_handler(DomainError)
    async def domain(request: Request, err: DomainError) -> Response:
        if isinstance(err, AnalyticsBusy):        # an evaluation is writing: say so, and when to come back
            return problem(request, 503, AnalyticsBusy.MESSAGE,
                           {"Retry-After": str(AnalyticsBusy.RETRY_AFTER_SECONDS)})
        return problem(request, domain_status(err), str(err))

    @app.exception_handler(PackError)
    async def pack(request: Request, err: PackError) -> Response:
        return problem(request, 400, str(err))

    @app.exception_handler(LookupError)
    async def lookup(request: Request, err: LookupError) -> Response:
        return problem(request, 404, str(err))

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, err: NotSignedIn) -> Response:
        if _api(request):
            return JSONResponse({"detail": str(err)}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = "/staff/login" if err.area == "staff" else "/portal/login"
        return RedirectResponse(f"{target}?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, err: Forbidden) -> Response:
        return problem(request, 403, str(err))

    @app.exception_handler(CsrfFailed)
    async def csrf(request: Request, err: CsrfFailed) -> Response:
        return problem(request, 403, str(err))

    @app.exception_handler(TooMany)
    async def too_many(request: Request, err: TooMany) -> Response:
        return problem(request, 429, str(err), {"Retry-After": str(err.seconds)})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> Response:
        if _api(request):
            return JSONResponse({"detail": [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""),
                                             "type": e.get("type", "")} for e in err.errors()]}, status_code=422)
        fields = "; ".join(f"{field_words(e['loc'][-1] if e.get('loc') else '')}: "
                           f"{FIELD.get(e.get('type', ''), '格式不对 / wrong format')}" for e in err.errors())
        return problem(request, 422, f"请检查输入 / please check your input — {fields}")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> Response:
        text = STATUS_TEXT.get(err.status_code, ("出错了", "Error"))
        detail = err.detail if isinstance(err.detail, str) and err.detail not in ("Not Found", text[1]) else None
        return problem(request, err.status_code, detail or f"{text[0]} / {text[1]}", dict(err.headers or {}))

    @app.exception_handler(Exception)
    async def crashed(request: Request, err: Exception) -> Response:
        ref = secrets.token_hex(4)
        log.exception("unhandled error %s on %s %s", ref, request.method, request.url.path)
        return problem(request, 500, f"服务器内部错误, 编号 {ref}, 已记录 / internal error {ref}; it was logged")
