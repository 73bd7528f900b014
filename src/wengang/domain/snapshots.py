"""Imported snapshots as the rest of the system knows them: what is stored, and what a check of a folder found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

SHOWN_LIMIT = 80


def schema_of(snapshot_id: str) -> str:
    """The name under which the analytical store keeps one snapshot's tables."""
    return f"snap_{snapshot_id}"


@dataclass(frozen=True)
class SnapshotInfo:
    """What the registry knows of one imported snapshot."""

    id: str
    content_hash: str
    source: str
    imported_at: datetime
    mode: str
    files: dict[str, str]
    row_counts: dict[str, int]
    quarantined: int

    @property
    def schema(self) -> str:
        return schema_of(self.id)


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
        if not self.column and not self.value:          # a fault of the file or of a whole row: no value to show
            return f"{where}: {self.reason}"
        value = shown(self.value)
        value = value if len(value) <= 60 else value[:57] + "..."
        return f"{where} '{value}': {self.reason}"

    @property
    def structural(self) -> bool:
        """A fault of a whole file (line 0), not of one row: lenient mode cannot set it aside."""
        return self.line == 0


@dataclass
class CheckResult:
    """Everything found in a folder: faults, warnings and the row counts read; `unusable` when a file could not be
    read as a table at all. `report` is where the fault report was written, once it is."""

    folder: Path
    content_hash: str
    faults: list[Fault]
    warnings: list[str]
    rows: dict[str, int]
    encodings: dict[str, str]
    unusable: bool = False
    report: Path | None = None

    @property
    def bad_rows(self) -> int:
        return len({(f.file, f.line) for f in self.faults})

    @property
    def structural(self) -> bool:
        return self.unusable or any(f.structural for f in self.faults)


@dataclass
class Imported:
    """What the analytical store did with a folder: the snapshot stored (or found already stored, by its hash), or
    None when the check's faults kept it out."""

    check: CheckResult
    snapshot: SnapshotInfo | None
    already: bool = False
