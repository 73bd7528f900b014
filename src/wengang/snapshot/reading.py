"""Locate and hash a snapshot folder, and read its files (CSV in UTF-8 or GB18030, or Parquet) as text with line
numbers: streamed in batches, or read by DuckDB itself, never a whole large file in Python memory."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wengang.snapshot.csv_reading import read_csv
from wengang.snapshot.encoding import ENCODINGS
from wengang.snapshot.parquet_scan import checked_scan_sql, scan_sql
from wengang.snapshot.rawfile import LINE, RawFile, add_lines, cannot_read, layout, numbered, pick
from wengang.snapshot.schema import FILES, FileSpec

__all__ = ["ENCODINGS", "LINE", "RawFile", "SnapshotLayoutError", "content_hash", "locate_files", "read_file"]
_CHUNK = 8 << 20


class SnapshotLayoutError(ValueError):
    """The folder itself is unusable (no employers file, a file given twice, not a folder, a link in it)."""


def _kind(mode: int) -> tuple[str, str]:
    """What a directory entry is, in Chinese and English, when it is not a regular file."""
    if stat.S_ISLNK(mode):
        return "符号链接", "a symbolic link"
    if stat.S_ISDIR(mode):
        return "目录", "a folder"
    return "特殊文件", "a special file (device, pipe or socket)"


def locate_files(folder: Path) -> tuple[dict[str, Path], list[str]]:
    """Which spec file is where; warnings for files we do not know. Only regular files may be in the folder: a link
    could make the import read (and its faults show) a file from anywhere on the machine."""
    if not folder.is_dir():
        raise SnapshotLayoutError(f"快照目录不存在 / snapshot folder not found: {folder}")
    found: dict[str, Path] = {}
    warnings: list[str] = []
    names = {f.name for f in FILES}
    for path in sorted(folder.iterdir()):
        mode = path.lstat().st_mode
        if not stat.S_ISREG(mode):
            zh, en = _kind(mode)
            raise SnapshotLayoutError(f"快照目录只能包含普通文件, {path.name!r} 是{zh} / the snapshot folder may "
                                      f"hold regular files only: {path.name!r} is {en}; copy the file itself in")
        stem, suffix = path.stem, path.suffix.lower()
        if suffix in (".csv", ".parquet") and stem in names:
            if stem in found:
                raise SnapshotLayoutError(
                    f"{stem} 同时有 {found[stem].name} 和 {path.name} / {stem} is given twice; keep one"
                )
            found[stem] = path
        elif not path.name.startswith("."):
            warnings.append(f"忽略未知文件 / ignored unknown file: {path.name}")
    for required in ("employers", "contributions"):
        if required not in found:
            raise SnapshotLayoutError(f"缺少必需文件 {required}.csv 或 {required}.parquet / required file "
                                      f"{required} missing in {folder}")
    return found, warnings


def content_hash(files: dict[str, Path]) -> str:
    """SHA-256 over the names and bytes of the snapshot's files: the same files hash the same."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0")
        fd = os.open(files[name], os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))   # a link swapped in meanwhile fails
        with os.fdopen(fd, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def read_file(spec: FileSpec, path: Path, encoding: str | None = None) -> RawFile:
    """Read one file as text; Parquet values are cast to text so every source is checked alike. A large file is
    streamed: its rows reach the store batch by batch (loading.load), never all at once in Python memory."""
    return _read_parquet(spec, path) if path.suffix.lower() == ".parquet" else read_csv(spec, path, encoding)


PARQUET_BATCH = 262_144       # rows of Parquet per batch


def _read_parquet(spec: FileSpec, path: Path) -> RawFile:
    """A Parquet file as text columns, row group by row group; a file Arrow cannot open (or read on to its end) is
    one fault of the file, not a traceback."""
    try:
        parquet = pq.ParquetFile(path)
        names, types = parquet.schema_arrow.names, parquet.schema_arrow.types
    except (pa.ArrowException, OSError) as err:
        return _unreadable(spec, path, err)
    raw = RawFile(spec, path, None, encoding="parquet", rows=parquet.metadata.num_rows)
    where = layout(raw, names, header_line=0)
    for i in {i for i in where if i is not None}:
        if pa.types.is_nested(types[i]):
            _not_one_value(raw, names[i], types[i])
    raw.query = scan_sql(raw, names, types, where)
    if raw.query is None:
        raw.stream = lambda: _stream(raw, parquet, where)
    else:
        raw.checked_query = lambda typed: checked_scan_sql(raw, names, types, where, typed)
    return raw


def _calendar_text(col: pa.ChunkedArray, kind: str) -> pa.ChunkedArray:
    """A date or month column stored as dates or timestamps (pandas and Spark write days and months so): a value at
    midnight — of UTC or of Beijing, for a timestamp that is an instant (Spark keeps Beijing's midnight as 16:00 UTC
    the day before) — is that day's YYYY-MM-DD, and for a month, on its first day, YYYY-MM; any other value is shown
    whole (an instant in Beijing time, to the second), for the check to refuse it. Spark reads such a column by the
    same rule (on_spark._text_sql)."""
    walls: list[Any] = [col]
    if pa.types.is_timestamp(col.type) and col.type.tz:
        walls = [pc.local_timestamp(cast(Any, col.cast(pa.timestamp(col.type.unit, tz=zone))))
                 for zone in ("UTC", BEIJING)]
    shown = walls[-1]
    text = (pc.strftime(shown.cast(pa.timestamp("s"), safe=False), format="%Y-%m-%d %H:%M:%S")
            if pa.types.is_timestamp(shown.type) else pc.cast(shown, pa.string()))
    for wall in reversed(walls):
        fits = pc.equal(pc.floor_temporal(wall, unit="day" if kind == "date" else "month"), wall)
        day = pc.cast(pc.cast(wall, pa.date32(), safe=False) if pa.types.is_timestamp(wall.type) else wall, pa.string())
        text = pc.if_else(fits, day if kind == "date" else pc.utf8_slice_codeunits(day, 0, 7), text)
    return text


def decimal_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A decimal of more than two places without the zeros that end it: 1234.5000 of a DECIMAL(18,4) is the amount
    1234.5, and zero is 0 (Arrow writes 0E-10); as parquet_scan.as_text and Spark show it."""
    values: Any = col
    text = pc.replace_substring_regex(pc.cast(values, pa.string()), r"\.?0+$", "", max_replacements=1)
    return pc.if_else(pc.equal(values, pa.scalar(0, col.type)), "0", text)


PLAIN = (0.01, 1e20)   # floats shown as plain decimals: none smaller is a whole number or an amount of yuan but 0


def _float_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A float as the shortest decimal that reads back as it, in plain notation: 123456789012.34, not Arrow's
    1.2345678901234e+11 (what a float written for 123456789012.34 means, to the fen); a whole float as a whole
    number (3, not 3.0). Zero and magnitudes in PLAIN are so shown; anything else (NaN, 1e+21) as Arrow writes it,
    for the check to refuse. Spark shows floats by the same rule (on_spark._text_sql)."""
    values: Any = col
    text = pc.cast(values, pa.string())
    zero, size = pc.equal(values, pa.scalar(0.0)), pc.abs(values)
    low, high = pa.scalar(PLAIN[0]), pa.scalar(PLAIN[1])
    plain = pc.or_kleene(zero, pc.and_kleene(pc.greater_equal(size, low), pc.less(size, high)))
    exact: Any = pc.cast(pc.if_else(plain, text, "0"), pa.decimal128(38, 18))   # the shortest text, exactly
    return pc.if_else(plain, decimal_text(exact), text)


BEIJING = "Asia/Shanghai"
CALENDAR_KINDS = ("date", "month")


def _unreadable(spec: FileSpec, path: Path, err: Exception) -> RawFile:
    """The file as one fault and no rows."""
    raw = RawFile(spec, path, pa.table({c: pa.array([], pa.string()) for c in spec.column_names}))
    cannot_read(raw, err)
    add_lines(raw, pa.array([], pa.int64()))
    return raw


def _not_one_value(raw: RawFile, name: str, kind: pa.DataType) -> None:
    raw.fault_file(0, name, "", f"列类型 {kind} 不是每行一个值 / column {name!r} has type {kind}: "
                                "a snapshot column holds one text, number or date per row")


def _stream(raw: RawFile, parquet: pq.ParquetFile, where: list[int | None]) -> Iterator[pa.Table]:
    """The file's batches as text with lines 1, 2, …; a read error on the way is a fault of the file and ends it."""
    line, failed = 1, set(raw.spec.column_names) & {f.column for f in raw.faults}
    try:
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH):
            part = pick(raw, batch, where)
            yield numbered(pa.table([_as_text(raw, part, name, failed) for name in part.column_names],
                                    names=part.column_names), line)
            line += batch.num_rows
    except (pa.ArrowException, OSError) as err:
        cannot_read(raw, err)


def _as_text(raw: RawFile, part: pa.Table, name: str, failed: set[str]) -> pa.ChunkedArray | pa.Array:
    """One column of a batch as text; a column that cannot be text (lists, records, maps) is all empty, its fault
    said once."""
    col = part.column(name)
    if pa.types.is_string(col.type):
        return col
    kind = raw.spec.column(name).kind
    if (pa.types.is_timestamp(col.type) or pa.types.is_date(col.type)) and kind in CALENDAR_KINDS:
        return _calendar_text(col, kind)
    if pa.types.is_floating(col.type):
        return _float_text(col.cast(pa.float64()))        # a half float too: float64 holds it exactly
    if pa.types.is_decimal(col.type) and col.type.scale > 2:
        return decimal_text(col)
    if name not in failed and not pa.types.is_nested(col.type):
        try:
            return col.cast(pa.string())
        except pa.ArrowException:
            pass
    if name not in failed:
        failed.add(name)
        _not_one_value(raw, name, col.type)
    return pa.nulls(part.num_rows, pa.string())
