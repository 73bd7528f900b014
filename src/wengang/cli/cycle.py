"""`wengang cycle|publicity|objection`: open a cycle, compare, publish, take and decide objections."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wengang import bootstrap
from wengang.cli.console import BarProgress, console, fail, parse_date
from wengang.cli.identity import acting
from wengang.cli.snapshot import fail_refused
from wengang.domain.days import beijing_date
from wengang.domain.errors import DomainError
from wengang.rules.parameters import PackError
from wengang.services import cycles, objections, publicity, publicity_plan, renames
from wengang.services.snapshots import SnapshotRefused
from wengang.snapshot.reading import SnapshotLayoutError

app = typer.Typer(help="周期与案件 / cycles and cases", no_args_is_help=True)
publicity_app = typer.Typer(help="公示 (第二道关口) / publicity, checkpoint 2", no_args_is_help=True)
objection_app = typer.Typer(help="公示异议 / objections during publicity", no_args_is_help=True)
case_app = typer.Typer(help="单个案件 / one case", no_args_is_help=True)

Snapshot = Annotated[str | None, typer.Option("--snapshot", help="快照id或目录, 默认最新 / default: newest")]
Engine = Annotated[str, typer.Option("--engine", help="duckdb | spark (Spark 读 Parquet 快照目录 / reads a Parquet "
                                                      "snapshot folder where it lies)")]


def handled(command):
    """Turn every refusal of the process into a one-line red error and a non-zero exit, never a trace."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SnapshotRefused as err:
            fail_refused(err)
        except (DomainError, PackError, SnapshotLayoutError, LookupError, ValueError) as err:
            fail(str(err))
        except bootstrap.STORE_ERRORS as err:
            fail(f"数据库错误 / database error: {str(getattr(err, 'orig', err)).strip().splitlines()[0]}")
    return run


def store():
    return bootstrap.store(bootstrap.settings())


def today() -> dt.date:
    """Today in Beijing by the clock units of work run on (a demo may set it back; production: the real day)."""
    return beijing_date(bootstrap.clock(bootstrap.settings()).now())


def amount_table(title: str, counts: dict) -> Table:
    table = Table(title=title)
    for col in ("状态 state", "案件 cases", "金额 amount (yuan)"):
        table.add_column(col, justify="right" if col != "状态 state" else "left")
    for state, (n, total) in sorted(counts.items()):
        table.add_row(state, f"{n:,}", f"{total:,}")
    return table


def print_status(s: cycles.CycleStatus) -> None:
    c = s.cycle
    console.print(f"[bold]周期 / cycle {c.id}[/] {c.program} · {c.pack} · as of {c.as_of} · "
                  f"snapshot {c.snapshot_id} · run {c.run_id} · opened by {c.opened_by}")
    console.print(f"比对轮次 / comparison rounds: {len(s.rounds)} of {c.rounds_required}")
    for b in s.batches:
        closed = "open" if b.is_open else f"closed {b.closed_on}"
        console.print(f"公示批次 / batch {b.number}: {b.starts_on} – {b.ends_on} ({b.days} days), "
                      f"{b.entries:,} entries, {closed}")
    console.print(amount_table(f"案件 / {s.cases:,} cases by state", s.counts))


@app.command("open")
@handled
@acting("cycle.run")
def open_(policy: Annotated[str, typer.Option("--policy", help="政策包 / pack id, e.g. beijing-2021")],
          as_of: Annotated[str, typer.Option("--as-of", help="评估日 / evaluation date YYYY-MM-DD")],
          snapshot: Snapshot = None, by: str = "",
          program: Annotated[str | None, typer.Option(
              help="项目 / program (默认: 政策包的项目 / default: the pack's)")] = None,
          engine: Engine = "duckdb") -> None:
    """开启周期: 评估并为每个单位建案 / evaluate and open one case per unit, routed by its decision."""
    with BarProgress("cycle open") as progress:
        s = cycles.open_cycle(policy, parse_date(as_of), store=store(), analytics=bootstrap.analytics(),
                              settings=bootstrap.settings(),
                              snapshot=snapshot, by=by, program=program, progress=progress, engine=engine)
    print_status(s)


@app.command("compare")
@handled
@acting("cycle.run")
def compare(cycle: int, snapshot: Snapshot = None, by: str = "", engine: Engine = "duckdb") -> None:
    """再一轮比对 (第一道关口) / another comparison round on newer data, before publicity."""
    with BarProgress("compare") as progress:
        r = cycles.compare(cycle, store=store(), analytics=bootstrap.analytics(),
                           settings=bootstrap.settings(), snapshot=snapshot, by=by,
                           progress=progress, engine=engine)
    console.print(f"第 {r.round} 轮 / round {r.round}: run {r.run_id} on snapshot {r.snapshot_id}: "
                  f"{r.changed:,} cases changed, {r.moved:,} moved")


@app.command("list")
@handled
def list_() -> None:
    """列出周期 / list cycles."""
    table = Table(title="周期 / cycles")
    for col in ("id", "program", "pack", "as of", "snapshot", "opened by", "opened at (UTC)"):
        table.add_column(col)
    for c in cycles.list_cycles(store=store()):
        table.add_row(str(c.id), c.program, c.pack, str(c.as_of), c.snapshot_id, c.opened_by,
                      f"{c.opened_at:%Y-%m-%d %H:%M}")
    console.print(table)


@app.command("status")
@handled
def status(cycle: int) -> None:
    """周期状态 / a cycle's rounds, batches and cases by state."""
    print_status(cycles.status(cycle, store=store()))


@app.command("cases")
@handled
def cases(cycle: int, state: Annotated[str | None, typer.Option(help="只看此状态 / only this state")] = None,
          limit: Annotated[int, typer.Option(help="最多 / at most")] = 50) -> None:
    """列出案件 / list a cycle's cases (id, unit, state, amount, reason)."""
    table = Table(title=f"周期 {cycle} 的案件 / cases of cycle {cycle}")
    for col in ("case", "uscc", "name", "state", "amount", "version", "reason"):
        table.add_column(col)
    for c in cycles.cases(cycle, store=store(), state=state, limit=limit):
        table.add_row(str(c.id), c.uscc, c.name, c.state.value, str(c.amount), str(c.version), c.reason)
    console.print(table)


@publicity_app.command("start")
@handled
@acting("publicity.run")
def publicity_start(cycle: int, starts: Annotated[str | None, typer.Option(
                        "--start", help="首日, 默认今天, 不得早于今天 / first day: today (default) or later")] = None,
                    by: str = "") -> None:
    """开始公示: 所有待公示案件进入新批次 / put every identified case of the cycle on a new list."""
    with BarProgress("publicity start") as progress:
        b = publicity.start(cycle, store=store(), starts_on=parse_date(starts) if starts else None, by=by,
                            progress=progress)
    console.print(f"公示批次 / batch [bold]{b.number}[/]: {b.entries:,} entries, "
                  f"{b.starts_on} – {b.ends_on} ({b.days} days)")


@publicity_app.command("plan")
@handled
@acting("publicity.run")
def publicity_plan_cmd(cycle: int, split: Annotated[str, typer.Option(
                           "--by", help="按区县/规模/数量 / district, size or count")] = "district",
                       per: Annotated[int | None, typer.Option("--per", help="每批最多案件数 / cases per batch")] = None,
                       first: Annotated[str | None, typer.Option(
                           "--first-day", help="首批首日, 默认今天 / first batch's day: today (default) or later")] = None,
                       every: Annotated[int, typer.Option("--every-days", help="批次间隔天数 / days between")] = 7,
                       by: str = "") -> None:
    """排公示计划: 把待公示案件分批并排定日期 / split the cycle's cases into dated publicity batches (Xining)."""
    saved = publicity_plan.plan(cycle, store=store(), by=split, per=per, first_day=parse_date(first) if first else None,
                                every_days=every, by_user=by)
    for p in saved:
        console.print(f"计划第 {p.seq} 批 / planned batch {p.seq}: {p.key or '-'} from {p.scheduled_on}")


@publicity_app.command("due")
@handled
@acting("publicity.run")
def publicity_due(cycle: Annotated[int | None, typer.Option("--cycle", help="只看这个周期 / one cycle only")] = None,
                  by: str = "") -> None:
    """开始到期的计划批次 / start every planned batch whose day has come (run it daily, e.g. from cron)."""
    started, passed = publicity_plan.start_due(store=store(), by=by, cycle_id=cycle)
    for b in started:
        console.print(f"公示批次 / batch [bold]{b.number}[/]: {b.entries:,} entries, {b.starts_on} – {b.ends_on}")
    for p, why in passed:
        console.print(f"计划第 {p.seq} 批未开始 / planned batch {p.seq} of cycle {p.cycle_id} passed over: {why}")
    if not started and not passed:
        console.print("今天没有到期的计划批次 / no planned batch is due today")


@publicity_app.command("export")
@handled
@acting("publicity.run")
def publicity_export(batch: str, out: Annotated[Path, typer.Option("--out", help="名单文件 .xlsx/.csv")],
                     by: str = "") -> None:
    """导出公示名单 / write the public list (name, credit code, ratio, amount, batch)."""
    path, rows = publicity.export(batch, out, store=store(), by=by)
    console.print(f"公示名单 / list written: {path} ({rows:,} rows)")


@publicity_app.command("close")
@handled
@acting("publicity.run")
def publicity_close(batch: str, on: Annotated[str | None, typer.Option(
                        "--on", help="结束日, 默认今天, 不得晚于今天 / closing day: today (default) or before")] = None,
                    by: str = "") -> None:
    """结束公示期 / close the publicity period (only once its last day has passed)."""
    b = publicity.close(batch, store=store(), closed_on=parse_date(on) if on else None, by=by)
    console.print(f"批次 / batch {b.number} closed on {b.closed_on}; open objections: {b.open_objections}")


@objection_app.command("add")
@handled
@acting("objection.record")
def objection_add(batch: str, uscc: str,
                  contact: Annotated[str, typer.Option("--contact", help="联系电话 (保密) / phone, kept private")],
                  text: Annotated[str, typer.Option("--text", help="异议内容 / what is objected")],
                  name: Annotated[str | None, typer.Option("--name", help="异议人 / objector")] = None,
                  on: Annotated[str | None, typer.Option("--on", help="提出日 / day raised")] = None,
                  by: str = "") -> None:
    """登记异议 (任何人可提出) / record an objection against an entry of a list (anyone may object)."""
    o = objections.add(batch, uscc, store=store(), contact=contact, text=text, objector=name,
                       raised_on=parse_date(on, today()), by=by)
    console.print(f"异议 / objection #{o.id} on case {o.case_id} ({o.batch}), contact {o.contact}")


@objection_app.command("decide")
@handled
@acting("objection.decide")
def objection_decide(objection: int, reason: Annotated[str, typer.Option("--reason", help="理由 / why")],
                     sustain: Annotated[bool, typer.Option("--sustain/--dismiss", help="成立/不成立")] = False,
                     by: str = "") -> None:
    """处理异议 / decide an objection: sustained removes the case from payment."""
    o = objections.decide(objection, store=store(), sustain=sustain, reason=reason, by=by)
    console.print(f"异议 / objection #{o.id}: {o.status}; case {o.case_id} is {o.case_state}")


@objection_app.command("list")
@handled
def objection_list(batch: str) -> None:
    """列出异议 (联系方式已遮蔽) / list a batch's objections, contacts masked."""
    table = Table(title=f"异议 / objections on {batch}")
    for col in ("#", "case", "uscc", "objector", "contact", "raised", "status", "text", "decision"):
        table.add_column(col)
    for o in objections.listing(batch, store=store()):
        table.add_row(str(o.id), str(o.case_id), o.uscc, o.objector, o.contact, str(o.raised_on),
                      o.status, o.text, o.decision_reason or "")
    console.print(table)


@case_app.command("rename")
@handled
@acting("case.rename")
def case_rename(case: int, name: Annotated[str, typer.Option("--name", help="更正后的单位名称 / the corrected name")],
                reason: Annotated[str, typer.Option("--reason", help="理由 / why")],
                by: str = "",
                version: Annotated[int | None, typer.Option("--version", help="案件版本 / expected version")] = None
                ) -> None:
    """更正无法写入银行文件的单位名称 / correct a unit name no bank file takes (audited, before payment only)."""
    c = renames.rename(case, store=store(), name=name, reason=reason, by=by, expected_version=version)
    console.print(f"案件 / case {c.id}: 名称已更正 / name corrected to {c.name!r} (version {c.version})")
