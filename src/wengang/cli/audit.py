"""`wengang audit|review|dispatch|account|reverify|db`: the log, the application path, the holds, checkpoint 3."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from wengang import bootstrap
from wengang.cli.console import BarProgress, console, fail, parse_date
from wengang.cli.cycle import Engine, Snapshot, handled, store
from wengang.cli.identity import acting
from wengang.rules.criteria import INDUSTRY_WORDS
from wengang.services import audit, departments, reverify, review

app = typer.Typer(help="审计日志 / the tamper-evident audit log", no_args_is_help=True)
review_app = typer.Typer(help="申请与人工审核 / application and manual review", no_args_is_help=True)
dispatch_app = typer.Typer(help="劳务派遣: 用工单位确认 / labour dispatch: employer confirmation", no_args_is_help=True)
account_app = typer.Typer(help="账户暂缓 / cases held for want of an account", no_args_is_help=True)
reverify_app = typer.Typer(help="复核 (第三道关口) / re-verification, checkpoint 3")
db_app = typer.Typer(help="业务数据库 / the operational database", no_args_is_help=True)
Version = Annotated[int | None, typer.Option("--version", help="看到的版本 / the version you saw (optional)")]


@app.command("verify")
@handled
def verify() -> None:
    """核验审计链 / check every entry's keyed hash and link and every checkpoint outside the database; name any edited,
    deleted, reordered, rewritten or cut entry and any edited or missing checkpoint line (exit code 1)."""
    with BarProgress("audit verify") as progress:
        result = audit.verify_log(store=store(), progress=progress)
    for problem in result.problems:
        console.print(f"[red]  {problem}[/]", markup=True, highlight=False)
    for line in coverage(result):
        console.print(f"  {line}", markup=False, highlight=False)
    if result.ok:
        console.print(f"[green]审计链完好 / chain intact[/]: {result.entries:,} entries in {result.seconds:.1f} s")
        return
    fail(f"审计链被破坏 / chain broken: {result.total_problems} problem(s) in {result.entries:,} entries; "
         f"first at entry #{result.problems[0].seq}")


def coverage(result: audit.Verification) -> list[str]:
    """What the check covered: which entries were keyed, which checkpoints held, how many entries none covers."""
    lines = [f"密钥 / keyed: HMAC-SHA256 from entry #{result.keyed_from:,}"
             + (f"; {result.unkeyed:,} older entries predate the key and were checked as plain sha256 "
                f"(所有早于密钥的条目 / written before the chain was keyed)" if result.unkeyed else
                " (全部条目 / every entry)")]
    if result.anchors is None:
        lines.append("外部锚点未配置 / no checkpoint folder wired: truncation beyond the head row is not checked")
        return lines
    lines.append(f"外部锚点 / checkpoints: {result.anchors:,} in {result.anchor_files:,} file(s)"
                 + (f", the last at entry #{result.last_anchor_seq:,} ({result.last_anchor_at})"
                    if result.last_anchor_seq else ""))
    if result.unanchored:
        lines.append(f"最后锚点之后 {result.unanchored:,} 条 / {result.unanchored:,} entries after the last "
                     "checkpoint (not anchored yet: written just now, or a crash came between commit and checkpoint)")
    return lines


@app.command("show")
@handled
def show(case: int) -> None:
    """案件历程 / a case's full history: every change, by whom, when, why."""
    h = audit.history(case, store=store())
    c = h.case
    console.print(f"[bold]案件 / case {c.id}[/] {c.name} {c.uscc}: {c.state.value} · {c.decision} · {c.amount} yuan "
                  f"· version {c.version}\n  {c.reason}")
    table = Table(show_lines=True)
    for col in ("#", "时间 at (UTC)", "经办 by", "事件 event", "从 → 到 from → to", "原因 why", "数据 data"):
        table.add_column(col)
    for e in h.entries:
        table.add_row(str(e.seq), e.at, e.actor, e.event, f"{e.from_state or '—'} → {e.to_state or '—'}", e.reason,
                      e.data)
    console.print(table)
    for o in h.objections:
        console.print(f"异议 / objection #{o.id} ({o.raised_on}, {o.objector or '—'}, {o.contact}): "
                      f"{o.status} {o.decision_reason or ''}")
    for a in h.applications:
        console.print(f"申请 / application #{a.id} ({'late 延后补报' if a.late else 'routed'}): {a.status} "
                      f"{a.decision_reason or ''}")
    for record, lines in reverify.explanations(case, store=store(),
                                               analytics=bootstrap.analytics(bootstrap.settings())):
        side = Table(title=f"复核 / re-verification: run {record.old_run_id} → {record.new_run_id} "
                           f"({record.old_decision} {record.old_amount} → {record.new_decision} "
                           f"{record.new_amount})")
        for col in ("条件 criterion", "原 before", "新 after"):
            side.add_column(col)
        for row in lines:
            side.add_row(*row)
        console.print(side)


@review_app.command("apply")
@handled
@acting("application.record")
def review_apply(cycle: int, uscc: str,
                 commitment: Annotated[str, typer.Option("--commitment", help="承诺书文本 / commitment letter text")],
                 accept: Annotated[bool, typer.Option("--accept-commitment", help="确认承诺 / the unit accepts it")]
                 = False,
                 late_snapshot: Annotated[str | None, typer.Option(
                     "--late-snapshot", help="延后补报: 含该单位的新快照 / late filer: newer snapshot")] = None,
                 by: str = "") -> None:
    """提交申请与承诺书 / file an application with its commitment letter (routed or late units)."""
    r = review.apply(cycle, uscc, store=store(), analytics=bootstrap.analytics(),
                     settings=bootstrap.settings(), commitment=commitment,
                     accepted=accept, by=by, late_snapshot=late_snapshot)
    console.print(f"申请 / application #{r.application} filed for case {r.case_id}"
                  + (" (延后补报 / late filing)" if r.late else ""))


@review_app.command("decide")
@handled
@acting("review.decide")
def review_decide(case: int, reason: Annotated[str, typer.Option("--reason", help="理由 / why")],
                  accept: Annotated[bool, typer.Option("--accept/--reject", help="通过/不通过")] = False,
                  version: Version = None, by: str = "") -> None:
    """审核决定 / accept (joins the next publicity) or reject, with a reason."""
    c = review.decide(case, store=store(), accept=accept, reason=reason, by=by, expected_version=version)
    console.print(f"案件 / case {c.id}: {c.state.value} (version {c.version})")


@dispatch_app.command("confirm")
@handled
@acting("dispatch.confirm")
def dispatch_confirm(case: int, employer: Annotated[str, typer.Option("--employer", help="用工单位 / employer")],
                     version: Version = None, by: str = "") -> None:
    """用工单位确认 / the actual employer confirmed the dispatched staff."""
    c = review.confirm_dispatch(case, store=store(), employer=employer, by=by, expected_version=version)
    console.print(f"案件 / case {c.id}: {c.state.value} (version {c.version})")


@account_app.command("confirm")
@handled
@acting("account.release")
def account_confirm(case: int, note: Annotated[str, typer.Option("--note", help="说明 / how it was confirmed")] = "",
                    version: Version = None, by: str = "") -> None:
    """确认可用账户, 解除暂缓 / a usable account was confirmed: release the hold."""
    c = review.confirm_account(case, store=store(), note_text=note, by=by, expected_version=version)
    console.print(f"案件 / case {c.id}: {c.state.value} (version {c.version})")


@reverify_app.callback(invoke_without_command=True)
@handled
@acting("cycle.run")
def reverify_cmd(cycle: int, snapshot: Snapshot = None,
                 as_of: Annotated[str | None, typer.Option("--as-of", help="默认为周期评估日 / default: cycle's")]
                 = None, by: str = "", engine: Engine = "duckdb") -> None:
    """复核: 用最新数据再评估, 有变化的移出批次 / decide again on the newest data; changes leave the batch."""
    with BarProgress("reverify") as progress:
        r = reverify.reverify(cycle, store=store(), analytics=bootstrap.analytics(),
                              settings=bootstrap.settings(), snapshot=snapshot,
                              as_of=parse_date(as_of) if as_of else None, by=by, progress=progress,
                              engine=engine)
    console.print(f"复核 / run {r.run_id} on snapshot {r.snapshot_id}: {r.unchanged:,} re-verified, "
                  f"{len(r.changed):,} left the batch")
    if r.waiting:
        console.print(r.waiting)
    table = Table(title="移出批次 / left the batch (see `wengang audit show CASE` for both explanations)")
    for col in ("case", "uscc", "name", "before", "after", "now", "reason"):
        table.add_column(col)
    for c in r.changed[:50]:
        table.add_row(str(c.case_id), c.uscc, c.name, f"{c.old_decision} {c.old_amount}",
                      f"{c.new_decision} {c.new_amount}", c.outcome, c.reason)
    if r.changed:
        console.print(table)


@db_app.command("upgrade")
@handled
def db_upgrade() -> None:
    """迁移到最新版本 / alembic upgrade head on the configured database."""
    revision = bootstrap.upgrade_database(bootstrap.settings())
    console.print(f"数据库已是最新 / database at revision {revision}")


@review_app.command("confirm")
@handled
@acting("department.confirm")
def review_confirm(cycle: int, uscc: str,
                   department: Annotated[str, typer.Option("--department", help="行业主管部门 / the department")],
                   decline: Annotated[str | None, typer.Option(
                       "--decline", help="不予确认及理由 (单位可见) / decline, with the reason the unit reads")] = None,
                   version: Version = None, by: str = "") -> None:
    """行业主管部门确认本行业单位 (虹口联审) / the industry department confirms (or declines) a unit of its industry."""
    if decline is None:
        c = departments.confirm(cycle, uscc, department_id=department, store=store(),
                                analytics=bootstrap.analytics(), by=by, expected_version=version)
    else:
        c = departments.decline(cycle, uscc, department_id=department, reason=decline, store=store(),
                                analytics=bootstrap.analytics(), by=by, expected_version=version)
    console.print(f"案件 / case {c.id}: {c.state.value} (version {c.version})")


DECIDED = {"confirmed": ("已确认", "confirmed"), "declined": ("不予确认", "declined")}


@review_app.command("department")
@handled
def review_department(cycle: int,
                      department: Annotated[str, typer.Option("--department", help="行业主管部门 / the department")]
                      ) -> None:
    """行业主管部门待确认的本行业单位 / the units of a department's industries waiting for its word."""
    q = departments.queue(cycle, department, store=store(), analytics=bootstrap.analytics())
    table = Table(title=f"{q.department.name} / {q.department.name_en}: 周期 cycle {cycle}")
    for col in ("案件 case", "单位 unit", "行业 industry", "金额 amount", "决定 decision"):
        table.add_column(col)
    for r in q.waiting + q.decided:
        said = DECIDED.get(r.review.outcome if r.review else "", ("待确认", "waiting"))
        table.add_row(str(r.case.id), f"{r.case.uscc} {r.case.name}", " ".join(INDUSTRY_WORDS.get(r.industry, (
            r.industry, r.industry))), f"{r.case.amount:,.2f}" if not r.others else "未知 unknown", " ".join(said) + (f": {r.review.reason}" if r.review
                                                                                  and r.review.reason else ""))
    console.print(table)
