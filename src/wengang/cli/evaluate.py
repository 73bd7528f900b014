"""`wengang evaluate` and `wengang explain`: decide every unit, and say why for one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wengang import bootstrap
from wengang.cli.console import BarProgress, console, fail, parse_date
from wengang.cli.snapshot import Encoding, fail_refused
from wengang.config import load_settings
from wengang.domain.errors import DomainError


def evaluate(
    snapshot: Annotated[str, typer.Argument(help="快照目录或已导入快照id / snapshot folder or imported id")],
    policy: Annotated[str, typer.Option("--policy", help="政策包 / pack id, e.g. beijing-2021")],
    as_of: Annotated[str, typer.Option("--as-of", help="评估日 / evaluation date YYYY-MM-DD")],
    out: Annotated[Path, typer.Option("--out", help="决定文件 / decisions file")] = Path("decisions.csv"),
    fmt: Annotated[str, typer.Option("--format", help="csv | parquet | xlsx")] = "csv",
    engine: Annotated[str, typer.Option("--engine", help="duckdb | spark")] = "duckdb",
    persons: Annotated[Path | None, typer.Option(
        "--persons", help="按人明细 (扩岗、见习等按人补助) / per-person file of a programme that pays per person")] = None,
    encoding: Encoding = None,
) -> None:
    """按政策包评估快照中每个单位 / decide, price and explain every unit of a snapshot."""
    from wengang.rules.explain import yuan
    from wengang.rules.output import FORMATS
    from wengang.rules.parameters import PackError
    from wengang.services import evaluation
    from wengang.services.snapshots import SnapshotRefused
    from wengang.snapshot.reading import SnapshotLayoutError

    day = parse_date(as_of)
    if fmt not in FORMATS:
        fail(f"未知格式 / unknown format {fmt!r}; use {', '.join(FORMATS)}")
    if persons is not None:
        _per_person_or_fail(policy)
    try:
        with BarProgress("evaluate") as progress:
            result = evaluation.evaluate(snapshot, policy, day, analytics=bootstrap.analytics(),
                                         settings=load_settings(), engine=engine, encoding=encoding,
                                         progress=progress)
            progress.step(f"写入 / writing {out}")
            evaluation.write_decisions(result, out, fmt)
            if persons is not None:
                evaluation.write_persons(result, policy, persons, fmt)
    except SnapshotRefused as err:
        fail_refused(err)
    except (PackError, SnapshotLayoutError, LookupError, ValueError, DomainError) as err:
        fail(str(err))
    s = result.summary
    table = Table(title=f"评估结果 / decisions — {s.pack} as of {s.as_of} (run {s.id}, snapshot {s.snapshot_id})")
    for col in ("单位 units", "符合 eligible", "审核 review", "不符合 ineligible", "返还总额 amount", "用时 seconds"):
        table.add_column(col, justify="right")
    table.add_row(f"{s.units:,}", f"{s.eligible:,}", f"{s.review:,}", f"{s.ineligible:,}", yuan(s.amount_fen),
                  f"{s.seconds:.2f}")
    console.print(table)
    if result.relief is not None:
        _print_relief(*evaluation.relief_totals(result))
        console.print(f"减免明细 / relief per unit, month and insurance written to {out}")
        return
    console.print(f"决定文件 / decisions written to {out}")
    if persons is not None:
        console.print(f"按人明细 / per-person file written to {persons}")


def _per_person_or_fail(policy: str) -> None:
    """Refuse `--persons` for a pack that pays per unit before any work is done."""
    from wengang.rules.parameters import PackError, load_pack
    from wengang.rules.programmes import programme_of

    try:
        programme = programme_of(load_pack(policy))
    except PackError as err:
        fail(str(err))
    if not programme.persons:
        fail(f"政策包 {policy} 按单位核定 ({programme.name[0]}), 没有按人明细; 请去掉 --persons / "
             f"pack {policy} pays per unit ({programme.name[1]}): there is no per-person file; drop --persons")


def _print_relief(by_kind: list[dict], by_month: list[dict]) -> None:
    """Contribution relief's totals: by kind and SMEs vs the others, then by month (POLICIES.md §4)."""
    from wengang.rules.explain import yuan

    kinds = {"exempt": "免征 exempt", "halve": "减半 halve", "defer": "缓缴 defer", "unknown": "未知 unknown"}
    groups = {"sme": "中小微 SMEs", "other": "其他 others"}
    table = Table(title="减免缓缴合计 / contribution relief totals (未知行不计入金额 / unknown rows not summed)")
    for col in ("类别 kind", "单位 group", "单位数 units", "行 rows", "应缴 due", "减免 relief", "缓缴 deferred",
                "缓缴单位 units deferred", "未知行 rows unknown"):
        table.add_column(col, justify="right")
    for r in by_kind:
        table.add_row(kinds.get(r["kind"], r["kind"]), groups[r["size_group"]], f"{r['units']:,}", f"{r['rows']:,}",
                      yuan(r["due_fen"]), yuan(r["relief_fen"]), yuan(r["deferred_fen"]), f"{r['units_deferred']:,}",
                      f"{r['rows_unknown']:,}")
    console.print(table)
    months = Table(title="按月 / by month")
    for col in ("月份 month", "减免 中小微 relief SMEs", "减免 其他 relief others", "缓缴 deferred", "缓缴单位 units deferred"):
        months.add_column(col, justify="right")
    for r in by_month:
        months.add_row(r["month"], yuan(r["sme_fen"]), yuan(r["other_fen"]), yuan(r["deferred_fen"]),
                       f"{r['units_deferred']:,}")
    console.print(months)


def explain(
    uscc: Annotated[str, typer.Argument(help="统一社会信用代码 / credit code")],
    run: Annotated[str | None, typer.Option(help="评估批次 / run id (default: newest)")] = None,
) -> None:
    """解释一个单位的决定 / explain one unit's decision, criterion by criterion."""
    from wengang.services.explanations import explain_unit

    try:
        found = explain_unit(uscc.strip().upper(), analytics=bootstrap.analytics(load_settings()), run_id=run)
    except DomainError as err:
        fail(str(err))
    if found is None:
        fail(f"没有该单位的评估结果 / no decision stored for {uscc}; run `wengang evaluate` first")
    headline, lines = found
    console.print(f"[bold]{headline}[/]")
    table = Table(show_lines=True)
    for col in ("条件 criterion", "结果 outcome", "读取的数据 values read", "比较的参数 parameter (value, from, reference)"):
        table.add_column(col)
    for line in lines:
        table.add_row(line.label, line.outcome, line.read, line.compared_with)
    console.print(table)
