"""What the channels share on the wire: HMAC signatures checked in constant time, the refusal of a bad one, and a
secret's value masked before anything is written down."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping

SECRET_PARAMS = frozenset({"code", "activation_code", "lookup_code", "secret"})   # template values never logged
MAX_AGE_SECONDS = 15 * 60


class BadSignature(ValueError):
    """A callback (receipts, a WeChat event) whose signature does not check out, or signed too long ago: refuse
    it (HTTP 403) and keep nothing of it."""


def hmac_sha256_b64(secret: bytes, text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return base64.b64encode(hmac.new(secret, data, hashlib.sha256).digest()).decode("ascii")


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two signatures."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def masked_params(params: Mapping[str, str], secret: Iterable[str] = SECRET_PARAMS) -> dict[str, str]:
    """The template's values with every secret (an activation or look-up code) replaced by stars."""
    hidden = set(secret)
    return {k: ("*" * len(str(v)) if k in hidden else str(v)) for k, v in params.items()}
