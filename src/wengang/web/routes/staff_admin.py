"""Back office, people: admins add staff and disable users; clerks and admins send employers activation codes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse

from wengang.services import people
from wengang.web.deps import StoreDep, render
from wengang.web.permissions import may, staff
from wengang.web.routes.staff import done

router = APIRouter(prefix="/staff", include_in_schema=False)
Manage, Issue = staff("users.manage"), staff("activation.issue")


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, store: StoreDep, me: Issue):
    """Admins see every user; clerks see only the activation form."""
    shown = people.list_users(store=store) if may(me, "users.manage") else []
    return render(request, "staff/users.html", {"users": shown, "roles": people.STAFF_ROLES})


@router.post("/users", response_class=HTMLResponse)
def add_user(request: Request, store: StoreDep, me: Manage, username: Annotated[str, Form(max_length=40)],
             role: Annotated[str, Form(max_length=12)], password: Annotated[str, Form(max_length=128)],
             display_name: Annotated[str, Form(max_length=100)] = ""):
    """An admin adds a member of staff with one role."""
    made = people.create_staff(username, role, store=store, by=me.username, password=password,
                               display_name=display_name or None)
    return done(request, f"已新建 {made['username']} ({made['role']}) / user {made['username']} created", "/staff/users")


@router.post("/users/{user_id}/active", response_class=HTMLResponse)
def toggle(request: Request, store: StoreDep, me: Manage, user_id: Annotated[int, Path(ge=1, le=2**62)],
           active: Annotated[bool, Form()]):
    """An admin disables or re-enables a user; its sessions stop at once."""
    made = people.set_active(user_id, active, store=store, by=me.username)
    return done(request, f"{made['username']}: {'启用 / enabled' if active else '停用 / disabled'}", "/staff/users")


@router.post("/activation", response_class=HTMLResponse)
def activation(request: Request, store: StoreDep, me: Issue, uscc: Annotated[str, Form(max_length=18)],
               phone: Annotated[str, Form(max_length=20)] = ""):
    """The code goes to the unit through the outbox (SMS); staff never see it."""
    made = people.issue_activation(uscc, store=store, by=me.username, phone=phone or None)
    where = made["phone"] or "单位消息 / the unit's portal messages"
    return done(request, f"激活码已发送至 {where}, 有效期至 {made['expires_at']:%Y-%m-%d %H:%M} UTC / activation code "
                f"sent to {where}", "/staff/users")
