"""CSV snapshot files: Arrow's streaming reader, batch by batch, when every line is text in the file's encoding and
every row is whole; an exact reader otherwise (whole file), which names each bad line (wrong field count, bytes not
in the encoding)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pacsv

from wengang.snapshot.encoding import BadLine, Scan, lines, scan
from wengang.snapshot.faults import Fault, shown
from wengang.snapshot.rawfile import RawFile, Reread, add_lines, conform, layout, numbered, pick
from wengang.snapshot.schema import FileSpec


def read_csv(spec: FileSpec, path: Path, encoding: str | None) -> RawFile:
    """Read one CSV as text with its line numbers; `encoding` None means decide it from the bytes. A file whose
    every line is text in its encoding is streamed in batches; the rest go to the exact reader."""
    if _utf16(path):
        return _refused(spec, path, "utf-16", 1, UTF16)
    scanned = scan(path, encoding)
    if scanned.wrong is not None:
        return _refused(spec, path, scanned.encoding, scanned.wrong.line, scanned.wrong.reason)
    if scanned.bad:
        return _read_exact(spec, path, scanned)
    header = _header(path, scanned.encoding)
    if separator := _other_separator(spec, header):
        return _refused(spec, path, scanned.encoding, 1, separator)
    if not header or "" in header:           # a blank first line or an unnamed column: the exact reader says which
        return _read_exact(spec, path, scanned)
    raw = RawFile(spec, path, None, encoding=scanned.encoding, rows=scanned.records)
    where = layout(raw, header, header_line=1)
    raw.stream = lambda: _stream(raw, path, scanned, header, where)
    raw.reread = lambda: _read_exact(spec, path, scanned)
    return raw


BLOCK = 16 << 20              # bytes of CSV per batch: memory stays bounded whatever the file's size


def _stream(raw: RawFile, path: Path, scanned: Scan, header: list[str], where: list[int | None]) -> Iterator[pa.Table]:
    """Arrow's streaming reader, batch by batch, each row on line 2 + its index (every record is one line here);
    Reread when a row would not be on its exact line (a broken row, a blank line, a line break inside quotes)."""
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header}, strings_can_be_null=True, quoted_strings_can_be_null=True
    )
    structural: list[str] = []

    def on_invalid(_row: pacsv.InvalidRow) -> Literal["skip"]:
        structural.append("x")
        return "skip"

    line = 2
    try:
        reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(encoding=scanned.encoding, block_size=BLOCK),
                                parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
                                convert_options=convert)
        if reader.schema.names != header:
            raise Reread
        for batch in reader:
            if structural:
                raise Reread
            yield numbered(pick(raw, batch, where), line)
            line += batch.num_rows
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        raise Reread from err
    if structural or line - 2 != scanned.records:
        raise Reread


def _refused(spec: FileSpec, path: Path, encoding: str, line: int, reason: str) -> RawFile:
    """A file refused whole, with one fault saying where and why, and no rows: read line by line it would be a fault
    on every line (cells shown as other characters, as escapes, or as one column), none of them the cause."""
    raw = RawFile(spec, path, pa.table({c: pa.array([], pa.string()) for c in spec.column_names}), encoding=encoding)
    raw.fault_file(line, "", "", reason)
    add_lines(raw, pa.array([], pa.int64()))
    return raw


UTF16 = ("文件是 UTF-16 文本 (如 Excel 另存为「Unicode 文本」), 请另存为 UTF-8 或 GB18030 编码的 CSV / the file is "
         "UTF-16 text (as Excel's \"Unicode Text\" saves it): save it as CSV in UTF-8 or GB18030")


def _utf16(path: Path) -> bool:
    """A UTF-16 file: its byte-order mark, or the zero byte beside every ASCII character of its first line."""
    with path.open("rb") as fh:
        start = fh.read(4096)
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    first = start.split(b"\n", 1)[0]
    return len(first) >= 4 and first.count(b"\0") * 2 >= len(first) - 1


_SEPARATORS = {";": ("分号 (;) ", "semicolons (;)"), "\t": ("制表符", "tabs"), "|": ("竖线 (|) ", "vertical bars (|)")}


def _other_separator(spec: FileSpec, header: list[str]) -> str | None:
    """Why a header of one field that another separator splits into the file's columns is refused (a spreadsheet
    program set to another list separator), or None."""
    if len(header) != 1:
        return None
    for sep, (zh, en) in _SEPARATORS.items():
        if spec.columns[0].name in (name.strip() for name in header[0].split(sep)):
            return (f"表头以{zh}分隔; CSV 文件的字段应以逗号分隔 / the header is separated by {en}: the fields of a CSV "
                    "file are separated by commas")
    return None


class _Lines:
    """The file's lines as text for csv.reader, remembering the raw lines of the record being read."""

    def __init__(self, path: Path, scanned: Scan):
        self._path, self._scan = path, scanned
        self.record: list[tuple[int, bytes, str]] = []

    def __iter__(self) -> Iterator[str]:
        for n, raw in lines(self._path):
            text = _text(raw, self._scan.encoding, self._scan.bad.get(n))
            if n == 1:
                text = _without_bom(text)
            self.record.append((n, raw, text))
            yield text


def _text(raw: bytes, encoding: str, bad: BadLine | None) -> str:
    """A line as text; a bad line's bytes beyond ASCII escaped (\\xb1), never decoded into some other text."""
    if bad is None:
        return raw.decode(encoding)
    return raw.decode(bad.shown_as, "backslashreplace")


def _read_exact(spec: FileSpec, path: Path, scanned: Scan) -> RawFile:
    """Slow path with exact line numbers, for files with broken rows, blank lines or bytes not in the encoding."""
    source = _Lines(path, scanned)
    reader = csv.reader(source)
    rows = _Rows(path.name, scanned)
    try:
        rows.header = next(reader, [])
        header_bad = [b for n, _, _ in source.record if (b := scanned.bad.get(n))]
        source.record = []
        rows.columns = [[] for _ in rows.header]
        for row in _records(reader, source, rows):
            record, source.record = source.record, []
            rows.add(row, record)
        unparsable = None
    except csv.Error as err:                 # e.g. a quote left open swallowing the rest into one huge field
        unparsable = (reader.line_num, _why(err))
        header_bad = []
    table = pa.Table.from_arrays([pa.array(values, pa.string()) for values in rows.columns], names=rows.header)
    raw = RawFile(spec, path, table, faults=rows.faults, encoding=scanned.encoding, undecoded=rows.undecoded)
    if header_bad:
        raw.fault_file(1, "", "", header_bad[0].reason)
    if unparsable:
        line, why = unparsable
        raw.fault_file(line, "", "", f"CSV 在第 {line} 行无法解析 / the CSV cannot be parsed at line {line}: {why}")
    conform(raw, header_line=1)
    add_lines(raw, pa.array(rows.lines, pa.int64()))
    return raw


def _records(reader: Iterator[list[str]], source: _Lines, rows: _Rows) -> Iterator[list[str]]:
    """The rows after the header; a row split by a lone carriage return is a fault of that row, and reading goes on."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            if not str(err).startswith(_LONE_CR):
                raise
            record, source.record = source.record, []
            rows.faults.append(Fault(rows.file, record[0][0] if record else 0, "", "", _why(err)))


_LONE_CR = "new-line character seen in unquoted field"


def _why(err: csv.Error) -> str:
    """Python's csv complaint in words a clerk reads."""
    if str(err).startswith(_LONE_CR):
        return "未加引号的字段中有单独的回车符 (\\r) / a lone carriage return (\\r) inside a field without quotes"
    return shown(str(err))


class _Rows:
    """The records of a CSV as columns of text, with the line each starts on and the faults found on the way."""

    def __init__(self, file: str, scanned: Scan):
        self.file, self.scanned = file, scanned
        self.header: list[str] = []
        self.columns: list[list[str | None]] = []
        self.lines: list[int] = []
        self.faults: list[Fault] = []
        self.undecoded: set[int] = set()

    def add(self, row: list[str], record: list[tuple[int, bytes, str]]) -> None:
        """Keep a record of the header's width; a wrong width or bytes not in the encoding are faults."""
        start, width = record[0][0], len(self.header)
        bad = next((b for n, _, _ in record if (b := self.scanned.bad.get(n))), None)
        if bad is not None:
            self.faults.append(_encoding_fault(self.file, self.header, row, record, bad, start))
            self.undecoded.add(start)
        if not row:
            return
        if len(row) != width:
            if bad is None:
                self.faults.append(Fault(self.file, start, "", "", f"字段数应为 {width}, 实为 {len(row)} / "
                                                                    f"expected {width} fields, got {len(row)}"))
            return
        for values, value in zip(self.columns, row, strict=True):
            values.append(value if value != "" else None)
        self.lines.append(start)


def _encoding_fault(file: str, header: list[str], row: list[str], record: list[tuple[int, bytes, str]],
                    bad: BadLine, start: int) -> Fault:
    """The column the bad byte falls in (the fields before it counted), its cell escaped, and why."""
    before = []
    for n, raw, text in record:
        if n == bad.line:
            before.append(raw[:bad.byte - 1].decode(bad.shown_as, "backslashreplace"))
            break
        before.append(text)
    index = max(0, len(next(csv.reader(io.StringIO("".join(before))), [""])) - 1)
    column = header[index] if index < len(header) else ""
    value = row[index] if index < len(row) else ""
    where = "" if bad.line == start else f"第 {bad.line} 行 / physical line {bad.line}: "
    return Fault(file, start, column, shown(value), where + bad.reason)


def _header(path: Path, encoding: str) -> list[str]:
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        return next(csv.reader(io.StringIO(_without_bom(fh.readline()))), [])


def _without_bom(first_line: str) -> str:
    """The first line without its byte-order mark, taken off before the line is parsed: a quoted first name
    ("\ufeff"uscc"...) is then a quoted field like the others."""
    return first_line.removeprefix("\ufeff")
