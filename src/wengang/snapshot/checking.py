"""Read every file of a snapshot folder and validate every row on a DuckDB connection: what a check and an import
share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from wengang.domain.errors import Refused
from wengang.domain.progress import Progress
from wengang.domain.snapshots import CheckResult, SnapshotInfo
from wengang.snapshot import facts
from wengang.snapshot.loading import load, raw_view
from wengang.snapshot.reading import ENCODINGS, RawFile, content_hash, locate_files, read_file
from wengang.snapshot.schema import FILES_BY_NAME
from wengang.snapshot.validation import drop_repeats, validate


class EncodingError(ValueError):
    """An --encoding the readers do not support."""


def check_encoding(encoding: str | None) -> None:
    if encoding and encoding.lower() not in ENCODINGS:
        raise EncodingError(f"不支持的编码 / unsupported encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")


@dataclass(frozen=True)
class Hashed:
    """A snapshot folder located and hashed, before any row is read: its files, the warnings and their hash."""

    files: dict[str, Path]
    warnings: list[str]
    content_hash: str


def hash_folder(folder: Path, progress: Progress) -> Hashed:
    """The folder's files and the hash of their bytes: enough to find a snapshot stored before without parsing."""
    files, warnings = locate_files(folder)
    progress.step("计算内容哈希 / hashing files")
    return Hashed(files, warnings, content_hash(files))


def stored_before(folder: Path, hashed: Hashed, info: SnapshotInfo) -> CheckResult:
    """What a check of a folder stored before says without reading it again: no fault, the rows stored."""
    return CheckResult(folder, hashed.content_hash, [], list(hashed.warnings), dict(info.row_counts), {})


def _read_all(con: duckdb.DuckDBPyConnection, hashed: Hashed, encoding: str | None,
              progress: Progress, stage: str) -> tuple[dict[str, RawFile], list[str]]:
    """Each file read and loaded into its table on `con` in turn: one batch in Python memory at a time."""
    raws: dict[str, RawFile] = {}
    warnings = list(hashed.warnings)
    for i, (name, path) in enumerate(hashed.files.items()):
        progress.step(f"读取 / reading {path.name}")
        raws[name] = load(con, read_file(FILES_BY_NAME[name], path, encoding.lower() if encoding else None), stage)
        warnings.extend(raws[name].warnings)
        progress.advance(i + 1, len(hashed.files))
    return raws, warnings


def _summarise(con: duckdb.DuckDBPyConnection, raws: dict[str, RawFile], stage: str) -> None:
    """Checked contributions summed per unit and year once, before any other query reads their 11 M rows: the
    duplicate and orphan checks first ask the summary (most snapshots have neither), and the store keeps it (an
    import's summary is made where the store keeps it, in the snapshot's schema: not copied there again)."""
    contributions = raws.get("contributions")
    if contributions is not None and contributions.checked and not contributions.unusable:
        target = f"{stage}.{facts.TABLE}" if stage else SUMMARY
        facts.summarise(con, raw_view(contributions), target, temporary=not stage)   # exact at any amount checked
        contributions.summary = target


SUMMARY = "raw_contribution_years"


GB = 1 << 30
MEMORY_LIMIT = (1 * GB, 6 * GB)   # DuckDB's share while a folder is read, checked and stored: beyond it, it spills


def memory_share(files: dict[str, Path]) -> int:
    """Bytes DuckDB may hold: as many as the folder's files have, within MEMORY_LIMIT. Not all can spill (a summary's
    hash table of 20 M units and years must fit): a small city keeps to 1 GB, a nation of 6 GB of Parquet gets 6."""
    low, high = MEMORY_LIMIT
    return max(low, min(high, sum(path.stat().st_size for path in files.values())))


class OutOfMemory(Refused):
    """DuckDB could not stay within its share: said in words, nothing stored."""

    def __init__(self, share: int):
        size = f"{share / GB:.1f} GB" if share >= GB else f"{share >> 20} MB"
        super().__init__(f"分析库内存不足 ({size}), 未写入任何数据 / the analytical store ran out of its {size} of "
                         "memory while checking the folder: nothing was stored; free memory on this machine or check "
                         "the folder on Spark (--engine spark)")


def check(con: duckdb.DuckDBPyConnection, folder: Path, *, encoding: str | None, lenient: bool,
          progress: Progress, hashed: Hashed | None = None, stage: str = "") -> tuple[CheckResult, dict[str, RawFile]]:
    """Every file read and every row validated; the raw rows stay in tables on `con` for a store to keep: in the
    schema `stage` (an import's, inside its transaction), or temporary ones. `hashed` is the folder as an import
    already located and hashed it."""
    check_encoding(encoding)
    hashed = hashed or hash_folder(folder, progress)
    share = memory_share(hashed.files)
    con.execute(f"SET memory_limit = '{share}B'")
    try:
        raws, warnings = _read_all(con, hashed, encoding, progress, stage)
        progress.step("校验 / validating every row")
        rows = {name: raw.rows for name, raw in raws.items()}
        warnings.extend(drop_repeats(con, raws))
        _summarise(con, raws, stage)
        faults = validate(con, raws, lenient=lenient)
    except duckdb.OutOfMemoryException as err:
        raise OutOfMemory(share) from err
    encodings = {name: raw.encoding for name, raw in raws.items()}
    unusable = any(raw.unusable for raw in raws.values())
    return CheckResult(folder, hashed.content_hash, faults, warnings, rows, encodings, unusable), raws
