"""The one way an xlsx file is written: a real spreadsheet (a bureau works in Excel) — a title, a bold frozen header
with a filter, column widths, amounts and counts as numbers with their format, a totals row — and text that never
runs as a formula (rules.output.sheet_row)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from wengang.rules.output import sheet_row

FORMATS = {"money": "#,##0.00", "count": "#,##0", "ratio": "0.00%", "text": "@", "date": "yyyy-mm-dd"}
TOTAL_LABEL = "合计 / total"


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its header (Chinese / English), what it holds, its width in characters, whether it is summed."""

    title: str
    kind: str = "text"            # a key of FORMATS
    width: int = 14
    total: bool = False


@dataclass(frozen=True, slots=True)
class Sheet:
    """One sheet's content: its tab name, a title line above the header (or none), its columns and rows."""

    name: str
    title: str | None
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _number(value: Any) -> Any:
    """An amount kept exact: a Decimal or int as it is, a numeric text (how some reports carry money) as a Decimal."""
    if isinstance(value, str) and value:
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def _write(book: Any, sheet: Sheet) -> int:
    """The sheet into the write-only book; how many data rows it holds."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    ws = book.create_sheet(sheet.name)
    bold = Font(bold=True)
    for i, column in enumerate(sheet.columns):
        ws.column_dimensions[_letter(i)].width = column.width
    header_row = 2 if sheet.title else 1
    ws.freeze_panes = f"A{header_row + 1}"        # before the first row: a write-only sheet writes its view then
    if sheet.title:
        title = WriteOnlyCell(ws, value=sheet.title)
        title.font = Font(bold=True, size=13)
        ws.append([title])
    cells = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=column.title)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cells.append(cell)
    totals: list[Decimal] = [Decimal(0)] * len(sheet.columns)
    count = 0
    numeric = [c.kind in ("money", "count", "ratio") for c in sheet.columns]
    ws.append(cells)
    for values in sheet.rows:
        row = []
        for i, value in enumerate(values):
            if i < len(numeric) and numeric[i]:
                value = _number(value)
                if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                    if sheet.columns[i].total:
                        totals[i] += value
                    cell = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]  # a Decimal is written exactly
                    cell.number_format = FORMATS[sheet.columns[i].kind]
                    value = cell
            row.append(value)
        ws.append(sheet_row(ws, row))
        count += 1
    last = header_row + count
    ws.auto_filter.ref = f"A{header_row}:{_letter(len(sheet.columns) - 1)}{max(last, header_row)}"
    if any(c.total for c in sheet.columns):
        ws.append(_totals_row(ws, sheet.columns, totals, count))
    return count


def _totals_row(ws: Any, columns: Sequence[Column], totals: list[Decimal], count: int) -> list[Any]:
    """The sums as numbers, worked out here (exact, and read the same by a program that never recalculates)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    row: list[Any] = []
    for i, column in enumerate(columns):
        if column.total:
            cell = WriteOnlyCell(ws, value=totals[i])  # type: ignore[arg-type]  # a Decimal is written exactly
            cell.number_format = FORMATS[column.kind]
        else:
            cell = WriteOnlyCell(ws, value=(f"{TOTAL_LABEL} ({count:,})" if i == 0 else None))
        cell.font = Font(bold=True)
        row.append(cell)
    return row


def workbook(*sheets: Sheet) -> bytes:
    """The sheets as xlsx bytes (write-only: a long list streams instead of being held as cell objects)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for sheet in sheets:
        _write(book, sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
