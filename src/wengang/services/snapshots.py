"""Check and import snapshot folders: strict by default, lenient on request, never twice the same files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wengang.config import Settings
from wengang.domain.progress import Progress, Silent
from wengang.snapshot import store
from wengang.snapshot.faults import Fault, write_report
from wengang.snapshot.reading import ENCODINGS, RawFile, content_hash, locate_files, read_file
from wengang.snapshot.schema import FILES_BY_NAME
from wengang.snapshot.validation import register, validate


@dataclass
class CheckResult:
    """Everything found in a folder: faults, warnings and the row counts read."""

    folder: Path
    content_hash: str
    faults: list[Fault]
    warnings: list[str]
    rows: dict[str, int]
    encodings: dict[str, str]
    report: Path | None = None

    @property
    def bad_rows(self) -> int:
        return len({(f.file, f.line) for f in self.faults})


@dataclass
class ImportResult:
    """What an import did: the stored snapshot, or why nothing was stored."""

    check: CheckResult
    snapshot: store.SnapshotInfo | None
    already: bool = False
    refused: bool = False


class EncodingError(ValueError):
    """An --encoding the readers do not support."""


def _read_all(folder: Path, encoding: str | None, progress: Progress) -> tuple[dict[str, RawFile], list[str], str]:
    if encoding and encoding.lower() not in ENCODINGS:
        raise EncodingError(f"不支持的编码 / unsupported encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")
    files, warnings = locate_files(folder)
    progress.step("计算内容哈希 / hashing files")
    chash = content_hash(files)
    raws: dict[str, RawFile] = {}
    for i, (name, path) in enumerate(files.items()):
        progress.step(f"读取 / reading {path.name}")
        raws[name] = read_file(FILES_BY_NAME[name], path, encoding.lower() if encoding else None)
        warnings.extend(raws[name].warnings)
        progress.advance(i + 1, len(files))
    return raws, warnings, chash


def _check(con: store.Connection, folder: Path, *, encoding: str | None, lenient: bool,
           progress: Progress) -> tuple[CheckResult, dict[str, RawFile]]:
    raws, warnings, chash = _read_all(folder, encoding, progress)
    progress.step("校验 / validating every row")
    register(con, raws)
    faults = validate(con, raws, lenient=lenient)
    rows = {name: raw.table.num_rows for name, raw in raws.items()}
    encodings = {name: raw.encoding for name, raw in raws.items()}
    return CheckResult(folder, chash, faults, warnings, rows, encodings), raws


def default_report_path(settings: Settings, chash: str) -> Path:
    return settings.data_dir / "reports" / f"faults-{chash[:12]}.csv"


def check_folder(folder: Path, *, settings: Settings, encoding: str | None = None,
                 report: Path | None = None, progress: Progress | None = None) -> CheckResult:
    """Validate a folder without storing anything; write the fault report when there are faults."""
    progress = progress or Silent()
    con = store.scratch()
    try:
        result, _ = _check(con, folder, encoding=encoding, lenient=False, progress=progress)
    finally:
        con.close()
    if result.faults:
        result.report = write_report(result.faults, report or default_report_path(settings, result.content_hash))
    return result


def import_folder(folder: Path, *, settings: Settings, encoding: str | None = None, lenient: bool = False,
                  report: Path | None = None, progress: Progress | None = None) -> ImportResult:
    """Strict: store everything or nothing. Lenient: store good rows, quarantine the rest with reasons."""
    progress = progress or Silent()
    locate_files(folder)                     # a folder that is not a snapshot is refused before the store is touched
    con = store.connect(settings.analytics_path)
    try:
        result, raws = _check(con, folder, encoding=encoding, lenient=lenient, progress=progress)
        if result.faults:
            result.report = write_report(result.faults, report or default_report_path(settings, result.content_hash))
        existing = store.find(con, content_hash=result.content_hash)
        if existing:
            return ImportResult(result, existing, already=True)
        structural = any(f.line == 0 for f in result.faults) or any(r.unusable for r in raws.values())
        if result.faults and (not lenient or structural):
            return ImportResult(result, None, refused=True)
        progress.step("写入分析库 / storing typed tables")
        info = store.write_snapshot(con, snapshot_id=result.content_hash[:12], content_hash=result.content_hash,
                                    source=str(folder.resolve()), raws=raws, faults=result.faults,
                                    mode="lenient" if lenient else "strict")
        return ImportResult(result, info)
    finally:
        con.close()


def resolve_snapshot(ref: str, *, settings: Settings, progress: Progress | None = None) -> store.SnapshotInfo:
    """A snapshot id, or a folder: an imported folder is found by its hash, a new one is imported strictly."""
    path = Path(ref)
    if path.is_dir():
        result = import_folder(path, settings=settings, progress=progress)
        if result.snapshot is None:
            raise SnapshotRefused(result)
        return result.snapshot
    con = store.connect(settings.analytics_path)
    try:
        info = store.find(con, snapshot_id=ref)
    finally:
        con.close()
    if info is None:
        raise LookupError(f"没有这个快照 / no snapshot {ref!r}: give an imported snapshot id or a snapshot folder")
    return info


class SnapshotRefused(ValueError):
    """A folder given to a command could not be imported; the result says why."""

    def __init__(self, result: ImportResult):
        self.result = result
        super().__init__(f"快照有 {result.check.bad_rows} 行错误 / snapshot has {result.check.bad_rows} bad rows; "
                         f"see {result.check.report}")
