"""A snapshot file read as text: the spec's columns in order, a line number per row, and what was wrong."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from wengang.snapshot.faults import Fault, shown
from wengang.snapshot.schema import FileSpec

LINE = "__line"
Batches = Callable[[], Iterator[pa.Table]]


class Reread(Exception):
    """The fast reader met a row it cannot place on its exact line: the file is read again by the exact reader."""


@dataclass
class RawFile:
    """A file read as text: every spec column present as a string column, plus its line number. A large file is
    not held here: `stream` yields it batch by batch (already conformed, with lines) for the store to load."""

    spec: FileSpec
    path: Path
    table: pa.Table | None
    faults: list[Fault] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    encoding: str = ""
    broken: bool = False          # the file as a whole cannot be used (unreadable, header ambiguous, no rows …)
    undecoded: set[int] = field(default_factory=set)   # lines kept (escaped) only so their unit can be followed
    rows: int = 0
    stream: Batches | None = None
    reread: Callable[[], RawFile] | None = None        # the exact reader, when `stream` raises Reread
    query: str | None = None      # a SELECT of the spec's columns as text and the line, DuckDB reading the file (?)
    checked_query: Callable[[Sequence[str]], str] | None = None   # beside `query`: given the typed columns, the rows that pass
    checked: bool = False         # every value passed the batch checks as it streamed: no value has a fault
    typed: tuple[str, ...] = ()   # columns loaded in their stored type (checked), not as text
    summary: str | None = None    # contributions checked: a table of their facts per unit and year (facts.py)
    stage: str = ""               # the schema its table is loaded into (an import's own, to keep it), or "": temporary

    def __post_init__(self) -> None:
        if self.table is not None:
            self.rows = self.table.num_rows

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


UNREADABLE = "无法读取 Parquet 文件 / cannot read the Parquet file: "


def cannot_read(raw: RawFile, err: Exception) -> None:
    """A Parquet file that cannot be read (opened, or read on to its end) is one fault of the file."""
    raw.fault_file(0, "", "", UNREADABLE + first_line(err, raw.path))


def first_line(err: Exception, path: Path) -> str:
    """The reader's complaint in one line, without the full path of the file (its name is in the fault)."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return shown(text.replace(str(path), path.name))


def layout(raw: RawFile, names: Sequence[str], header_line: int) -> list[int | None]:
    """Where each spec column is among the file's `names` (None: absent); a spec column named twice is a fault,
    a missing required one is noted, extras are warned about. Decided from the header alone, before any row."""
    spec_names = set(raw.spec.column_names)
    first: dict[str, int] = {}
    for i, name in enumerate(names):
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
    return [first.get(c.name) for c in raw.spec.columns]


def pick(raw: RawFile, part: pa.Table | pa.RecordBatch, where: list[int | None]) -> pa.Table:
    """The spec's columns of one part of the file, in order; an absent column is all empty."""
    n = part.num_rows
    arrays = [part.column(i) if i is not None else pa.nulls(n, pa.string()) for i in where]
    return pa.table(arrays, names=list(raw.spec.column_names))


def conform(raw: RawFile, header_line: int) -> None:
    """Keep the spec's columns of a table read whole, in order (see `layout`)."""
    assert raw.table is not None
    raw.table = pick(raw, raw.table, layout(raw, raw.table.column_names, header_line))


def numbered(part: pa.Table, first_line: int) -> pa.Table:
    """A part of the file with the line number of each row, counted on from `first_line`."""
    return part.append_column(LINE, pa.array(np.arange(first_line, first_line + part.num_rows, dtype=np.int64)))


def add_lines(raw: RawFile, lines: pa.Array) -> None:
    """Append the line number column every fault and the quarantine point at."""
    assert raw.table is not None
    raw.table = raw.table.append_column(LINE, lines)
