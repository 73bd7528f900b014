"""Secret keys kept outside the databases: one master key in a file of its own, a key per purpose derived from it."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from wengang.domain.errors import StoreUnavailable

KEY_BYTES = 32


class KeyFileError(StoreUnavailable):
    """The key file is unusable (wrong size, readable by others): refuse rather than run without the key."""


class KeyFile:
    """The Keys port on a file (0600) that a database administrator cannot read through the database.

    The embedded default creates it on first use; production points WENGANG_KEY_FILE at a file provisioned by the
    security officer (or a mounted secret). Losing it makes the audit chain unverifiable, as it should."""

    def __init__(self, path: Path, *, create: bool = True):
        self.path, self._create = Path(path), create
        self._master: bytes | None = None

    def _load(self) -> bytes:
        if self._master is None:
            if not self.path.exists() and self._create:
                self._write_new()
            try:
                data = self.path.read_bytes()
            except OSError as err:
                raise KeyFileError(f"无法读取密钥文件 / cannot read the key file {self.path}: {err.strerror}") from None
            if len(data) != KEY_BYTES:
                raise KeyFileError(f"密钥文件应为 {KEY_BYTES} 字节 / the key file {self.path} must hold "
                                   f"{KEY_BYTES} bytes, holds {len(data)}")
            if self.path.stat().st_mode & 0o077:
                raise KeyFileError(f"密钥文件不得让他人读取 / the key file {self.path} is readable by others: "
                                   "chmod 600 it")
            self._master = data
        return self._master

    def _write_new(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_bytes(KEY_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)

    def key(self, purpose: str) -> bytes:
        """The key for one purpose ("audit", "seal", …): HMAC-SHA256 of the purpose under the master key."""
        return hmac.new(self._load(), f"wengang/{purpose}".encode(), hashlib.sha256).digest()
