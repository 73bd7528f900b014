"""The monthly statistics report (issue 19.3), in the shape the ministry's statistics take: for the payments settled in
one month (Beijing calendar) and still paid, by programme — units, amount, employees covered (惠及职工) and the
share of small, medium and micro units — as a real spreadsheet and as a printed PDF."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from wengang.documents.pdf import Notice, render
from wengang.domain.days import BEIJING
from wengang.domain.errors import Refused
from wengang.domain.figures import Settled
from wengang.domain.ports import Store
from wengang.rules.programmes import PROGRAMMES
from wengang.rules.sheets import Column, Sheet, workbook

MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
AUTHORITY = "人力资源和社会保障局 / Human Resources and Social Security Bureau"
COLUMNS = (Column("项目 / programme", width=36), Column("单位数 / units", "count", 14, True),
           Column("金额(元) / amount (yuan)", "money", 20, True),
           Column("惠及职工(人) / employees covered", "count", 20, True),
           Column("人数未知的单位 / units, headcount unknown", "count", 20, True),
           Column("中小微企业 / SMEs", "count", 14, True), Column("中小微企业占比 / SME share", "ratio", 18))


@dataclass(frozen=True, slots=True)
class Monthly:
    """One month's report: its rows by programme and their total."""

    month: str
    rows: list[Settled]
    total: Settled

    @staticmethod
    def share(row: Settled) -> Decimal | None:
        """Small, medium and micro units among the row's units, as a fraction to four places (None: no unit)."""
        return (Decimal(row.sme) / row.units).quantize(Decimal("0.0001")) if row.units else None


def bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The month's Beijing calendar as naive UTC instants: its first midnight, and the next month's."""
    found = MONTH.match(month.strip())
    if not found:
        raise Refused(f"月份应为 年-月, 如 2021-11 / the month is written YYYY-MM, such as 2021-11: {month[:20]}")
    year, number = int(found.group(1)), int(found.group(2))
    start = dt.datetime(year, number, 1, tzinfo=BEIJING)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=BEIJING)
    return (start.astimezone(dt.UTC).replace(tzinfo=None), end.astimezone(dt.UTC).replace(tzinfo=None))


def monthly(month: str, *, store: Store) -> Monthly:
    """The month's payments by programme, counted by the store."""
    since, until = bounds(month)
    with store.reading() as uow:
        rows = uow.figures.settled(since, until)
    total = Settled("", sum(r.units for r in rows), sum((r.amount for r in rows), Decimal("0.00")),
                    sum(r.insured for r in rows), sum(r.insured_unknown for r in rows), sum(r.sme for r in rows))
    return Monthly(month.strip(), rows, total)


def programme_words(program: str) -> str:
    """A programme by its name, Chinese first ("失业保险稳岗返还 / unemployment insurance return")."""
    found = PROGRAMMES.get(program)
    return " / ".join(found.name) if found else program


def title(m: Monthly) -> str:
    """The report's title, naming its month."""
    return f"{m.month} 就业补助资金发放统计月报 / monthly statistics of payments settled in {m.month}"


def xlsx(m: Monthly) -> bytes:
    """The report as a spreadsheet: amounts and counts as numbers with their format, the shares as percentages, the
    sums in a totals row; the whole month's SME share in the title line."""
    share = Monthly.share(m.total)
    head = f"{title(m)} · 中小微企业占比 / SME share {share * 100:.2f}%" if share is not None else title(m)
    rows = [(programme_words(r.program), r.units, r.amount, r.insured, r.insured_unknown, r.sme, Monthly.share(r))
            for r in m.rows]
    return workbook(Sheet(f"月报 {m.month}", head, COLUMNS, rows))


def pdf(m: Monthly, *, authority: str = AUTHORITY, font: Path | None = None) -> bytes:
    """The report as a printed table (A4, the CJK font embedded), its total as the last line."""
    def line(name: str, r: Settled) -> list[str]:
        """One printed row: counts and yuan with separators, the share as a percentage."""
        share = Monthly.share(r)
        unknown = f" ({r.insured_unknown} 个单位未知 / unknown)" if r.insured_unknown else ""
        return [name, f"{r.units:,}", f"{r.amount:,.2f}", f"{r.insured:,}{unknown}",
                f"{share * 100:.2f}%" if share is not None else "—"]
    table = [["项目 / programme", "单位数 / units", "金额(元) / yuan", "惠及职工 / employees", "中小微占比 / SME share"],
             *(line(programme_words(r.program), r) for r in m.rows), line("合计 / total", m.total)]
    said = [f"统计口径: {m.month} 月内 (北京时间) 银行已入账且未退回的支付, 按项目汇总。 / Payments settled by the "
            f"banks in {m.month} (Beijing time) and not returned, by programme."]
    return render(Notice(authority, title(m), said, table, widths=(62, 22, 32, 32, 22), numeric_last=True,
                         reference=f"月报 {m.month}"), font=font)
