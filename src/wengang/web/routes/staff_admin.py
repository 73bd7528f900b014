"""Back office, people: the admin creates accounts and disables them, the security officer grants and revokes roles,
unlocks and decides re-activations, clerks send employers their activation codes. Nobody sees a code."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse

from wengang.domain.days import BEIJING
from wengang.domain.errors import Refused
from wengang.services import duty, people
from wengang.services.sessions import Principal
from wengang.web.deps import SealerDep, StoreDep, render
from wengang.web.permissions import may, staff
from wengang.web.routes.staff import done
from wengang.web.words import beijing, words

router = APIRouter(prefix="/staff", include_in_schema=False)
Look = Annotated[Principal, staff("users.view")]
Manage = Annotated[Principal, staff("users.manage")]
DutyManage = Annotated[Principal, staff("duty.manage")]
Issue = Annotated[Principal, staff("activation.issue")]
Grant = Annotated[Principal, staff("roles.grant")]
Approve = Annotated[Principal, staff("activation.approve")]
RecordId = Annotated[int, Path(ge=1, le=2**62)]
Phone = Annotated[str, Form(max_length=20)]
Reason = Annotated[str, Form(max_length=200)]
BACK = "/staff/users"


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, store: StoreDep, me: Look):
    """Admins and security officers see every user (and the security officer the waiting requests); clerks see only
    the activation form."""
    sees = may(me, "users.manage") or may(me, "roles.grant")
    shown = people.list_users(store=store) if sees else []
    waiting = people.list_requests(store=store) if may(me, "activation.approve") else []
    return render(request, "staff/users.html", {"users": shown, "roles": people.STAFF_ROLES, "requests": waiting})


@router.post("/users", response_class=HTMLResponse)
def add_user(request: Request, store: StoreDep, sealer: SealerDep, me: Manage, username: Annotated[str, Form(
             max_length=40)], role: Annotated[str, Form(max_length=12)], phone: Phone,
             display_name: Annotated[str, Form(max_length=100)] = ""):
    """The admin creates an account: its holder sets the password with a code sent to their phone, and the role
    is in force once the security officer grants it."""
    made = people.invite_staff(username, role, store=store, by=me.username, phone=phone, sealer=sealer,
                               display_name=display_name or None)
    role_zh, role_en = words(made.role)
    return done(request, f"已新建 {made.username} ({role_zh}), 激活码已发送至 {made.phone}, 角色待安全管理员确认 "
                f"/ user {made.username} ({role_en}) created: code sent to {made.phone}, the role waits for the "
                "security officer", BACK)


@router.post("/users/{user_id}/active", response_class=HTMLResponse)
def toggle(request: Request, store: StoreDep, me: Manage, user_id: RecordId, active: Annotated[bool, Form()]):
    """The admin disables or re-enables a user; disabling ends its sessions for good."""
    made = people.set_active(user_id, active, store=store, by=me.username)
    return done(request, f"{made.username}: {'启用 / enabled' if active else '停用 / disabled'}", BACK)


@router.post("/users/{user_id}/reactivation", response_class=HTMLResponse)
def reactivation(request: Request, store: StoreDep, me: Manage, user_id: RecordId, phone: Phone = "",
                 reason: Reason = ""):
    """The admin asks for a new code for an account in use (a new phone makes it a contact change)."""
    made = people.request_reactivation(user_id, store=store, by=me.username, phone=phone or None, reason=reason)
    return done(request, _requested(made), BACK)


@router.post("/users/{user_id}/role", response_class=HTMLResponse)
def grant(request: Request, store: StoreDep, me: Grant, user_id: RecordId, role: Annotated[str, Form(max_length=12)]):
    """The security officer puts a role in force (its holder's sessions end)."""
    made = people.grant_role(user_id, role, store=store, by=me.username)
    role_zh, role_en = words(made.role)
    return done(request, f"{made.username}: 角色 {role_zh} 已生效 / role {role_en} in force", BACK)


@router.post("/users/{user_id}/revoke", response_class=HTMLResponse)
def revoke(request: Request, store: StoreDep, me: Grant, user_id: RecordId):
    """The security officer takes a role out of force."""
    made = people.revoke_role(user_id, store=store, by=me.username)
    return done(request, f"{made.username}: 角色已撤销 / role revoked", BACK)


@router.post("/users/{user_id}/unlock", response_class=HTMLResponse)
def unlock(request: Request, store: StoreDep, me: Grant, user_id: RecordId):
    """The security officer lifts an account's sign-in locks."""
    made = people.unlock(user_id, store=store, by=me.username)
    return done(request, f"{made.username}: 已解锁 / unlocked", BACK)


@router.post("/requests/{request_id}", response_class=HTMLResponse)
def decide(request: Request, store: StoreDep, sealer: SealerDep, me: Approve, request_id: RecordId,
           decision: Annotated[str, Form(pattern="^(approve|refuse)$")]):
    """The security officer (never whoever asked) approves or refuses a re-activation or contact change."""
    made = people.decide_request(request_id, decision == "approve", store=store, by=me.username, sealer=sealer)
    if made.status == "approved":
        return done(request, f"{made.username}: 已批准, 激活码已发送至登记电话 {made.phone} / approved: code sent "
                    f"to the contact on record {made.phone}", BACK)
    return done(request, f"{made.username}: 已拒绝 / refused", BACK)


@router.post("/activation", response_class=HTMLResponse)
def activation(request: Request, store: StoreDep, sealer: SealerDep, me: Issue,
               uscc: Annotated[str, Form(max_length=18)], phone: Phone = "", reason: Reason = ""):
    """The code goes to the unit through the outbox (SMS), sealed; staff never see it. A unit already activated
    gets a request instead, which the security officer decides."""
    made = people.issue_activation(uscc, store=store, by=me.username, sealer=sealer, phone=phone or None,
                                   reason=reason)
    if isinstance(made, people.Filed):
        return done(request, _requested(made), BACK)
    where = made.phone or "单位消息 / the unit's portal messages"
    return done(request, f"激活码已发送至 {where}, 有效期至 {beijing(made.expires_at)} (北京时间) / activation code "
                f"sent to {where}, valid until {beijing(made.expires_at)} Beijing time", BACK)


def _requested(made: people.Filed) -> str:
    """What a filed re-activation request says."""
    return (f"{made.username} 已激活: 重新激活申请已提交, 待安全管理员批准后发送至 {made.phone} / "
            f"{made.username} is already activated: a re-activation request is filed; once another person "
            f"approves it, the code goes to {made.phone}")


def _utc(local: str) -> dt.datetime:
    """A Beijing wall-clock time from a datetime-local field (2024-02-02T08:00) as naive UTC, as the store keeps it."""
    try:
        moment = dt.datetime.fromisoformat(local)
    except ValueError as e:
        raise Refused("时间格式不对 / not a date and time") from e
    return moment.replace(tzinfo=BEIJING).astimezone(dt.UTC).replace(tzinfo=None)


@router.get("/duty", response_class=HTMLResponse)
def duty_page(request: Request, store: StoreDep, me: DutyManage):
    """呼我必回 offices and who is on duty at each, now and to come (phones masked); the admin sets both here."""
    staff_names = [u for u in people.list_users(store=store) if u.staff and u.active]
    return render(request, "staff/duty.html", {"offices": duty.offices(store=store), "duties": duty.duties(store=store),
                                               "staff": staff_names})


@router.post("/duty/offices", response_class=HTMLResponse)
def duty_office(request: Request, store: StoreDep, me: DutyManage, code: Annotated[str, Form(max_length=12)],
                name: Annotated[str, Form(max_length=100)]):
    """Add a district's office (its six-digit division code) or rename one; audited."""
    made = duty.put_office(code, name, store=store, by=me.username)
    return done(request, f"办公室 {made.name} 已保存 / office {made.name} saved", "/staff/duty")


@router.post("/duty", response_class=HTMLResponse)
def duty_set(request: Request, store: StoreDep, me: DutyManage, office: Annotated[str, Form(max_length=12)],
             username: Annotated[str, Form(max_length=40)], phone: Phone,
             starts_at: Annotated[str, Form(max_length=20)], ends_at: Annotated[str, Form(max_length=20)]):
    """Put a member of staff on duty at an office (Beijing times); their phone is shown masked from then on."""
    made = duty.set_duty(office, username, phone, starts_at=_utc(starts_at), ends_at=_utc(ends_at), store=store,
                         by=me.username)
    return done(request, f"{made.username} 值班 {made.office_name}, 短信发至 {made.phone} / {made.username} is on duty "
                f"at {made.office_name}; alerts go to {made.phone}", "/staff/duty")
