"""The attachment store on disk: each content once, at <root>/ab/<sha256> (ab: the hash's first two digits), written
to a temporary file beside it and renamed into place, so a reader never sees half a file. File names people gave are
never used here."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from wengang.domain.attachments import SHA256
from wengang.domain.errors import NotFound


class FileAttachments:
    """AttachmentFiles in a folder."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if not SHA256.fullmatch(sha256):
            raise NotFound(f"附件 {sha256[:16]!r} 不存在 / no such attachment")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Keep the bytes once (the same content again is left as it is); their SHA-256."""
        sha = hashlib.sha256(data).hexdigest()
        path = self._path(sha)
        if path.is_file():
            return sha
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def get(self, sha256: str) -> bytes:
        """The bytes kept under the hash, or NotFound."""
        path = self._path(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"附件 {sha256[:12]} 不存在 / no such attachment") from None
