"""Where a file read in the wrong --encoding first goes wrong (issue 18): the same line and byte whatever the chunk
size the scan reads, and no complaint where the asked encoding may be right."""

from __future__ import annotations

import pytest

from wengang.snapshot import encoding


def naive(data: bytes) -> tuple[int, int] | None:
    for n, line in enumerate(data.split(b"\n"), 1):
        for i, b in enumerate(line):
            if b >= 0x80:
                return n, i + 1
    return None


TEXTS = ["uscc,name\n91,北京\n", "a,b\n" * 5 + "c,ddddddddddddd,说明\n", "no,text,beyond\nascii\n",
         "x" * 40 + "甲\n", "\n\n\n乙"]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("chunk", [1, 3, 7, 8 << 20])
def test_the_first_byte_beyond_ascii_is_found_across_chunks(tmp_path, monkeypatch, text, chunk):
    monkeypatch.setattr(encoding, "_CHUNK", chunk)
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode("utf-8"))
    assert encoding._first_beyond_ascii(path) == naive(text.encode("utf-8"))


@pytest.mark.parametrize(("written", "asked", "wrong"), [
    ("gb18030", "utf-8", True), ("utf-8", "gb18030", True),
    ("utf-8", "utf-8", False), ("gb18030", "gb18030", False),
])
def test_only_a_file_wholly_in_the_other_encoding_is_refused_whole(tmp_path, written, asked, wrong):
    path = tmp_path / "employers.csv"
    path.write_bytes("uscc,name\n91,北京测试\n92,上海\n".encode(written))
    scanned = encoding.scan(path, asked)
    assert (scanned.wrong is not None) == wrong
    if wrong:
        assert (scanned.wrong.line, scanned.wrong.byte) == (2, 4) and f"--encoding {asked}" in scanned.wrong.reason


def test_a_utf8_file_with_one_gb18030_line_keeps_its_line_faults(tmp_path):
    """Mixed files are not wholly in either encoding: each misfit line stays its own fault, as before."""
    path = tmp_path / "employers.csv"
    path.write_bytes(b"uscc,name\n" + "91,北京\n".encode() + "92,上海\n".encode("gb18030"))
    scanned = encoding.scan(path, "utf-8")
    assert scanned.wrong is None and list(scanned.bad) == [3]
