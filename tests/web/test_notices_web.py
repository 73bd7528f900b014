"""The printed notices (issue 15): a unit's own decision notice and a list's publicity notice as real PDF files with
the Chinese font embedded, saying in words who, how much, when and why — never another unit's, never a raw code."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests.web.conftest import FIRST, sign_in
from wengang.web.words import RULE_REASONS


def _text(data: bytes) -> tuple[str, set[str]]:
    """The PDF's text and the fonts it embeds (a font file in the PDF, not a name the reader must have)."""
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for d in [font.get("/FontDescriptor")] + [f.get_object().get("/FontDescriptor")
                                                      for f in font.get("/DescendantFonts", [])]:
                if d is not None and any(k in d.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded.add(str(font["/BaseFont"]))
    return re.sub(r"\s+", "", text), embedded


def test_the_publicity_notice_lists_every_entry_with_its_total_and_period_in_chinese(client, facts):
    page = client.get(f"/publicity/{facts['open_list']}").text
    assert f'href="/publicity/{facts["open_list"]}/notice.pdf"' in page                  # offered on the list
    reply = client.get(f"/publicity/{facts['open_list']}/notice.pdf")
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/pdf"
    text, embedded = _text(reply.content)
    assert embedded, "the Chinese font is embedded"
    rows = client.get(f"/api/v1/publicity/batches/{facts['open_list']}/entries").json()["rows"]
    total = sum(float(r["amount"]) for r in rows)
    assert "公示公告" in text and "公示期" in text and f"{total:,.2f}" in text
    assert all(r["uscc"] in text for r in rows) and f"{len(rows)}家单位" in text
    assert "6222" not in text                                       # no account number on a public notice


def test_a_unit_gets_its_own_notice_and_a_rejected_one_reads_why_in_words(client, facts):
    sign_in(client, FIRST, employer=True)
    home = client.get("/portal").text
    cycles = sorted(set(int(c) for c in re.findall(r'id="case-(\d+)"', home)))
    assert cycles
    said = []
    for cycle in cycles:
        assert f'href="/portal/cycles/{cycle}/notice.pdf"' in client.get(f"/portal/cycles/{cycle}").text
        reply = client.get(f"/portal/cycles/{cycle}/notice.pdf")
        assert reply.status_code == 200
        text, embedded = _text(reply.content)
        assert embedded and "告知书" in text and FIRST in text
        assert not any(code in text for code in RULE_REASONS if code not in ("flag:other",)), "never a bare code"
        said.append(text)
    assert any("返还金额为人民币" in t or "不符合" in t or "人工审核" in t for t in said)
    assert client.get("/portal/cycles/999/notice.pdf").status_code == 404           # no case there: nothing


@pytest.mark.parametrize("path", ["/portal/cycles/1/notice.pdf"])
def test_the_decision_notice_needs_the_unit_signed_in(client, path):
    reply = client.get(path, follow_redirects=False)
    assert reply.status_code in (303, 401, 403)
