"""A snapshot file read as text: the spec's columns in order, a line number per row, and what was wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from wengang.snapshot.faults import Fault, shown
from wengang.snapshot.schema import FileSpec

LINE = "__line"


@dataclass
class RawFile:
    """A file read as text: every spec column present as a string column, plus its line number."""

    spec: FileSpec
    path: Path
    table: pa.Table
    faults: list[Fault] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    encoding: str = ""
    broken: bool = False          # the file as a whole cannot be used (unreadable, header ambiguous, no rows …)
    undecoded: set[int] = field(default_factory=set)   # lines kept (escaped) only so their unit can be followed

    @property
    def display(self) -> str:
        return self.path.name

    @property
    def unusable(self) -> bool:
        """No row of it can be checked or stored: even a lenient import refuses the snapshot."""
        return self.broken or bool(self.missing_required)

    def fault_file(self, line: int, column: str, value: str, reason: str) -> None:
        """A fault that makes the whole file unusable."""
        self.faults.append(Fault(self.display, line, column, shown(value), reason))
        self.broken = True


def conform(raw: RawFile, header_line: int) -> None:
    """Keep the spec's columns in order (a spec column named twice is a fault); note missing required ones;
    warn about extras."""
    spec_names = set(raw.spec.column_names)
    first: dict[str, int] = {}
    for i, name in enumerate(raw.table.column_names):
        if name not in first:
            first[name] = i
        elif name in spec_names:
            raw.fault_file(header_line, name, name,
                           f"表头第 {first[name] + 1} 列和第 {i + 1} 列同名, 无法确定用哪一列 / the header names "
                           f"{name!r} twice (columns {first[name] + 1} and {i + 1}): which one holds the data?")
    for extra in sorted(set(first) - spec_names):
        raw.warnings.append(f"{raw.display}: 忽略未知列 / ignored unknown column '{shown(extra)}'")
    for col in raw.spec.columns:
        if col.name not in first and col.required:
            raw.missing_required.append(col.name)
            raw.faults.append(Fault(raw.display, header_line, col.name, "",
                                    "缺少必需列 / required column missing from the header"))
    n = raw.table.num_rows
    arrays = [raw.table.column(first[c.name]) if c.name in first else pa.nulls(n, pa.string())
              for c in raw.spec.columns]
    raw.table = pa.table(arrays, names=list(raw.spec.column_names))


def add_lines(raw: RawFile, lines: pa.Array) -> None:
    """Append the line number column every fault and the quarantine point at."""
    raw.table = raw.table.append_column(LINE, lines)
