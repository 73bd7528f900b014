"""Sign-in for employers (credit code) and staff (user name), activation with a one-time code (units and staff),
a staff password change (forced when the password is too old), sign-out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wengang.domain.errors import Refused
from wengang.services import people
from wengang.web.deps import Signed, StoreDep, client_key, limited, render
from wengang.web.security import SESSION_COOKIE, cookie_header

router = APIRouter(include_in_schema=False)
Secret = Annotated[str, Form(max_length=128)]
Name = Annotated[str, Form(max_length=40)]
Next = Annotated[str, Form(max_length=200)]


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


def _same(password: str, again: str) -> None:
    """The two typings of a new password agree."""
    if password != again:
        raise Refused("两次输入的密码不一致 / the two passwords differ")


@router.get("/portal/login", response_class=HTMLResponse)
def portal_login_form(request: Request, next: str = "/portal"):
    """The employer sign-in form."""
    return render(request, "auth/portal_login.html", {"next": safe_next(next, "portal"), "error": None})


@router.post("/portal/login", dependencies=[limited("login")])
def portal_login(request: Request, store: StoreDep, uscc: Annotated[str, Form(max_length=18)], password: Secret,
                 next: Next = "/portal"):
    """The unit signs in with its credit code; five wrong passwords lock this address out of it for a while."""
    try:
        token, _ = people.sign_in(uscc, password, store=store, employer=True, client=client_key(request))
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
        _same(password, password2)
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
def staff_login(request: Request, store: StoreDep, username: Name, password: Secret, next: Next = "/staff"):
    """Staff sign in with their user name (ending any older session); a password too old must be changed first."""
    try:
        token, _ = people.sign_in(username, password, store=store, employer=False, client=client_key(request))
    except people.PasswordExpired as err:
        return render(request, "auth/password.html", {"error": str(err), "username": username,
                                                      "next": safe_next(next, "staff")}, 400)
    except Refused as err:
        return render(request, "auth/staff_login.html", {"next": safe_next(next, "staff"), "error": str(err),
                                                         "username": username}, 400)
    return signed_in(request, token, safe_next(next, "staff"))


@router.get("/staff/password", response_class=HTMLResponse)
def password_form(request: Request):
    """The form to change a staff password with the current one."""
    return render(request, "auth/password.html", {"error": None, "next": "/staff"})


@router.post("/staff/password", dependencies=[limited("login")])
def change_password(request: Request, store: StoreDep, username: Name, password: Secret, new_password: Secret,
                    new_password2: Secret, next: Next = "/staff"):
    """A new password (never the current one); every session of the account ends, then a new one opens."""
    client = client_key(request)
    try:
        _same(new_password, new_password2)
        people.change_password(username, password, new_password, store=store, client=client)
        token, _ = people.sign_in(username, new_password, store=store, employer=False, client=client)
    except Refused as err:
        return render(request, "auth/password.html", {"error": str(err), "username": username,
                                                      "next": safe_next(next, "staff")}, 400)
    return signed_in(request, token, safe_next(next, "staff"))


@router.get("/staff/activate", response_class=HTMLResponse)
def staff_activate_form(request: Request):
    """The form where a new member of staff sets a password with the code sent to their phone."""
    return render(request, "auth/staff_activate.html", {"error": None})


@router.post("/staff/activate", response_class=HTMLResponse, dependencies=[limited("login")])
def staff_activate(request: Request, store: StoreDep, username: Name, code: Annotated[str, Form(max_length=20)],
                   password: Secret, password2: Secret):
    """Set one's own staff password with the one-time code (the admin who made the account never sees it)."""
    try:
        _same(password, password2)
        people.activate_staff(username, code, password, store=store)
    except Refused as err:
        return render(request, "auth/staff_activate.html", {"error": str(err), "username": username}, 400)
    return render(request, "message.html", {
        "title": ("已设置密码", "Password set"), "status": 200,
        "message": "密码已设置; 角色经安全管理员确认后即可登录 / your password is set; you can sign in once the security "
                   "officer has confirmed your role", "links": [("/staff/login", "登录", "Sign in")]})


@router.post("/logout")
def logout(request: Request, store: StoreDep, principal: Signed):
    """End the session in the database and drop the cookie."""
    if principal is not None and request.state.via == "cookie":
        people.sign_out(principal, store=store)
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, "", secure=request.app.state.web.cookie_secure,
                                                        max_age=0).decode("latin-1"))
    return response
