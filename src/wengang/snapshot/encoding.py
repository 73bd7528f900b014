"""A CSV file's encoding decided from evidence, line by line: which lines are text in it, and which are not."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ENCODINGS = ("utf-8", "gb18030")
_CHUNK = 8 << 20
_BEYOND_ASCII = re.compile(rb"[\x80-\xff]")


@dataclass(frozen=True)
class BadLine:
    """A physical line whose bytes are not text in the file's encoding (or are text in the other one)."""

    line: int           # 1-based physical line
    byte: int           # 1-based byte of the line where it stops fitting the file's encoding
    reason: str
    shown_as: str       # how its cells are shown: "ascii" (every other byte escaped: \xb1), or "utf-8" when valid


@dataclass(frozen=True)
class Scan:
    """What the bytes of a CSV tell: its encoding, how many records its lines allow, and the lines that misfit."""

    encoding: str
    records: int
    bad: dict[int, BadLine] = field(default_factory=dict)
    wrong: BadLine | None = None   # the operator's --encoding misreads a file wholly in the other one: where, and why


def scan(path: Path, forced: str | None = None) -> Scan:
    """One fast pass when the whole file decodes (the usual case); otherwise weigh the lines: more lines of valid
    multi-byte UTF-8 than lines that are not UTF-8 → UTF-8 with those lines bad, else GB18030 with its misfits."""
    encoding = forced or "utf-8"
    clean, records = _decodes_whole(path, encoding)
    if forced:
        wrong = _other_encoding(path, forced, clean=clean)
        if wrong is not None:
            return Scan(forced, records, wrong=wrong)
    if clean:
        return Scan(encoding, records)
    if forced:
        return Scan(forced, records, {b.line: b for b in _misfits(path, forced, utf8_misfits=False)})
    utf8_lines, not_utf8 = _utf8_evidence(path)
    if utf8_lines >= len(not_utf8):
        return Scan("utf-8", records, {b.line: b for b in not_utf8})
    return Scan("gb18030", records, {b.line: b for b in _misfits(path, "gb18030", utf8_misfits=True)})


def _decodes_whole(path: Path, encoding: str) -> tuple[bool, int]:
    """Whether every byte decodes, and the number of records the newlines allow (the header excluded)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    clean, newlines, last = True, 0, b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
            if clean:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    clean = False
    if clean:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            clean = False
    return clean, newlines - 1 + (0 if last == b"\n" else 1)


def _other_encoding(path: Path, forced: str, *, clean: bool) -> BadLine | None:
    """Where a file wholly in the other encoding first misreads in the `forced` one; None when the forced encoding
    may be right or the file mixes both (then each misfit line is its own fault). GB18030 decodes nearly any bytes,
    so a UTF-8 file read as GB18030 goes wrong at its first character beyond ASCII without any decoding error."""
    if forced == "utf-8":
        if clean or not _decodes_whole(path, "gb18030")[0]:
            return None
        utf8_lines, not_utf8 = _utf8_evidence(path)
        if utf8_lines:                       # some lines are UTF-8 beyond ASCII: a mixed file, each misfit its fault
            return None
        at = (not_utf8[0].line, not_utf8[0].byte) if not_utf8 else None
    else:
        at = _first_beyond_ascii(path) if clean else None
        if at is None or not _decodes_whole(path, "utf-8")[0]:
            return None
    return None if at is None else BadLine(at[0], at[1], _forced_wrong(forced, *at), "ascii")


def _first_beyond_ascii(path: Path) -> tuple[int, int] | None:
    """The line, and byte of that line, of the file's first byte beyond ASCII (chunk by chunk, in C)."""
    line, column = 1, 0                    # bytes of the current line read before this chunk
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if found := _BEYOND_ASCII.search(chunk):
                i = found.start()
                start = chunk.rfind(b"\n", 0, i) + 1
                return line + chunk.count(b"\n", 0, i), (column if start == 0 else 0) + i - start + 1
            line += chunk.count(b"\n")
            last = chunk.rfind(b"\n")
            column = column + len(chunk) if last < 0 else len(chunk) - last - 1
    return None


def _forced_wrong(forced: str, line: int, at: int) -> str:
    """Why a file read in the operator's --encoding is refused whole, and the encoding that reads it."""
    other = "gb18030" if forced == "utf-8" else "utf-8"
    return (f"按 --encoding {forced} 读取, 第 {line} 行第 {at} 字节起读错: 整个文件是 {_NAMES[other]} 文本; 请改用 "
            f"--encoding {other}, 或不给 --encoding 由系统识别 / read as --encoding {forced}, line {line} goes wrong "
            f"from byte {at}: the whole file is {_NAMES[other]} text; use --encoding {other}, or leave --encoding out "
            "to detect it")


_NAMES = {"utf-8": "UTF-8", "gb18030": "GB18030"}


def lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Physical lines (split at \\n, the only byte no UTF-8 or GB18030 character contains), with their numbers."""
    with path.open("rb") as fh:
        yield from enumerate(fh, 1)


def _failure(raw: bytes, encoding: str) -> int | None:
    """The 1-based byte where the line stops decoding, or None when it decodes."""
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as err:
        return err.start + 1
    return None


# What Chinese text written in UTF-8 reads as: ideographs (with their extensions), CJK and full-width punctuation, the
# middle dot of transliterated names, general punctuation. GB18030 bytes that happen to be valid UTF-8 read as other
# scripts instead: 袁强强 (D4 AC C7 BF C7 BF) is the valid UTF-8 "Ԭǿǿ", Cyrillic and Latin.
_IDEOGRAPHS = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_CHINESE_TEXT = re.compile(rf"[\x00-\x7f\u00b7\u2000-\u206f\u3000-\u303f\uff00-\uffef{_IDEOGRAPHS}]*"
                           rf"[{_IDEOGRAPHS}][\x00-\x7f\u00b7\u2000-\u206f\u3000-\u303f\uff00-\uffef{_IDEOGRAPHS}]*")


def _utf8_text(raw: bytes) -> bool:
    """A line that is Chinese text in UTF-8: it decodes, and reads as ideographs, not as the other scripts a GB18030
    line that merely happens to decode would read as."""
    try:
        return _CHINESE_TEXT.fullmatch(raw.decode("utf-8").rstrip("\r\n")) is not None
    except UnicodeDecodeError:
        return False


def _utf8_evidence(path: Path) -> tuple[int, list[BadLine]]:
    """How many lines are Chinese text in UTF-8, and the lines that are not UTF-8 (with what they look like)."""
    valid, bad = 0, []
    for n, raw in lines(path):
        if raw.isascii():
            continue
        at = _failure(raw, "utf-8")
        if at is None:
            valid += _utf8_text(raw)
        else:
            bad.append(BadLine(n, at, _not_utf8(at, _failure(raw, "gb18030") is None), "ascii"))
    return valid, bad


def _misfits(path: Path, encoding: str, *, utf8_misfits: bool) -> Iterator[BadLine]:
    """Lines that do not decode in `encoding`; with `utf8_misfits` (a GB18030 file we detected, not one the
    operator named), also lines of Chinese text in UTF-8, which GB18030 would decode into garbled text (a line of
    GB18030 whose bytes also decode as UTF-8, into other scripts, is GB18030's)."""
    other = "gb18030" if encoding == "utf-8" else "utf-8"
    for n, raw in lines(path):
        if raw.isascii():
            continue
        if utf8_misfits and _utf8_text(raw):
            first = next(i for i, b in enumerate(raw) if b >= 0x80) + 1
            yield BadLine(n, first, _utf8_in_gb18030(first), "utf-8")
            continue
        at = _failure(raw, encoding)
        if at is not None:
            looks = _failure(raw, other) is None
            why = _not_utf8(at, looks) if encoding == "utf-8" else _not_gb18030(at, looks)
            yield BadLine(n, at, why, "utf-8" if looks and other == "utf-8" else "ascii")


def _not_utf8(at: int, looks_gb18030: bool) -> str:
    """Why a line of a UTF-8 file is bad, with what it looks like, so the operator knows where it came from."""
    if looks_gb18030:
        return (f"第 {at} 字节起不是有效的 UTF-8, 像是 GB18030 / not valid UTF-8 from byte {at} of the line; "
                "looks like GB18030 (one file must use one encoding)")
    return f"第 {at} 字节起既不是 UTF-8 也不是 GB18030 / not valid UTF-8 (nor GB18030) from byte {at} of the line"


def _not_gb18030(at: int, looks_utf8: bool) -> str:
    """Why a line of a GB18030 file is bad."""
    if looks_utf8:
        return (f"第 {at} 字节起不是有效的 GB18030, 像是 UTF-8 / not valid GB18030 from byte {at} of the line; "
                "looks like UTF-8")
    return f"第 {at} 字节起既不是 GB18030 也不是 UTF-8 / not valid GB18030 (nor UTF-8) from byte {at} of the line"


def _utf8_in_gb18030(at: int) -> str:
    """Why a valid UTF-8 line in a GB18030 file is refused: GB18030 would read it as other, garbled characters."""
    return (f"文件其余部分是 GB18030, 这一行第 {at} 字节起却是 UTF-8 / the file is GB18030 but this line is UTF-8 "
            f"from byte {at} (one file must use one encoding)")
