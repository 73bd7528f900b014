"""Secrets people type: password rules (stricter for staff), argon2id hashes, one-time codes, hashed tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from wengang.domain.errors import Refused

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I: read over the phone without mistakes
CODE_LENGTH = 10
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
KINDS = (("upper-case letters", r"[A-Z]"), ("lower-case letters", r"[a-z]"), ("digits", r"\d"),
         ("symbols", r"[^A-Za-z0-9]"))
hasher = PasswordHasher()
_dummy: list[str] = []


def token_hash(token: str) -> str:
    """Sessions and codes are stored as sha256: a copy of the table opens nothing."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def password_problem(password: str, *, staff: bool = False) -> str | None:
    """10 to 128 characters; a unit's needs a letter and a digit, staff's three of upper, lower, digit, symbol
    (GB/T 22239-2019 level 3); None when acceptable."""
    if len(password) < 10 or len(password) > 128:
        return "密码应为10至128个字符 / a password has 10 to 128 characters"
    if staff:
        if sum(1 for _, pattern in KINDS if re.search(pattern, password)) < 3:
            return ("工作人员密码须含大写字母、小写字母、数字、符号中的至少三类 / a staff password needs at least three "
                    "of: upper-case letters, lower-case letters, digits, symbols")
        return None
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "密码须同时含字母和数字 / a password needs both letters and digits"
    return None


def check_password(password: str, *, staff: bool) -> None:
    """Refuse a weak password with the reason."""
    problem = password_problem(password, staff=staff)
    if problem:
        raise Refused(problem)


def phone_problem(phone: str) -> str | None:
    """A mainland mobile number or a landline with area code, or None when it is one."""
    if not PHONE.match(phone):
        return "电话号码格式不对 / not a phone number (11-digit mobile, or area code and number)"
    return None


def new_code() -> str:
    """A one-time code of ten characters from an alphabet that reads aloud without mistakes."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def verify(stored: str | None, password: str) -> bool:
    """One argon2 check whatever the account: an unknown or unusable one costs the same time as a real one."""
    if stored is None:
        if not _dummy:
            _dummy.append(hasher.hash(secrets.token_hex(16)))
        stored = _dummy[0]
        password = password + "\x00never"
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
