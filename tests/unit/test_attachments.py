"""Attachments: the type told by the content (never the name), size and count limits, refusals that name the file
and what was found, and the store that keeps each content once by its SHA-256."""

from __future__ import annotations

import hashlib

import pytest

from wengang.adapters.attachments import FileAttachments
from wengang.domain.attachments import checked, safe_name, sniff
from wengang.domain.errors import NotFound, Refused

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20


def test_the_type_is_told_by_the_content():
    assert sniff(PDF) == "application/pdf" and sniff(PNG) == "image/png" and sniff(JPEG) == "image/jpeg"
    assert sniff(b"hello") is None and sniff(b"") is None


def test_a_pdf_named_png_is_taken_as_the_pdf_it_is():
    [up] = checked([("scan.png", PDF)], max_bytes=1000, max_count=5)
    assert up.content_type == "application/pdf" and up.name == "scan.png"
    assert up.sha256 == hashlib.sha256(PDF).hexdigest() and up.size == len(PDF)


def test_a_text_file_named_pdf_is_refused_with_what_it_is():
    with pytest.raises(Refused) as err:
        checked([("报表.pdf", "这不是PDF".encode())], max_bytes=1000, max_count=5)
    assert "报表.pdf: 内容为文本文件, 只接受 PDF、PNG、JPEG" in str(err.value)
    assert "the content is a text file; only PDF, PNG or JPEG" in str(err.value)


def test_an_oversize_an_empty_and_a_zip_file_are_refused_together_and_nothing_passes():
    with pytest.raises(Refused) as err:
        checked([("big.pdf", PDF + b"x" * 2000), ("empty.png", b""), ("a.docx", b"PK\x03\x04rest"),
                 ("ok.jpg", JPEG)], max_bytes=1024 * 1024 // 1024, max_count=5)
    text = str(err.value)
    assert "big.pdf: 超过单个文件上限" in text and "larger than the limit" in text
    assert "empty.png: 空文件" in text and "a.docx: 内容为ZIP 压缩包或 Office 文档" in text
    assert "ok.jpg" not in text


def test_too_many_files_are_refused():
    with pytest.raises(Refused, match="at most 2 attachments, 3 were chosen"):
        checked([("a.pdf", PDF)] * 3, max_bytes=1000, max_count=2)


def test_a_file_name_is_never_a_path():
    assert safe_name("../../etc/passwd") == "passwd" and safe_name("C:\\x\\证明.pdf") == "证明.pdf"
    assert safe_name("\x00\x1f") == "附件" and len(safe_name("a" * 500)) == 120


def test_the_store_keeps_each_content_once_by_hash(tmp_path):
    files = FileAttachments(tmp_path / "attachments")
    sha = files.put(PDF)
    assert sha == hashlib.sha256(PDF).hexdigest()
    path = tmp_path / "attachments" / sha[:2] / sha
    assert path.read_bytes() == PDF
    before = path.stat().st_mtime_ns
    assert files.put(PDF) == sha and path.stat().st_mtime_ns == before          # not written again
    assert [p.name for p in (tmp_path / "attachments").rglob("*") if p.is_file()] == [sha]   # no temporary left
    assert files.get(sha) == PDF
    with pytest.raises(NotFound):
        files.get("0" * 64)
    with pytest.raises(NotFound):
        files.get("../../etc/passwd")
