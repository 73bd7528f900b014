"""Bad rows on request: each fault one of the kinds DATA.md names, so the importer has something to catch."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wengang.domain.identifiers import ID_CHECK, USCC_ALPHABET, id_check_char
from wengang.snapshot.generator_codes import credit_codes


def spoil(table: pa.Table, rng: np.random.Generator, share: float, kinds: tuple) -> pa.Table:
    """Make about `share` of the rows bad, each in one of the ways DATA.md names (only when share > 0)."""
    if share <= 0 or table.num_rows == 0:
        return table
    rows = np.sort(rng.choice(table.num_rows, size=min(table.num_rows, max(1, round(share * table.num_rows))),
                              replace=False))
    which = rng.integers(0, len(kinds), len(rows))
    for j, kind in enumerate(kinds):
        table = kind(table, rows[which == j])
    return table


def _replace(col: str, make):
    """A fault kind that rewrites the value of `col` in the chosen rows with make(old value)."""
    def kind(table: pa.Table, rows: np.ndarray) -> pa.Table:
        if not len(rows):
            return table
        arr = table[col].combine_chunks()
        mask = np.zeros(table.num_rows, bool)
        mask[rows] = True
        new = pa.array([make(v) for v in arr.take(pa.array(rows)).to_pylist()], arr.type)
        return table.set_column(table.schema.get_field_index(col), col, pc.replace_with_mask(arr, pa.array(mask), new))
    return kind


def _bad_uscc(v: str) -> str:
    return v[:17] + USCC_ALPHABET[(USCC_ALPHABET.index(v[17]) + 1) % 31]


def _bad_person(v: str) -> str:
    """An ID number whose check character fails (a pseudonym becomes one: any other id is taken as it is)."""
    if not (len(v) == 18 and v[:17].isdigit()):
        v = f"1101052000010{int(''.join(c for c in v if c.isdigit()) or 0) % 10_000:04d}" + "0"
    return v[:17] + ID_CHECK[(ID_CHECK.index(id_check_char(v[:17])) + 1) % 11]


def _negative(v: Decimal | None) -> Decimal:
    return -(abs(v or Decimal(0)) + Decimal("1.00"))


def _duplicate(table: pa.Table, rows: np.ndarray) -> pa.Table:
    return pa.concat_tables([table, table.take(pa.array(rows, pa.int64()))])


def _orphan(table: pa.Table, rows: np.ndarray) -> pa.Table:
    """Valid credit codes of units that are not in employers (their body starts MB, never MA)."""
    if not len(rows):
        return table
    codes = credit_codes(np.full((len(rows), 2), [9, 1]), np.full(len(rows), 110105), rows.astype(np.int64),
                         np.zeros(len(rows), bool), mark="B")
    mask = np.zeros(table.num_rows, bool)
    mask[rows] = True
    arr = table["uscc"].combine_chunks()
    return table.set_column(0, "uscc", pc.replace_with_mask(arr, pa.array(mask), codes))


def _removed_before(table: pa.Table, rows: np.ndarray) -> pa.Table:
    listed = table["listed_on"].combine_chunks().take(pa.array(rows, pa.int64())).to_pylist()
    fix = iter(None if d is None else d - timedelta(days=30) for d in listed)   # a flag not listed stays so
    return _replace("removed_on", lambda _: next(fix))(table, rows)


def _graduate_without_day(table: pa.Table, rows: np.ndarray) -> pa.Table:
    table = _replace("category", lambda _: "graduate")(table, rows)
    return _replace("graduated_on", lambda _: None)(table, rows)


def _ended_before(table: pa.Table, rows: np.ndarray) -> pa.Table:
    started = iter(table["started_on"].combine_chunks().take(pa.array(rows, pa.int64())).to_pylist())
    fix = iter(None if d is None else d - timedelta(days=1) for d in started)
    return _replace("ended_on", lambda _: next(fix))(table, rows)


FAULTS: dict[str, tuple] = {
    "employers": (_replace("uscc", _bad_uscc), _replace("unit_type", lambda _: "company"),
                  _replace("revenue", _negative), _replace("industry", lambda _: "mining")),
    "contributions": (_replace("unit_paid", _negative), _replace("month", lambda v: v.replace("-", "/")),
                      _duplicate, _orphan, _replace("insured", lambda v: -1 - v)),
    "separations": (_replace("person_id", _bad_person), _replace("reason", lambda _: "fired")),
    "ui_claims": (_replace("person_id", _bad_person), _replace("kind", lambda _: "weekly")),
    "flags": (_replace("flag", lambda _: "blacklisted"), _removed_before, _orphan),
    "contacts": (_replace("phone", lambda v: v[:10]), _replace("role", lambda _: "boss"), _orphan),
    "hires": (_replace("person_id", _bad_person), _replace("category", lambda _: "student"), _graduate_without_day,
              _replace("insured_months", lambda v: -1 - v), _orphan),
    "interns": (_replace("person_id", _bad_person), _replace("category", lambda _: "apprentice"), _ended_before,
                _orphan),
    "dues": (_duplicate, _replace("insurance", lambda _: "medical"), _replace("unit_due", _negative), _orphan),
}
