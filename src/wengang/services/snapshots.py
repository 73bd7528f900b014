"""Check and import snapshot folders: strict by default, lenient on request, never twice the same files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from wengang.config import Settings
from wengang.domain.ports import Analytics
from wengang.domain.progress import Progress, Silent
from wengang.domain.snapshots import CheckResult, SnapshotInfo
from wengang.snapshot.checking import EncodingError, check_encoding
from wengang.snapshot.faults import write_report
from wengang.snapshot.reading import locate_files

__all__ = ["CheckResult", "EncodingError", "ImportResult", "SnapshotRefused", "check_folder", "import_folder",
           "resolve_snapshot"]


@dataclass
class ImportResult:
    """What an import did: the stored snapshot, or why nothing was stored."""

    check: CheckResult
    snapshot: SnapshotInfo | None
    already: bool = False
    refused: bool = False


REPORT = "report"


def default_report_path(settings: Settings, chash: str) -> Path:
    return settings.data_dir / "reports" / f"faults-{chash[:12]}.csv"


def report_of(name: str, settings: Settings) -> Path | None:
    """A fault report this system wrote (default_report_path's names), by the name a refused job keeps; None for any
    other name."""
    if re.fullmatch(r"faults-[0-9a-f]{12}\.csv", name) is None:
        return None
    path = settings.data_dir / "reports" / name
    return path if path.is_file() else None


def _report(result: CheckResult, settings: Settings, report: Path | None) -> None:
    if result.faults:
        result.report = write_report(result.faults, report or default_report_path(settings, result.content_hash))


def check_folder(folder: Path, *, analytics: Analytics, settings: Settings, encoding: str | None = None,
                 report: Path | None = None, progress: Progress | None = None) -> CheckResult:
    """Validate a folder without storing anything; write the fault report when there are faults."""
    result = analytics.check_snapshot(folder, encoding=encoding, progress=progress or Silent())
    _report(result, settings, report)
    return result


def import_folder(folder: Path, *, analytics: Analytics, settings: Settings, encoding: str | None = None,
                  lenient: bool = False, report: Path | None = None,
                  progress: Progress | None = None) -> ImportResult:
    """Strict: store everything or nothing. Lenient: store good rows, quarantine the rest with reasons; a fault of
    a whole file refuses the folder in both modes."""
    check_encoding(encoding)
    locate_files(folder)                     # a folder that is not a snapshot is refused before the store is touched
    done = analytics.import_snapshot(folder, encoding=encoding, lenient=lenient, progress=progress or Silent(),
                                     storable=lambda check: not check.faults or (lenient and not check.structural))
    _report(done.check, settings, report)
    return ImportResult(done.check, done.snapshot, already=done.already,
                        refused=done.snapshot is None and not done.already)


def resolve_snapshot(ref: str, *, analytics: Analytics, settings: Settings, encoding: str | None = None,
                     progress: Progress | None = None) -> SnapshotInfo:
    """A snapshot id, or a folder: an imported folder is found by its hash, a new one is imported strictly (read in
    `encoding` when given)."""
    check_encoding(encoding)
    path = Path(ref)
    if path.is_dir():
        result = import_folder(path, analytics=analytics, settings=settings, encoding=encoding, progress=progress)
        if result.snapshot is None:
            raise SnapshotRefused(result)
        return result.snapshot
    info = analytics.find_snapshot(ref)
    if info is None:
        raise LookupError(f"没有这个快照 / no snapshot {ref!r}: give an imported snapshot id or a snapshot folder")
    return info


class SnapshotRefused(ValueError):
    """A folder given to a command could not be imported; the result says why."""

    def __init__(self, result: ImportResult):
        self.result = result
        faults = sorted(result.check.faults)
        first = "; ".join(str(f) for f in faults[:SAID])
        more = f"; … 另有 {len(faults) - SAID:,} 处 / and {len(faults) - SAID:,} more" if len(faults) > SAID else ""
        bad = result.check.bad_rows
        self.summary = f"快照有 {bad:,} 行错误 / snapshot has {bad:,} bad row{'' if bad == 1 else 's'}"
        name = result.check.report.name if result.check.report else None
        super().__init__(f"{self.summary}: {first}{more}" + (f"; 报告 / report: {name}" if name else ""))  # no server path
        # What a job that meets this refusal keeps for staff: the report's name, for its page to offer it.
        self.job_result = {REPORT: name} if name else None


SAID = 3          # the faults a refusal names (on a job's page, in a command's error): the rest are in the report
