"""`wengang serve` runs the web app; `wengang people` adds staff and activates employers (demo accounts too)."""

from __future__ import annotations

import os
import re
import secrets
from typing import Annotated

import typer
from rich.table import Table

from wengang import bootstrap
from wengang.cli.console import console
from wengang.cli.cycle import By, handled, store
from wengang.domain.cases import State
from wengang.services import cycles, notify, people

people_app = typer.Typer(help="网站用户 / people of the web app: staff and employer accounts", no_args_is_help=True)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
CODE = re.compile(r"激活码 ([A-Z0-9]{10})")
DEMO_UNITS = (State.PAID, State.FAILED, State.REVIEW, State.REJECTED, State.ACCOUNT_HELD, State.PUBLICITY)


def serve(host: Annotated[str, typer.Option(help="监听地址 / address")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="端口 / port")] = 8000,
          workers: Annotated[int, typer.Option(help="工作进程 / worker processes")] = 1,
          secure_cookies: Annotated[bool | None, typer.Option(
              "--secure-cookies/--plain-cookies", help="Secure 标记; 默认: 仅回环地址上关闭 / default: off on loopback only")]
          = None) -> None:
    """启动网站 / serve the public site, the employer portal, the back office and /api/v1 (OpenAPI at /docs)."""
    import uvicorn

    secure = secure_cookies if secure_cookies is not None else host not in LOOPBACK
    os.environ.setdefault("WENGANG_WEB_COOKIE_SECURE", "true" if secure else "false")
    bootstrap.upgrade_database(bootstrap.settings())       # migrate once, before the workers start
    console.print(f"[bold]wengang[/] http://{host}:{port}/  (API docs /docs; Secure cookies: {secure})")
    uvicorn.run("wengang.web.asgi:make", factory=True, host=host, port=port, workers=workers,
                log_level="warning", proxy_headers=False)


@people_app.command("add-staff")
@handled
def add_staff(username: str, role: Annotated[str, typer.Option(help=f"角色 / one of {', '.join(people.STAFF_ROLES)}")],
              password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
              name: Annotated[str | None, typer.Option(help="姓名 / display name")] = None, by: By = "admin") -> None:
    """新建工作人员 / add a member of staff with one role."""
    made = people.create_staff(username, role, store=store(), by=by, password=password, display_name=name)
    console.print(f"已新建 / created {made['username']} ({made['role']})")


@people_app.command("activate")
@handled
def activate(uscc: str, phone: Annotated[str | None, typer.Option(help="单位手机 / the unit's mobile (SMS)")] = None,
             by: By = "admin") -> None:
    """给单位发送激活码 (经通知发件箱) / send a unit its one-time activation code through the outbox."""
    made = people.issue_activation(uscc, store=store(), by=by, phone=phone)
    console.print(f"激活码已进入发件箱 / code queued for {made['uscc']} ({made['phone'] or 'portal'}), "
                  f"valid until {made['expires_at']:%Y-%m-%d %H:%M} UTC")


def _password() -> str:
    """A random demo password that passes the password rule."""
    return f"Wg{secrets.token_hex(5)}7k"


@people_app.command("demo-accounts")
@handled
def demo_accounts(cycle: Annotated[int | None, typer.Option(help="周期 / cycle (default: newest)")] = None,
                  employers: Annotated[int, typer.Option(help="激活几家单位 / how many units to activate")] = 4) -> None:
    """演示账户 / one staff user per role and a few activated employers, with their passwords printed."""
    s = store()
    table = Table(title="演示账户 / demo accounts (passwords shown once)")
    for col in ("登录 sign in at", "用户名 / 信用代码", "角色 role", "密码 password"):
        table.add_column(col)
    existing = {u["username"] for u in people.list_users(store=s)}
    for role in people.STAFF_ROLES:
        name = f"demo-{role}"
        if name in existing:
            table.add_row("/staff/login", name, role, "(已存在 / exists)")
            continue
        password = _password()
        people.create_staff(name, role, store=s, by="demo", password=password, display_name=f"演示{role}")
        table.add_row("/staff/login", name, role, password)
    found = cycles.list_cycles(store=s)
    cycle = cycle or (found[-1]["id"] if found else None)
    picked = []
    for state in DEMO_UNITS if cycle else ():
        picked += [c.uscc for c in cycles.cases(cycle, store=s, state=state.value, limit=1)]
    for uscc in picked[:employers]:
        people.issue_activation(uscc, store=s, by="demo", phone="13800000000")
        code = next(m for m in (CODE.search(n["text"]) for n in notify.for_unit(uscc, store=s)) if m).group(1)
        password = _password()
        people.activate(uscc, code, password, store=s)
        table.add_row("/portal/login", uscc, "employer", password)
    console.print(table)
