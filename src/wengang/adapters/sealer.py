"""The Sealer port on AES-GCM: a secret on its way out is kept sealed, so a copy of a table or a file opens nothing."""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1."
NONCE_BYTES = 12


class SealBroken(ValueError):
    """A sealed text that does not open under this key and context: altered, moved or sealed with another key."""


class AesGcmSealer:
    """Seals text with a fresh random nonce; the context (what the secret is for) is bound in as associated data."""

    def __init__(self, key: bytes):
        if len(key) != 32:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    def seal(self, plain: str, context: str) -> str:
        """`v1.` + URL-safe base64 of nonce and ciphertext (with its tag)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plain.encode("utf-8"), context.encode("utf-8"))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, context: str) -> str:
        """The plain text, or SealBroken with the reason in both languages."""
        try:
            if not sealed.startswith(PREFIX):
                raise ValueError(sealed[:3])
            raw = base64.urlsafe_b64decode(sealed[len(PREFIX):].encode("ascii"))
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
        except (ValueError, binascii.Error, InvalidTag, UnicodeEncodeError):
            raise SealBroken("密封内容无法打开 (被改动、被挪用或密钥不同) / the sealed text does not open: altered, "
                             "moved to another message, or sealed under another key") from None
        return plain.decode("utf-8")
