"""The per-row checks of one streamed batch in Arrow compute, and its values in their stored types: a file whose every
batch passes is loaded typed, so DuckDB neither reads its text again nor casts it. These checks only ever pass a
value the SQL checks (checks.py) pass too; any doubt raises Doubt, and the file is then loaded as text and checked in
SQL, which says precisely what is wrong (file, line, column, value, reason)."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wengang.domain.identifiers import (
    ID_CHECK,
    ID_WEIGHTS,
    PERSON_ID_PATTERN,
    RESIDENT_ID_PATTERN,
    USCC_ALPHABET,
    USCC_WEIGHTS,
)
from wengang.domain.names import NAME_LIMIT, name_problem
from wengang.snapshot.checks import EMAIL_LIMIT, NAME_BLANK_RE, NAME_SUSPECT_RE, SHAPES, TEXT_LIMIT
from wengang.snapshot.rawfile import LINE
from wengang.snapshot.schema import FALSE_WORDS, TRUE_WORDS, Column, FileSpec

STORED = {"int": pa.int32(), "money": pa.decimal128(18, 2), "date": pa.date32(), "bool": pa.bool_()}
SQL_TYPES = {"int": "INTEGER", "money": "DECIMAL(18,2)", "date": "DATE", "bool": "BOOLEAN"}
# A date passes here only with a year of four digits from 1000: its text is then what DuckDB writes for the date,
# so a later comparison of typed dates (repeated rows, a row rule's message) reads as the text would.
_DATE = "[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}"


class Doubt(Exception):
    """A value the batch checks do not pass: the file is loaded as text and checked in SQL instead."""


def typed_columns(spec: FileSpec) -> tuple[str, ...]:
    """The columns loaded in their stored type: dates always, numbers and booleans only in a file without repeated-row
    comparison (there "05" and "5", or "1" and "true", are different rows, as their text says)."""
    return tuple(c.name for c in spec.columns
                 if c.kind == "date" or (c.kind in STORED and not spec.repeats_kept_once))


def typed_schema(spec: FileSpec, typed: tuple[str, ...]) -> pa.Schema:
    return pa.schema([pa.field(c.name, STORED[c.kind] if c.name in typed else pa.string()) for c in spec.columns]
                     + [pa.field(LINE, pa.int64())])


def typed_batch(spec: FileSpec, part: pa.Table, typed: tuple[str, ...]) -> pa.Table:
    """One batch of text with its lines, every value checked, the `typed` columns cast; Doubt at the first doubt."""
    owner = not spec.references_employers
    arrays = []
    for col in spec.columns:
        values = part.column(col.name)
        check_column(col, values, owner=owner)
        arrays.append(stored(col, values) if col.name in typed else values)
    return pa.Table.from_arrays([*arrays, part.column(LINE)], schema=typed_schema(spec, typed))


def _text(values: pa.ChunkedArray | pa.Array) -> pa.StringArray:
    """The values as one array of text (a batch's column is one chunk: no copy)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()
    return cast(pa.StringArray, values)


def _buffers(arr: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """The value offsets (one more than values) and the bytes of an array of text."""
    _, offsets, data = arr.buffers()
    starts = np.frombuffer(cast(memoryview, offsets), np.int32)[arr.offset:arr.offset + len(arr) + 1]
    return starts, np.frombuffer(cast(memoryview, data), np.uint8)


def _every(mask: Any) -> bool:
    return pc.all(mask, skip_nulls=False, min_count=0).as_py() is True


def _full(values: pa.StringArray, pattern: str) -> bool:
    """Every value matches the pattern whole (RE2, as DuckDB's regexp_full_match)."""
    return _every(pc.match_substring_regex(values, f"^(?:{pattern})$"))


def check_column(col: Column, values: pa.ChunkedArray | pa.Array, *, owner: bool) -> None:
    """Doubt unless value_problem_sql finds nothing in any of these values."""
    if col.required and values.null_count:
        raise Doubt(col.name)
    present = _text(values.drop_null() if values.null_count else values)
    if len(present) == 0:
        return
    kind = col.kind
    if col.required and kind in _MAY_BE_BLANK and _starts_blank(present):
        raise Doubt(col.name)
    if kind == "uscc":
        if owner and not (_full(present, SHAPES["uscc"]) and _uscc_checked(present)):
            raise Doubt(col.name)
    elif kind == "person_id":
        if not (_full(present, PERSON_ID_PATTERN) and _ids_checked(present)):
            raise Doubt(col.name)
    elif kind == "enum":
        if not _every(pc.is_in(present, value_set=pa.array(col.choices, pa.string()))):
            raise Doubt(col.name)
    elif kind == "name":
        _names(present, col)
    elif kind == "bool":
        words = pa.array([*TRUE_WORDS, *FALSE_WORDS], pa.string())
        if not _every(pc.is_in(pc.utf8_lower(present), value_set=words)):
            raise Doubt(col.name)
    elif kind in ("email", "text"):
        limit = EMAIL_LIMIT if kind == "email" else TEXT_LIMIT
        if pc.max(pc.utf8_length(present)).as_py() > limit or (kind == "email" and not _full(present, SHAPES[kind])):
            raise Doubt(col.name)
    elif kind == "int":                   # SHAPES["int"] without a regex: 1 to 9 ASCII digits
        if not (_every(pc.ascii_is_decimal(present)) and pc.max(pc.binary_length(present)).as_py() <= 9):
            raise Doubt(col.name)
    elif kind in SHAPES and not _full(present, _DATE if kind == "date" else SHAPES[kind]):
        raise Doubt(col.name)


# Kinds whose check would pass a value of spaces alone (the others' shapes, words or rules refuse it): for these the
# empty check of a required value is made here, and made over-inclusive: a value starting with a byte that may begin
# a space separator (what DuckDB's trim() takes away) is a doubt.
_MAY_BE_BLANK = ("uscc", "text")
_BLANK_STARTS = np.frombuffer(b" \xc2\xe1\xe2\xe3", np.uint8)   # U+0020, U+00A0, U+1680, U+2000–U+205F, U+3000


def _starts_blank(present: pa.StringArray) -> bool:
    offsets, data = _buffers(present)
    if (np.diff(offsets) == 0).any():            # an empty text (a Parquet file's) is empty: a doubt
        return True
    return bool(np.isin(data[offsets[:-1]], _BLANK_STARTS).any())


def _names(present: pa.StringArray, col: Column) -> None:
    """The few names the SQL would suspect are judged by the one rule for names, as the SQL path has them judged."""
    suspect = pc.or_(pc.or_(pc.greater(pc.utf8_length(present), pa.scalar(NAME_LIMIT, pa.int32())),
                            pc.match_substring_regex(present, NAME_SUSPECT_RE)),
                     pc.match_substring_regex(present, f"^{NAME_BLANK_RE}$"))
    if any(name_problem(v) is not None for v in pc.filter(present, suspect).to_pylist()):
        raise Doubt(col.name)


def _fixed(values: pa.StringArray, width: int) -> np.ndarray:
    """Values known to be `width` ASCII bytes each, as an n × width array of bytes."""
    offsets, data = _buffers(values)
    if offsets[-1] - offsets[0] != width * len(values):
        raise Doubt("width")
    return data[offsets[0]:offsets[-1]].reshape(len(values), width)


_USCC_INDEX = np.full(256, 0, np.int64)
_USCC_INDEX[np.frombuffer(USCC_ALPHABET.encode(), np.uint8)] = np.arange(len(USCC_ALPHABET))


def _uscc_checked(present: pa.StringArray) -> bool:
    """Every credit code's check character is right (each already of the code's 18 characters)."""
    index = _USCC_INDEX[_fixed(present, 18)]
    expected = (31 - (index[:, :17] @ np.array(USCC_WEIGHTS)) % 31) % 31
    return bool((expected == index[:, 17]).all())


_ID_CHECK = np.frombuffer(ID_CHECK.encode(), np.uint8)


def _ids_checked(present: pa.StringArray) -> bool:
    """Every value shaped like a resident ID number has its right check character (a lower-case x is not one)."""
    shaped = _text(pc.filter(present, pc.match_substring_regex(present, f"^(?:{RESIDENT_ID_PATTERN})$")))
    if len(shaped) == 0:
        return True
    digits = _fixed(shaped, 18)
    expected = _ID_CHECK[((digits[:, :17].astype(np.int64) - ord("0")) @ np.array(ID_WEIGHTS)) % 11]
    return bool((expected == digits[:, 17]).all())


def stored(col: Column, values: pa.ChunkedArray) -> pa.ChunkedArray:
    """The checked text in its stored type, as store.typed_sql would cast it."""
    if col.kind == "bool":
        truth = pc.is_in(pc.utf8_lower(values), value_set=pa.array(TRUE_WORDS, pa.string()))
        return pc.if_else(pc.is_valid(values), truth, pa.scalar(None, pa.bool_()))
    try:
        return pc.cast(values, STORED[col.kind])
    except pa.ArrowInvalid as err:          # a date shaped right that is no day (2021-02-30)
        raise Doubt(col.name) from err
