"""`wengang snapshot check|import|list`: validate and store the agency's snapshot folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.table import Table

from wengang import bootstrap
from wengang.cli.console import BarProgress, console, fail
from wengang.config import load_settings
from wengang.domain.errors import DomainError
from wengang.services import snapshots
from wengang.snapshot.reading import SnapshotLayoutError

app = typer.Typer(help="快照: 校验与导入 / snapshots: check and import", no_args_is_help=True)
SHOWN_FAULTS = 50

Encoding = Annotated[str | None, typer.Option(help="utf-8 或 gb18030; 默认自动识别 / default: detect")]
Report = Annotated[Path | None, typer.Option(help="错误报告CSV路径 / where to write the fault report CSV")]


def fail_refused(err: snapshots.SnapshotRefused) -> NoReturn:
    """A folder a command could not import: its faults and report as `snapshot import` shows them, then the error."""
    print_check(err.result.check)
    fail(err.summary)


def print_check(result: snapshots.CheckResult) -> None:
    """The files read, the warnings, and the first faults one per line with the report's path."""
    rows = Table(title=f"快照 / snapshot {result.folder}", show_lines=False)
    rows.add_column("文件 / file")
    rows.add_column("行数 / rows", justify="right")
    rows.add_column("编码 / encoding")
    for name, count in result.rows.items():
        rows.add_row(name, f"{count:,}", result.encodings.get(name, ""))
    console.print(rows)
    for warning in result.warnings:
        console.print(f"[yellow]警告 / warning:[/] {warning}")
    if not result.faults:
        console.print("[green]全部通过 / every row passed[/]")
        return
    console.print(f"[red]{len(result.faults):,} 处错误, 涉及 {result.bad_rows:,} 行 / "
                  f"{len(result.faults):,} faults in {result.bad_rows:,} rows[/]")
    for fault in sorted(result.faults)[:SHOWN_FAULTS]:
        console.print(f"  {fault}", markup=False, soft_wrap=True)
    if len(result.faults) > SHOWN_FAULTS:
        console.print(f"  … 另有 {len(result.faults) - SHOWN_FAULTS:,} 处 / and {len(result.faults) - SHOWN_FAULTS:,} more")
    console.print(f"报告 / report: {result.report}")


@app.command("check")
def check(folder: Path, encoding: Encoding = None, report: Report = None) -> None:
    """校验快照, 不写入 / validate a snapshot folder without storing it."""
    try:
        with BarProgress("check") as progress:
            result = snapshots.check_folder(folder, analytics=bootstrap.analytics(),
                                            settings=load_settings(), encoding=encoding, report=report,
                                            progress=progress)
    except (SnapshotLayoutError, snapshots.EncodingError) as err:
        fail(str(err))
    print_check(result)
    raise typer.Exit(1 if result.faults else 0)


@app.command("import")
def import_(
    folder: Path,
    lenient: Annotated[bool, typer.Option("--lenient", help="存好行, 隔离坏行 / store good rows, quarantine bad")] = False,
    encoding: Encoding = None,
    report: Report = None,
) -> None:
    """导入快照到分析库 / import a snapshot folder into the analytical store (strict by default)."""
    try:
        with BarProgress("import") as progress:
            result = snapshots.import_folder(folder, analytics=bootstrap.analytics(),
                                             settings=load_settings(), encoding=encoding, lenient=lenient,
                                             report=report, progress=progress)
    except (SnapshotLayoutError, snapshots.EncodingError, DomainError) as err:
        fail(str(err))
    info = result.snapshot
    if result.already and info is not None:      # found by the files' hash: not read again, so nothing to print
        for warning in result.check.warnings:
            console.print(f"[yellow]警告 / warning:[/] {warning}")
        console.print(f"已导入过, 未重复导入 / already imported as snapshot [bold]{info.id}[/] "
                      f"on {info.imported_at:%Y-%m-%d %H:%M} ({info.mode}; "
                      f"{', '.join(f'{k} {v:,}' for k, v in info.row_counts.items())}; "
                      f"隔离 / quarantined {info.quarantined:,} rows)")
        return
    print_check(result.check)
    if result.refused or info is None:           # refused is the one result without a snapshot
        fail("严格模式: 有错误行, 未写入任何数据 / strict import refused: nothing was stored "
             "(fix the rows or use --lenient)" if not lenient else
             "文件结构错误, 未写入任何数据 / the files' structure is broken: nothing was stored")
    console.print(f"[green]已导入 / imported snapshot[/] [bold]{info.id}[/] "
                  f"({', '.join(f'{k} {v:,}' for k, v in info.row_counts.items())}; "
                  f"隔离 / quarantined {info.quarantined:,} rows)")


@app.command("list")
def list_() -> None:
    """列出已导入快照 / list imported snapshots."""
    from wengang.snapshot import store

    settings = load_settings()
    if not settings.analytics_path.exists():
        console.print("尚无快照 / no snapshot imported yet")
        return
    try:
        con = store.connect(settings.analytics_path, read_only=True)
    except DomainError as err:
        fail(str(err))
    table = Table("id", "imported", "mode", "rows", "quarantined", "source")
    for info in store.list_snapshots(con):
        table.add_row(info.id, f"{info.imported_at:%Y-%m-%d %H:%M}", info.mode,
                      f"{sum(info.row_counts.values()):,}", f"{info.quarantined:,}", info.source)
    console.print(table)
