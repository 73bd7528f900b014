"""A fault is one precise complaint about one value: file, line, column, value and reason."""

from __future__ import annotations

import csv
from pathlib import Path

from wengang.domain.cells import csv_cell
from wengang.domain.snapshots import SHOWN_LIMIT, Fault, shown

__all__ = ["REPORT_HEADER", "SHOWN_LIMIT", "Fault", "shown", "write_report"]

REPORT_HEADER = ("file", "line", "column", "value", "reason")


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
