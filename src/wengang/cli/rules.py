"""`wengang rules doc`: docs/rules.md written from the criterion registry, so the page says what the engine does."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wengang.cli.console import console, fail

app = typer.Typer(help="规则 / the criterion registry", no_args_is_help=True)


@app.command("doc")
def doc(
    out: Annotated[Path, typer.Option("--out", help="写入 / file to write")] = Path("docs/rules.md"),
    check: Annotated[bool, typer.Option("--check", help="只检查是否最新 / only check it is up to date")] = False,
) -> None:
    """由条件登记表生成规则说明 / write docs/rules.md from the criterion registry and the shipped packs."""
    from wengang.rules.doc import rules_markdown, write
    from wengang.rules.parameters import PackError

    try:
        text = rules_markdown()
    except PackError as err:                      # a pack that does not load: said, never a traceback
        fail(str(err))
    if check:
        if not out.is_file() or out.read_text(encoding="utf-8") != text:
            fail(f"{out} 已过期 / is out of date: run `wengang rules doc --out {out}`")
        console.print(f"{out} 已是最新 / is up to date")
        return
    changed = write(out)
    console.print(f"{'已写入 / written' if changed else '无变化 / unchanged'}: {out}")
