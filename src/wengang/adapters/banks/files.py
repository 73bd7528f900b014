"""What every bank file shares: atomic writes with a fingerprint, and fast lookups in parsed XML."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from wengang.domain.bank_files import BankFileError, WrittenFile

__all__ = ["BankFileError", "WrittenFile", "children", "dig", "sha256_of", "text_of", "write_atomic", "xml_text"]


def write_atomic(path: Path | str, data: bytes) -> str:
    """Temporary file, fsync, os.replace, fsync the folder: a crash leaves the old file or the new, never half."""
    # mkstemp creates the file owner-only (0600), as files carrying account numbers should be.
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a power cut
    finally:
        os.close(folder)
    return hashlib.sha256(data).hexdigest()


def sha256_of(path: Path | str) -> str:
    """The fingerprint of a received file, recorded with what was read from it."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def xml_text(value: str) -> str:
    """Escape text for XML element content and attribute values."""
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def children(el) -> dict:
    """An element's children by tag (the first of each): one pass, far faster than findtext paths."""
    return {c.tag: c for c in reversed(el)}


def dig(el, *tags: str):
    """Follow tags down from `el` (first child of each tag); None as soon as one is missing."""
    for tag in tags:
        if el is None:
            return None
        for child in el:  # a plain scan of a few children beats find()'s path machinery
            if child.tag == tag:
                el = child
                break
        else:
            return None
    return el


def text_of(el, *tags: str) -> str | None:
    node = dig(el, *tags)
    return None if node is None else node.text


def required_text(path: Path | str, fmt: str, el, *tags: str) -> str:
    """The text of an element the XSD makes mandatory: a file without it (none passes validation) is refused."""
    text = text_of(el, *tags)
    if text is None:
        missing = "/".join(tag.rpartition("}")[2] for tag in tags)
        raise BankFileError(path, fmt, getattr(el, "sourceline", None), f"缺少 / missing {missing}")
    return text
