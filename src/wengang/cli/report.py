"""`wengang report monthly`: the monthly statistics report (issue 19.3) of the payments settled in a month, by
programme, as xlsx and PDF files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wengang import bootstrap
from wengang.cli.console import console, fail
from wengang.cli.cycle import handled, store
from wengang.documents.pdf import NoFont

app = typer.Typer(help="统计报表 / statistics reports", no_args_is_help=True)


@app.command("monthly")
@handled
def monthly(month: Annotated[str, typer.Option("--month", help="月份 / the month, YYYY-MM")],
            xlsx: Annotated[Path | None, typer.Option("--xlsx", help="写入 xlsx / write the report as xlsx")] = None,
            pdf: Annotated[Path | None, typer.Option("--pdf", help="写入 PDF / write the report as PDF")] = None,
            authority: Annotated[str, typer.Option("--authority", help="发布机关 / the issuing bureau")] = "") -> None:
    """统计月报 / units, amount, employees covered and SME share by programme of the payments settled in a month."""
    from wengang.services import monthly_report

    m = monthly_report.monthly(month, store=store())
    table = Table(title=monthly_report.title(m))
    for name in ("项目 programme", "单位 units", "金额 yuan", "惠及职工 employees", "中小微 SMEs"):
        table.add_column(name, justify="left" if name.startswith("项目") else "right")
    for r in [*m.rows, m.total]:
        table.add_row(monthly_report.programme_words(r.program) if r.program else "合计 / total", f"{r.units:,}",
                      f"{r.amount:,.2f}", f"{r.insured:,}", f"{r.sme:,}")
    console.print(table)
    if xlsx is not None:
        xlsx.write_bytes(monthly_report.xlsx(m))
        console.print(f"xlsx 已写入 / written to {xlsx}")
    if pdf is not None:
        try:
            data = monthly_report.pdf(m, authority=authority or monthly_report.AUTHORITY,
                                      font=bootstrap.settings().cjk_font)
        except NoFont as err:
            fail(str(err))
        pdf.write_bytes(data)
        console.print(f"PDF 已写入 / written to {pdf}")
