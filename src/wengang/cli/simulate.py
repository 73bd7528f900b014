"""`wengang simulate`: a stored run decided again with some values changed — the cost, by district, size, industry
and unit type, who gains and who loses — printed, kept as a simulation (never a run) and optionally as xlsx or as a
PDF brief."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wengang import bootstrap
from wengang.cli.console import BarProgress, console, fail, print_wide
from wengang.config import load_settings
from wengang.documents.pdf import NoFont
from wengang.domain.errors import DomainError
from wengang.domain.simulation import Simulated

SHOWN_UNITS = 5         # the units with the largest change printed per kind of movement (the xlsx lists more)


def simulate(
    run_id: Annotated[str, typer.Argument(help="已存评估批次 / stored run id (wengang evaluate prints it)")],
    sets: Annotated[list[str] | None, typer.Option(
        "--set", help="参数=值, 可多次 / KEY=VALUE, repeatable, e.g. ratio_sme=90% or layoff_limit=5.5%")] = None,
    region: Annotated[str, typer.Option(
        "--region", help="只改该地区 (区划代码前缀) / change for this division-code prefix only")] = "",
    cap: Annotated[str | None, typer.Option("--cap", help="预算上限(元) / budget cap in yuan")] = None,
    cap_mode: Annotated[str | None, typer.Option(
        "--cap-mode", help="proportional (按比例压减, 默认) | ceiling (每单位封顶)")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="导出 xlsx / write the figures as xlsx")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="导出PDF简报 / write the brief with charts as PDF")] = None,
) -> None:
    """模拟修改政策参数 / try a change of parameters on a stored run: the cost, who gains, who loses."""
    from wengang.services import simulation, simulation_brief, simulation_sheets

    settings = load_settings()
    try:
        changes = simulation.parse_changes(sets or [], region)
        capped = simulation.parse_cap(cap, cap_mode)
        with BarProgress("simulate") as progress:
            result = simulation.simulate(run_id.strip(), changes, capped,
                                         analytics=bootstrap.analytics(settings), progress=progress)
            if xlsx is not None:
                progress.step(f"写入 / writing {xlsx}")
                simulation_sheets.write_xlsx(result, xlsx)
            if pdf is not None:
                progress.step(f"写入 / writing {pdf}")
                simulation_brief.write_pdf(result, pdf, printed_at=bootstrap.clock(settings).now(),
                                           font=settings.cjk_font)
    except (DomainError, NoFont) as err:
        fail(str(err))
    _print(result)
    for kind, out in (("xlsx", xlsx), ("PDF", pdf)):
        if out is not None:
            console.print(f"{kind} 已写入 / written to {out}")


def _print(s: Simulated) -> None:
    """The summary, each breakdown, the movements, the bands, SME coverage and the largest changes."""
    from wengang.services.simulation import share
    from wengang.services.simulation_sheets import (
        GROUP_WORDS,
        MOVEMENT_WORDS,
        band_words,
        decision_words,
        group_name,
        headline,
        largest,
        shown_yuan,
    )

    console.print(f"[bold]{headline(s)}[/]")
    money = ("金额 调整前 before", "修改参数后 with changes", "预算上限后 after cap", "差额 difference")
    groups = [("合计 total", [s.totals])] + [(" ".join(GROUP_WORDS[g]), s.groups[g]) for g in GROUP_WORDS]
    for title, rows in groups:
        table = Table(title=title)
        for col in ("", "符合 调整前 eligible before", "符合 调整后 after", *money):
            table.add_column(col, justify="right")
        grouping = next((g for g in GROUP_WORDS if " ".join(GROUP_WORDS[g]) == title), "")
        for g in rows:
            table.add_row(group_name(grouping, g.key) if grouping else "合计 total", f"{g.units_before:,}",
                          f"{g.units_after:,}", shown_yuan(g.fen_before), shown_yuan(g.fen_changed),
                          shown_yuan(g.fen_after), shown_yuan(g.fen_after - g.fen_before))
        print_wide(table)
    moves = Table(title="单位变动 / who moved")
    for col in ("变动 movement", "单位数 units", "金额 调整前 before", "金额 调整后 after", "差额 difference"):
        moves.add_column(col, justify="right")
    for m in s.movements:
        moves.add_row(" ".join(MOVEMENT_WORDS[m.kind]), f"{m.units:,}", shown_yuan(m.fen_before),
                      shown_yuan(m.fen_after), shown_yuan(m.fen_after - m.fen_before))
    print_wide(moves)
    bands = Table(title="金额分布 / amounts by band (符合单位 eligible units)")
    for col in ("金额 amount", "调整前 before", "调整后 after"):
        bands.add_column(col, justify="right")
    for b in s.bands:
        bands.add_row(band_words(b), f"{b.units_before:,}", f"{b.units_after:,}")
    print_wide(bands)
    cb, ca = s.coverage_before, s.coverage_after
    console.print(f"中小微覆盖 / SME coverage: 中小微占符合单位 SMEs among eligible {share(cb.eligible_smes, cb.eligible)} → "
                  f"{share(ca.eligible_smes, ca.eligible)}; 符合的中小微占中小微 eligible among SMEs "
                  f"{share(cb.eligible_smes, cb.smes)} → {share(ca.eligible_smes, ca.smes)}")
    biggest = largest(s, SHOWN_UNITS)
    if biggest:
        units = Table(title=f"变动最大的单位 / largest changes (每类最多 {SHOWN_UNITS} / at most {SHOWN_UNITS} of each kind)")
        for col in ("变动 movement", "统一社会信用代码 USCC", "单位 unit", "区县 district", "决定 decision",
                    "调整前 before", "调整后 after", "差额 difference"):
            units.add_column(col)
        for r in biggest:
            units.add_row(" ".join(MOVEMENT_WORDS[r["movement"]]), r["uscc"], r["name"] or "", group_name("district", r["district"]),
                          f"{decision_words(r['decision_before'])} → {decision_words(r['decision_after'])}",
                          shown_yuan(r["fen_before"]), shown_yuan(r["fen_after"]), shown_yuan(r["difference"]))
        print_wide(units)
    if s.id:
        console.print(f"模拟已保存 (仅汇总, 不是评估批次) / simulation {s.id} kept (aggregates only, never a run)")
