"""Read snapshot files (CSV in UTF-8 or GB18030, or Parquet) into all-text Arrow tables with line numbers."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from wengang.snapshot.faults import Fault
from wengang.snapshot.schema import FILES, FileSpec

LINE = "__line"
_CHUNK = 8 << 20
ENCODINGS = ("utf-8", "gb18030")


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

    @property
    def display(self) -> str:
        return self.path.name


class SnapshotLayoutError(ValueError):
    """The folder itself is unusable (no employers file, a file given twice, not a folder)."""


def locate_files(folder: Path) -> tuple[dict[str, Path], list[str]]:
    """Which spec file is where; warnings for files we do not know."""
    if not folder.is_dir():
        raise SnapshotLayoutError(f"快照目录不存在 / snapshot folder not found: {folder}")
    found: dict[str, Path] = {}
    warnings: list[str] = []
    names = {f.name for f in FILES}
    for path in sorted(folder.iterdir()):
        stem, suffix = path.stem, path.suffix.lower()
        if path.is_file() and suffix in (".csv", ".parquet") and stem in names:
            if stem in found:
                raise SnapshotLayoutError(
                    f"{stem} 同时有 {found[stem].name} 和 {path.name} / {stem} is given twice; keep one"
                )
            found[stem] = path
        elif path.is_file() and not path.name.startswith("."):
            warnings.append(f"忽略未知文件 / ignored unknown file: {path.name}")
    if "employers" not in found:
        raise SnapshotLayoutError(
            f"缺少必需文件 employers.csv 或 employers.parquet / required file employers missing in {folder}"
        )
    if "contributions" not in found:
        raise SnapshotLayoutError(
            f"缺少必需文件 contributions.csv 或 .parquet / required file contributions missing in {folder}"
        )
    return found, warnings


def content_hash(files: dict[str, Path]) -> str:
    """SHA-256 over the names and bytes of the snapshot's files: the same files hash the same."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0")
        with files[name].open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Scan:
    """What one pass over a CSV's bytes tells: its encoding and how many records its lines allow."""

    encoding: str
    records: int


def scan(path: Path) -> Scan:
    """UTF-8 when the file decodes as UTF-8, else GB18030 (Chinese government exports); and the line count."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, newlines, last = True, 0, b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return Scan("utf-8" if utf8 else "gb18030", newlines - 1 + (0 if last == b"\n" else 1))


def read_file(spec: FileSpec, path: Path, encoding: str | None = None) -> RawFile:
    """Read one file as text; Parquet values are cast to text so every source is checked alike."""
    if path.suffix.lower() == ".parquet":
        return _read_parquet(spec, path)
    return _read_csv(spec, path, encoding, scan(path))


def _read_parquet(spec: FileSpec, path: Path) -> RawFile:
    table = pq.read_table(path)
    cols = {}
    for name in table.column_names:
        col = table.column(name)
        cols[name] = col if pa.types.is_string(col.type) else col.cast(pa.string())
    text = pa.table(cols) if cols else pa.table({})
    raw = RawFile(spec, path, text, encoding="parquet")
    _conform(raw, header_line=0)
    lines = pa.array(np.arange(1, text.num_rows + 1, dtype=np.int64))
    raw.table = raw.table.append_column(LINE, lines)
    return raw


def _read_csv(spec: FileSpec, path: Path, encoding: str | None, scanned: Scan) -> RawFile:
    encoding = encoding or scanned.encoding
    header = _header(path, encoding)
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header}, strings_can_be_null=True, quoted_strings_can_be_null=True
    )
    structural: list[str] = []

    def on_invalid(_row: pacsv.InvalidRow) -> str:
        structural.append("x")
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=encoding, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=convert,
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        raw = _read_csv_exact(spec, path, encoding)
        if not raw.faults:
            raw.faults.append(Fault(path.name, 0, "", "", f"无法读取 / cannot read file: {err}"))
        return raw
    if structural or table.num_rows != scanned.records:
        return _read_csv_exact(spec, path, encoding)
    raw = RawFile(spec, path, table, encoding=encoding)
    _conform(raw, header_line=1)
    lines = pa.array(np.arange(2, table.num_rows + 2, dtype=np.int64))
    raw.table = raw.table.append_column(LINE, lines)
    return raw


def _read_csv_exact(spec: FileSpec, path: Path, encoding: str) -> RawFile:
    """Slow path with exact line numbers, for files with broken rows, blank lines or bad bytes."""
    faults: list[Fault] = []
    columns: dict[str, list[str | None]] = {}
    lines: list[int] = []
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        header = _strip_bom(next(reader, []))
        columns = {name: [] for name in header}
        line = reader.line_num
        for row in reader:
            start, line = line + 1, reader.line_num
            if not row:
                continue
            if len(row) != len(header):
                faults.append(Fault(path.name, start, "", ",".join(row),
                                    f"字段数应为 {len(header)}, 实为 {len(row)} / expected {len(header)} fields, got {len(row)}"))
                continue
            if any("\ufffd" in v for v in row):
                faults.append(Fault(path.name, start, "", ",".join(row),
                                    f"不是有效的 {encoding} 编码 / bytes are not valid {encoding}; try --encoding"))
                continue
            for name, value in zip(header, row, strict=True):
                columns[name].append(value if value != "" else None)
            lines.append(start)
    table = pa.table({name: pa.array(vals, pa.string()) for name, vals in columns.items()})
    raw = RawFile(spec, path, table, faults=faults, encoding=encoding)
    _conform(raw, header_line=1)
    raw.table = raw.table.append_column(LINE, pa.array(lines, pa.int64()))
    return raw


def _conform(raw: RawFile, header_line: int) -> None:
    """Keep the spec's columns in order; note missing required ones; warn about extras."""
    present = set(raw.table.column_names)
    for extra in sorted(present - set(raw.spec.column_names)):
        raw.warnings.append(f"{raw.display}: 忽略未知列 / ignored unknown column {extra!r}")
    for col in raw.spec.columns:
        if col.name not in present and col.required:
            raw.missing_required.append(col.name)
            raw.faults.append(Fault(raw.display, header_line, col.name, "",
                                    "缺少必需列 / required column missing from the header"))
    n = raw.table.num_rows
    arrays = [raw.table.column(c.name) if c.name in present else pa.nulls(n, pa.string()) for c in raw.spec.columns]
    raw.table = pa.table(arrays, names=list(raw.spec.column_names))


def _header(path: Path, encoding: str) -> list[str]:
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        return _strip_bom(next(csv.reader(io.StringIO(fh.readline())), []))


def _strip_bom(header: list[str]) -> list[str]:
    return [header[0].lstrip("\ufeff"), *header[1:]] if header else header
