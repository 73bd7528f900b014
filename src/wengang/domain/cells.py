"""Text leaving the system in a CSV or a spreadsheet must never run there as a formula (OWASP "CSV injection")."""

from __future__ import annotations

import re

# A spreadsheet reads a cell as a formula when it starts with = + - @, also after leading blanks; TAB and CR start one
# too in some programs. Names still arrive so from old snapshots and typed account names, so every export escapes.
_FORMULA_START = re.compile(r"[\t\r]|\s*[=+\-@]")
# XML 1.0, and so an xlsx file, cannot hold these characters at all (openpyxl refuses the whole file).
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def runs_as_formula(text: str) -> bool:
    """True when a spreadsheet would take this text for a formula: = + - @ first (after blanks), or TAB or CR first."""
    return _FORMULA_START.match(text) is not None


def csv_cell(value: object) -> object:
    """A CSV cell: text that would run as a formula gets a leading single quote; anything else is left as it is."""
    if isinstance(value, str) and runs_as_formula(value):
        return "'" + value
    return value


def sheet_text(text: str) -> str:
    """Text an xlsx cell can hold: each character XML forbids becomes U+FFFD instead of failing the whole file."""
    return _NOT_IN_XML.sub(REPLACEMENT, text)


def fits_sheet(text: str) -> bool:
    """True when an xlsx cell takes the text as it is (no character XML forbids)."""
    return _NOT_IN_XML.search(text) is None
