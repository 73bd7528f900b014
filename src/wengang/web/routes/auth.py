"""Sign-in for employers (credit code) and staff (user name), activation with a one-time code, sign-out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wengang.domain.errors import Refused
from wengang.services import people
from wengang.web.deps import Signed, StoreDep, limited, render
from wengang.web.security import SESSION_COOKIE, cookie_header

router = APIRouter(include_in_schema=False)
Secret = Annotated[str, Form(max_length=128)]


def safe_next(target: str, area: str) -> str:
    """Only a path inside the area it signs in to: never another site (no open redirect)."""
    if target.startswith(f"/{area}") and not target.startswith("//") and "\\" not in target:
        return target
    return f"/{area}"


def signed_in(request: Request, token: str, target: str) -> Response:
    """Redirect with the session cookie (HttpOnly, SameSite=Lax, Secure unless turned off for loopback)."""
    response = RedirectResponse(target, status_code=303)
    secure = request.app.state.web.cookie_secure
    response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, token, secure=secure,
                                                        max_age=people.SESSION_HOURS * 3600).decode("latin-1"))
    return response


@router.get("/portal/login", response_class=HTMLResponse)
def portal_login_form(request: Request, next: str = "/portal"):
    """The employer sign-in form."""
    return render(request, "auth/portal_login.html", {"next": safe_next(next, "portal"), "error": None})


@router.post("/portal/login", dependencies=[limited("login")])
def portal_login(request: Request, store: StoreDep, uscc: Annotated[str, Form(max_length=18)], password: Secret,
                 next: Annotated[str, Form(max_length=200)] = "/portal"):
    """The unit signs in with its credit code; five wrong passwords lock it for a while."""
    try:
        token, _ = people.sign_in(uscc, password, store=store, employer=True)
    except Refused as err:
        return render(request, "auth/portal_login.html", {"next": safe_next(next, "portal"), "error": str(err),
                                                          "uscc": uscc}, 400)
    return signed_in(request, token, safe_next(next, "portal"))


@router.get("/portal/activate", response_class=HTMLResponse)
def activate_form(request: Request):
    """The form that turns an activation code into a password."""
    return render(request, "auth/activate.html", {"error": None})


@router.post("/portal/activate", response_class=HTMLResponse, dependencies=[limited("login")])
def activate(request: Request, store: StoreDep, uscc: Annotated[str, Form(max_length=18)],
             code: Annotated[str, Form(max_length=20)], password: Secret, password2: Secret):
    """Set the unit's password with the one-time code it received."""
    try:
        if password != password2:
            raise Refused("两次输入的密码不一致 / the two passwords differ")
        people.activate(uscc, code, password, store=store)
    except Refused as err:
        return render(request, "auth/activate.html", {"error": str(err), "uscc": uscc}, 400)
    return render(request, "message.html", {
        "title": ("已激活", "Activated"), "status": 200,
        "message": "密码已设置, 请用统一社会信用代码和新密码登录 / your password is set: sign in with your credit "
                   "code and the new password", "links": [("/portal/login", "登录", "Sign in")]})


@router.get("/staff/login", response_class=HTMLResponse)
def staff_login_form(request: Request, next: str = "/staff"):
    """The staff sign-in form."""
    return render(request, "auth/staff_login.html", {"next": safe_next(next, "staff"), "error": None})


@router.post("/staff/login", dependencies=[limited("login")])
def staff_login(request: Request, store: StoreDep, username: Annotated[str, Form(max_length=40)], password: Secret,
                next: Annotated[str, Form(max_length=200)] = "/staff"):
    """Staff sign in with their user name; five wrong passwords lock the account for a while."""
    try:
        token, _ = people.sign_in(username, password, store=store, employer=False)
    except Refused as err:
        return render(request, "auth/staff_login.html", {"next": safe_next(next, "staff"), "error": str(err),
                                                         "username": username}, 400)
    return signed_in(request, token, safe_next(next, "staff"))


@router.post("/logout")
def logout(request: Request, store: StoreDep, principal: Signed):
    """End the session in the database and drop the cookie."""
    if principal is not None and request.state.via == "cookie":
        people.sign_out(principal, store=store)
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, "", secure=request.app.state.web.cookie_secure,
                                                        max_age=0).decode("latin-1"))
    return response
