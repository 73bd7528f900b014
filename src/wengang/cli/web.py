"""`wengang serve` runs the web app; `wengang people` adds staff and activates employers (demo accounts too);
`wengang login` / `logout` give the command line a signed-in member of staff, as the web has."""

from __future__ import annotations

import getpass
import os
import re
import secrets
import subprocess
import sys
from typing import Annotated

import typer
from rich.table import Table

from wengang import bootstrap
from wengang.cli.console import console
from wengang.cli.cycle import handled, store
from wengang.cli.identity import acting, session_path, session_token
from wengang.domain.cases import State
from wengang.domain.contact import CITY
from wengang.domain.errors import Refused
from wengang.services import cycles, duty, notify, people, specialists

people_app = typer.Typer(help="网站用户 / people of the web app: staff and employer accounts", no_args_is_help=True)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
CODE = re.compile(r"激活码 ([A-Z0-9]{10})")
DEMO_UNITS = (State.PAID, State.FAILED, State.REVIEW, State.REJECTED, State.ACCOUNT_HELD, State.PUBLICITY)


def serve(host: Annotated[str, typer.Option(help="监听地址 / address")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="端口 / port")] = 8000,
          workers: Annotated[int, typer.Option(help="工作进程 / worker processes")] = 1,
          secure_cookies: Annotated[bool | None, typer.Option(
              "--secure-cookies/--plain-cookies", help="Secure 标记; 默认: 仅回环地址上关闭 / default: off on loopback only")]
          = None,
          worker: Annotated[bool, typer.Option(
              "--worker/--no-worker", help="同时启动任务进程 / start a job worker process beside the web server")]
          = True) -> None:
    """启动网站 / serve the public site, the employer portal, the back office and /api/v1 (OpenAPI at /docs), with
    a worker process for the long steps (stopped with the server)."""
    import uvicorn

    secure = secure_cookies if secure_cookies is not None else host not in LOOPBACK
    os.environ.setdefault("WENGANG_WEB_COOKIE_SECURE", "true" if secure else "false")
    bootstrap.upgrade_database(bootstrap.settings())       # migrate once, before the workers start
    console.print(f"[bold]wengang[/] http://{host}:{port}/  (API docs /docs; Secure cookies: {secure})")
    jobs_worker = start_worker() if worker else None
    try:
        uvicorn.run("wengang.web.asgi:make", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", proxy_headers=False)
    finally:
        if jobs_worker is not None:
            stop_worker(jobs_worker)


WORKER_STOP_SECONDS = 30


def start_worker() -> subprocess.Popen:
    """`wengang worker` as a child process that leaves when this one is gone (even killed outright)."""
    proc = subprocess.Popen([sys.executable, "-m", "wengang", "worker", "--parent", str(os.getpid())])
    console.print(f"任务进程 / job worker started (pid {proc.pid})")
    return proc


def stop_worker(proc: subprocess.Popen) -> None:
    """SIGTERM: the job under way finishes; one still running after WORKER_STOP_SECONDS is killed and taken over
    by the next worker once its lease runs out (every step is safe to run again)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@people_app.command("add-staff")
@handled
def add_staff(username: str, role: Annotated[str, typer.Option(help=f"角色 / one of {', '.join(people.STAFF_ROLES)}")],
              password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
              name: Annotated[str | None, typer.Option(help="姓名 / display name")] = None,
              phone: Annotated[str | None, typer.Option(help="本人手机 / their own mobile")] = None,
              department: Annotated[str | None, typer.Option(
                  help="所属行业主管部门 (联审) / the industry department they belong to (joint review)")] = None) -> None:
    """在服务器上新建工作人员, 角色立即生效 (首个系统管理员和安全管理员由此产生) / add a member of staff on the server,
    role in force at once: how the first admin and security officer come to be (the web's admin only invites)."""
    made = people.create_staff(username, role, store=store(), by=f"server:{getpass.getuser()}", password=password,
                               display_name=name, phone=phone, department=department)
    console.print(f"已新建 / created {made.username} ({made.role})" + (f", {department}" if department else ""))


@people_app.command("activate")
@handled
@acting("activation.issue")
def activate(uscc: str, phone: Annotated[str | None, typer.Option(help="单位手机 / the unit's mobile (SMS)")] = None,
             reason: Annotated[str, typer.Option(help="重新激活的理由 / why, for a re-activation")] = "",
             by: str = "") -> None:
    """给单位发送激活码 (经通知发件箱, 密封) / send a unit its one-time code through the outbox, sealed; an activated
    unit gets a re-activation request that another person approves."""
    s = bootstrap.settings()
    made = people.issue_activation(uscc, store=store(), by=by, sealer=bootstrap.sealer(s), phone=phone,
                                   reason=reason)
    if isinstance(made, people.Filed):
        console.print(f"{made.uscc} 已激活: 重新激活申请 #{made.request_id} 待另一人批准 / already activated: "
                      f"re-activation request #{made.request_id} waits for another person's approval")
        return
    console.print(f"激活码已进入发件箱 / code queued for {made.uscc} ({made.phone or 'portal'}), "
                  f"valid until {made.expires_at:%Y-%m-%d %H:%M} UTC")


def _password() -> str:
    """A random demo password that passes the staff password rule (upper, lower and digits)."""
    return f"Wg{secrets.token_hex(5)}7k"


def _code_from_outbox(uscc: str) -> str:
    """The unit's newest code as its phone receives it: delivered to the outbox file, opened with the gateway's key."""
    outbox = bootstrap.outbox(bootstrap.settings())
    notify.deliver(store=store(), channel=outbox, kind="activation_code")
    lines = [m for m in outbox.opened() if m["kind"] == "activation_code" and m["uscc"] == uscc]
    found = CODE.search(lines[-1]["text"]) if lines else None
    if found is None:
        raise Refused(f"发件箱中没有 {uscc} 的激活码 / no activation code for {uscc} in the outbox")
    return found.group(1)


@people_app.command("demo-accounts")
@handled
def demo_accounts(cycle: Annotated[int | None, typer.Option(help="周期 / cycle (default: newest)")] = None,
                  employers: Annotated[int, typer.Option(help="激活几家单位 / how many units to activate")] = 4) -> None:
    """仅供演示 / DEMO ONLY: one staff user per role (made as the operator makes them, roles in force) and a few
    activated employers (codes read from the outbox as their phones would), with passwords printed. Never in
    production."""
    s = store()
    table = Table(title="演示账户, 仅供演示 / demo accounts, demo only (passwords shown once)")
    for col in ("登录 sign in at", "用户名 / 信用代码", "角色 role", "密码 password"):
        table.add_column(col)
    existing = {u.username for u in people.list_users(store=s)}
    for role in people.STAFF_ROLES:
        name = f"demo-{role}"
        if name in existing:
            table.add_row("/staff/login", name, role, "(已存在 / exists)")
            continue
        password = _password()
        people.create_staff(name, role, store=s, by="demo", password=password, display_name=f"演示{role}")
        table.add_row("/staff/login", name, role, password)
    if not any(d.username == "demo-reviewer" and d.current for d in duty.duties(store=s)):
        on = duty.from_now(CITY, "demo-reviewer", "13800000099", days=30, store=s, by="demo")   # a demo phone
        table.add_row("/staff/callbacks", on.username, f"呼我必回值班 / callback duty: {on.office_name}", on.phone)
    found = cycles.list_cycles(store=s)
    cycle = cycle or (found[-1].id if found else None)
    picked = []
    if cycle:
        for state in DEMO_UNITS:
            picked += [c.uscc for c in cycles.cases(cycle, store=s, state=state.value, limit=1)]
    if cycle:                                     # a specialist for the cycle's large employers (up to ten)
        large = specialists.unassigned_large(cycle, store=s)[:10]
        for case in large:
            specialists.assign(case.uscc, to="demo-reviewer", key=False, by="demo", store=s)
        if large:
            table.add_row("/staff/specialists/demo-reviewer", "demo-reviewer",
                          f"专员 / specialist: {len(large)} 家大型企业 / large employers", "")
    sealer = bootstrap.sealer(bootstrap.settings())
    for uscc in picked[:employers]:
        made = people.issue_activation(uscc, store=s, by="demo", sealer=sealer, phone="13800000000")
        if made.status != "sent":
            table.add_row("/portal/login", uscc, "employer", "(已激活 / activated)")
            continue
        password = _password()
        people.activate(uscc, _code_from_outbox(uscc), password, store=s)
        table.add_row("/portal/login", uscc, "employer", password)
    console.print(table)
    console.print("[yellow]仅供演示: 这些账户绕过了生产中的双人流程 / demo only: these accounts skip the two-person "
                  "steps production takes[/]")


@handled
def login(username: str, password_stdin: Annotated[bool, typer.Option(
          "--password-stdin", help="从标准输入读密码 / read the password from standard input")] = False) -> None:
    """登录命令行 / sign in as a member of staff; the session token goes to a file only you can read."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else typer.prompt("密码 / password",
                                                                                        hide_input=True)
    try:
        token, who = people.sign_in(username, password, store=store(), employer=False,
                                    client=f"cli:{getpass.getuser()}")
    except people.PasswordExpired as err:
        raise Refused(f"{err}: /staff/password") from None
    path = session_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, f"{token}\n".encode("ascii"))
    finally:
        os.close(fd)
    console.print(f"已登录 / signed in as {who.username} ({who.role}); session in {path}, ends after "
                  f"{int(who.idle.total_seconds() // 60)} minutes idle or a sign-in elsewhere")


@handled
def logout() -> None:
    """退出命令行 / end the command line's session and remove its token file."""
    token, path = session_token(), session_path()
    principal = people.resolve(token, store=store()) if token else None
    if principal is not None:
        people.sign_out(principal, store=store())
    if path.is_file():
        path.unlink()
    console.print("已退出 / signed out" if principal else "没有有效会话 / no live session; the token file is gone")
