"""What a unit may attach to its application: PDF, PNG or JPEG, told by the file's first bytes (never by its name or
the type the browser declared), each under a size limit, a limited number per application, kept once by SHA-256."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from wengang.domain.errors import Refused

# The content types taken, by the bytes each format begins with, and its name for people.
KINDS: tuple[tuple[str, bytes, str], ...] = (
    ("application/pdf", b"%PDF-", "PDF"),
    ("image/png", b"\x89PNG\r\n\x1a\n", "PNG"),
    ("image/jpeg", b"\xff\xd8\xff", "JPEG"),
)
# Formats people often try to attach, named in the refusal (what was found).
OTHERS: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "ZIP 压缩包或 Office 文档", "a ZIP archive or Office document"),
    (b"GIF8", "GIF 图片", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "旧版 Office 文档", "an old Office document"),
    (b"RIFF", "WEBP 图片或音视频", "a WEBP image or media file"),
    (b"MZ", "可执行程序", "a program"),
)
SHA256 = re.compile(r"[0-9a-f]{64}")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def sniff(data: bytes) -> str | None:
    """The content type the bytes show (application/pdf, image/png, image/jpeg), or None for anything else."""
    for content_type, magic, _name in KINDS:
        if data.startswith(magic):
            return content_type
    return None


def kind_name(content_type: str) -> str:
    """PDF, PNG or JPEG."""
    return next((name for ct, _m, name in KINDS if ct == content_type), content_type)


def found_in(data: bytes) -> tuple[str, str]:
    """What a refused file turned out to be, in words (Chinese, English)."""
    if not data:
        return "空文件", "an empty file"
    for magic, zh, en in OTHERS:
        if data.startswith(magic):
            return zh, en
    head = data[:512]
    try:
        head.decode("utf-8")
        return "文本文件", "a text file"
    except UnicodeDecodeError:
        return (f"未知格式 (开头字节 {head[:4].hex(' ')})", f"an unknown format (first bytes {head[:4].hex(' ')})")


def safe_name(name: str | None) -> str:
    """The file's name as shown and stored: the last part of the path, without control characters, at most 120
    characters (it is never used as a path)."""
    base = re.split(r"[/\\]", name or "")[-1]
    cleaned = _UNSAFE.sub("", base).strip()[:120]
    return cleaned or "附件"


@dataclass(frozen=True, slots=True)
class Upload:
    """One file that passed the checks: its name for people, the type its bytes show, its hash and its bytes."""

    name: str
    content_type: str
    size: int
    sha256: str
    data: bytes = field(repr=False)


def checked(files: Sequence[tuple[str | None, bytes]], *, max_bytes: int, max_count: int) -> list[Upload]:
    """Every file checked (its type by content, its size, the count); all refused together with a reason per file,
    so nothing is stored unless every file passed. `data` may hold one byte more than the limit (read so to tell)."""
    problems = []
    if len(files) > max_count:
        problems.append(f"最多可上传 {max_count} 个附件, 本次选择了 {len(files)} 个 / at most {max_count} attachments, "
                        f"{len(files)} were chosen")
    ok = []
    limit_mb = f"{max_bytes / 1024 / 1024:g} MB"
    for name, data in files:
        shown = safe_name(name)
        kind = sniff(data)
        if not data:
            problems.append(f"{shown}: 空文件, 未上传 / an empty file, not taken")
        elif len(data) > max_bytes:
            problems.append(f"{shown}: 超过单个文件上限 {limit_mb} / larger than the limit of {limit_mb} per file")
        elif kind is None:
            zh, en = found_in(data)
            problems.append(f"{shown}: 内容为{zh}, 只接受 PDF、PNG、JPEG / the content is {en}; only PDF, PNG or JPEG "
                            "are taken")
        else:
            ok.append(Upload(shown, kind, len(data), hashlib.sha256(data).hexdigest(), data))
    if problems:
        raise Refused("附件未上传 / no attachment was stored: " + "; ".join(problems))
    return ok


@dataclass(frozen=True, slots=True)
class ApplicationAttachment:
    """A file attached to an application: its content kept once by hash, the name the unit gave it."""

    id: int
    application_id: int
    sha256: str
    file_name: str
    content_type: str
    size: int

    @property
    def short(self) -> str:
        """The first 12 hex digits of the hash, as printed on the letter."""
        return self.sha256[:12]
