"""Check digits of the unified social credit code (GB 32100-2015) and the resident ID (GB 11643-1999)."""

from __future__ import annotations

import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# DATA.md's person id, written once for Python (re.fullmatch) and the importer's SQL (regexp_full_match): ASCII only,
# so a full-width digit or a trailing newline is no digit or letter in either.
PERSON_ID_PATTERN = "[A-Za-z0-9_-]{1,64}"
RESIDENT_ID_PATTERN = "[0-9]{17}[0-9Xx]"   # a lower-case x is shaped like an ID and told to be upper-case by the check
_ID_SHAPE = re.compile(RESIDENT_ID_PATTERN)
PERSON_ID_SHAPE = re.compile(PERSON_ID_PATTERN)
PERSON_ID_TEXT = "人员编号应为1到64位字母、数字、-或_ / a person id has 1 to 64 letters, digits, - or _"

# The weights are 3^i mod 31 and 34 ≡ 3 (mod 31): so the first 17 characters, reversed, each replaced by its
# value as a base-34 digit, read by int(…, 34) give the weighted sum mod 31 in C. Other bytes become "!": refused.
_BASE34 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWX"
_AS_BASE34 = bytes(ord(_BASE34[USCC_ALPHABET.index(chr(b))] if chr(b) in USCC_ALPHABET else "!")
                   for b in range(256))


def _weighted_sum(code: str) -> int | None:
    """The weighted sum mod 31 of an ASCII code's first 17 characters, or None when one is not in the alphabet."""
    try:
        return int(code.encode()[16::-1].translate(_AS_BASE34), 34) % 31
    except ValueError:
        return None


def uscc_check_char(first17: str) -> str:
    """The 18th character that makes `first17` a valid credit code."""
    if type(first17) is str and len(first17) == 17 and first17.isascii():   # hot: runs per payment instruction
        total = _weighted_sum(first17)
        if total is not None:
            return USCC_ALPHABET[(31 - total) % 31]
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why `code` is not a valid credit code, or None when it is."""
    if type(code) is str and len(code) == 18 and code.isascii():   # hot: a valid code is confirmed in one C pass
        total = _weighted_sum(code)
        if total is not None and USCC_ALPHABET[(31 - total) % 31] == code[17]:
            return None
    if len(code) != 18:
        return f"统一社会信用代码应为18位 / credit code must have 18 characters, has {len(code)}"
    bad = [c for c in code if c not in USCC_ALPHABET]
    if bad:
        return f"含非法字符 / character {bad[0]!r} is not allowed in a credit code"
    if uscc_check_char(code[:17]) != code[17]:
        return f"校验码错误 / check digit should be {uscc_check_char(code[:17])!r}, not {code[17]!r}"
    return None


def id_check_char(first17: str) -> str:
    """The 18th character that makes `first17` a valid resident ID number."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_problem(number: str) -> str | None:
    """Why `number` is not a valid 18-digit resident ID, or None when it is."""
    if not _ID_SHAPE.fullmatch(number):
        return "身份证号应为17位数字加校验位 / ID number must be 17 digits and a check character"
    if id_check_char(number[:17]) != number[17]:
        return f"身份证校验码错误 / ID check character should be {id_check_char(number[:17])!r}, not {number[17]!r}"
    return None


def person_id_problem(value: str) -> str | None:
    """DATA.md's person ids: 1–64 letters, digits, - and _; a value shaped like a second-generation resident ID
    must pass its check character (written upper-case X); a 15-digit first-generation ID, an agency's personal
    number or a pseudonym is taken as it is."""
    if not PERSON_ID_SHAPE.fullmatch(value):
        return PERSON_ID_TEXT
    if _ID_SHAPE.fullmatch(value):   # shaped like a second-generation ID: its check character must verify
        return id_problem(value)
    return None


def mask_id(value: str) -> str:
    """Show only what a person needs to recognise an ID: first 3 and last 4 characters."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_account(value: str) -> str:
    """Bank accounts show only their last four digits."""
    return "*" * max(0, len(value) - 4) + value[-4:]


def mask_phone(value: str) -> str:
    """Phones show the first three and last four digits, as Chinese banks do."""
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "*" * len(value)


def mask_email(value: str) -> str:
    """An e-mail shows its first character and its domain: a***@example.cn."""
    name, at, domain = value.partition("@")
    return (name[:1] + "***" + at + domain) if at else mask_phone(value)
