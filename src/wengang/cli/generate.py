"""`wengang generate city`: write a seeded synthetic city snapshot to try every command on realistic data."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wengang.cli.console import BarProgress, console, fail
from wengang.snapshot.generator import generate_city
from wengang.snapshot.generator_profiles import PROFILES

app = typer.Typer(help="合成数据 / synthetic data", no_args_is_help=True)


@app.command("city")
def city(
    out: Annotated[Path, typer.Argument(help="输出目录 / folder to write the snapshot files into")],
    units: Annotated[int | None, typer.Option(min=1, help="单位数 / number of insured units (默认按画像 / the "
                                                         "profile's: beijing 10,000, hongkou 6,000)")] = None,
    seed: Annotated[int, typer.Option(help="随机种子: 同种子同文件 / same seed, same bytes")] = 1,
    profile: Annotated[str, typer.Option(help=f"城市画像 / city profile: {', '.join(PROFILES)}")] = "beijing",
    dirty: Annotated[float, typer.Option(min=0.0, max=0.5, help="坏行比例 / share of bad rows")] = 0.0,
    fmt: Annotated[str, typer.Option("--format", help="parquet 或 csv")] = "parquet",
    base_year: Annotated[int | None, typer.Option(help="基准年 / base year (contributions cover it and the year "
                                                       "before; 默认按画像 / the profile's: beijing 2020, "
                                                       "hongkou 2022)")] = None,
) -> None:
    """生成合成城市快照 / generate a synthetic city snapshot (employers, contributions, separations, claims, flags,
    contacts, hires, interns, dues)."""
    if profile not in PROFILES:
        fail(f"未知画像 / unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    if fmt not in ("parquet", "csv"):
        fail(f"格式应为 parquet 或 csv / format must be parquet or csv, not {fmt!r}")
    units = units or PROFILES[profile].units
    base_year = base_year or PROFILES[profile].base_year
    started = time.perf_counter()
    with BarProgress("generate") as progress:
        counts = generate_city(out, units=units, seed=seed, profile=profile, dirty=dirty, fmt=fmt,
                               base_year=base_year, progress=progress)
    seconds = time.perf_counter() - started
    table = Table(title=f"合成城市 / synthetic city {profile} → {out}")
    table.add_column("文件 / file")
    table.add_column("行数 / rows", justify="right")
    for name, rows in counts.items():
        table.add_row(f"{name}.{fmt}", f"{rows:,}")
    table.add_row("[bold]合计 / total[/]", f"[bold]{sum(counts.values()):,}[/]")
    console.print(table)
    console.print(f"用时 / took {seconds:.1f} s (seed {seed}, base year {base_year}"
                  + (f", about {dirty:.1%} bad rows" if dirty else "") + ")")
