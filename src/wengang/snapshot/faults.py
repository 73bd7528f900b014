"""A fault is one precise complaint about one value: file, line, column, value and reason."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from wengang.domain.cells import csv_cell

REPORT_HEADER = ("file", "line", "column", "value", "reason")
SHOWN_LIMIT = 80


def shown(value: str) -> str:
    """A cell as a fault shows it: control characters escaped and a long value cut, so one bad cell (a newline,
    200 characters) cannot break the report's line or echo more of the file than the cell."""
    if len(value) <= SHOWN_LIMIT and value.isprintable():
        return value
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in value)
    return text if len(text) <= SHOWN_LIMIT else text[:SHOWN_LIMIT - 1] + "…"


@dataclass(frozen=True, order=True)
class Fault:
    """One bad value (or a whole bad row/file when column is empty)."""

    file: str
    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f" [{self.column}]" if self.column else "")
        value = shown(self.value)
        value = value if len(value) <= 60 else value[:57] + "..."
        return f"{where} '{value}': {self.reason}"


def write_report(faults: list[Fault], path: Path) -> Path:
    """The CSV report staff open in Excel (UTF-8 with BOM so Excel shows the Chinese)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(REPORT_HEADER)
        for f in sorted(faults):
            writer.writerow([csv_cell(v) for v in (f.file, f.line, f.column, f.value, f.reason)])
    tmp.replace(path)
    return path
