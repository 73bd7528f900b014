"""Read every file of a snapshot folder and validate every row on a DuckDB connection: what a check and an import
share."""

from __future__ import annotations

from pathlib import Path

import duckdb

from wengang.domain.progress import Progress
from wengang.domain.snapshots import CheckResult
from wengang.snapshot.reading import ENCODINGS, RawFile, content_hash, locate_files, read_file
from wengang.snapshot.schema import FILES_BY_NAME
from wengang.snapshot.validation import drop_repeats, register, validate


class EncodingError(ValueError):
    """An --encoding the readers do not support."""


def check_encoding(encoding: str | None) -> None:
    if encoding and encoding.lower() not in ENCODINGS:
        raise EncodingError(f"不支持的编码 / unsupported encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")


def _read_all(folder: Path, encoding: str | None, progress: Progress) -> tuple[dict[str, RawFile], list[str], str]:
    check_encoding(encoding)
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


def check(con: duckdb.DuckDBPyConnection, folder: Path, *, encoding: str | None, lenient: bool,
          progress: Progress) -> tuple[CheckResult, dict[str, RawFile]]:
    """Every file read and every row validated; the raw tables stay registered on `con` for a store to copy."""
    raws, warnings, chash = _read_all(folder, encoding, progress)
    progress.step("校验 / validating every row")
    register(con, raws)
    rows = {name: raw.table.num_rows for name, raw in raws.items()}
    warnings.extend(drop_repeats(con, raws))
    faults = validate(con, raws, lenient=lenient)
    encodings = {name: raw.encoding for name, raw in raws.items()}
    unusable = any(raw.unusable for raw in raws.values())
    return CheckResult(folder, chash, faults, warnings, rows, encodings, unusable), raws
