"""Notices as PDF that print the same everywhere: ReportLab with a CJK font embedded (a subset), A4, the issuing
authority's name at the head, numbered pages. A machine without a CJK font is told how to get one, never handed a
PDF of empty boxes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Where Debian and most distributions put a font that has the Chinese characters (fonts-wqy-microhei, fonts-noto-cjk).
FONT_PLACES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
)
FONT = "wengang-cjk"


class NoFont(RuntimeError):
    """No font with Chinese characters: a PDF would print empty boxes."""


@dataclass(frozen=True, slots=True)
class Notice:
    """What a notice says: who issues it, its title, paragraphs, an optional table (header + rows), and the lines
    under it (date, seal line). Every text is already in words (Chinese first, English after)."""

    authority: str
    title: str
    paragraphs: Sequence[str] = ()
    table: Sequence[Sequence[str]] = ()
    widths: Sequence[float] = ()        # the table's column widths in millimetres (empty: equal)
    closing: Sequence[str] = ()
    reference: str = ""                 # printed small at the foot of every page (the notice's number)
    numeric_last: bool = False          # the table's last column holds amounts (right-aligned)
    after: Sequence[str] = ()           # paragraphs after the table, flush left (a letter's attachments and text)


def font_path(configured: Path | None = None) -> Path:
    """The CJK font to embed: the configured one, else the first of FONT_PLACES this machine has."""
    for place in ((configured,) if configured else (*FONT_PLACES, _fontconfig())):
        if place is not None and place.is_file() and place.suffix.lower() in (".ttf", ".ttc", ".otf"):
            return place
    raise NoFont("本机没有中文字体, 无法生成PDF通知; 请安装 fonts-wqy-microhei (apt-get install fonts-wqy-microhei) 或设置 "
                 "WENGANG_CJK_FONT / no font with Chinese characters here: install fonts-wqy-microhei or set "
                 "WENGANG_CJK_FONT to a .ttf/.ttc file")


def _fontconfig() -> Path | None:
    """A font fontconfig lists as covering Chinese, where it is elsewhere than FONT_PLACES (`fc-match` would answer
    with any font at all); None without fontconfig or without such a font."""
    import shutil
    import subprocess

    if shutil.which("fc-list") is None:
        return None
    found = subprocess.run(["fc-list", ":lang=zh", "-f", "%{file}\n"], capture_output=True, text=True, timeout=10)
    files = sorted(line for line in found.stdout.splitlines() if line.strip()) if found.returncode == 0 else []
    return Path(files[0]) if files else None


def register_font(path: Path) -> None:
    """The CJK font under FONT, once per process (ReportLab keeps a registry)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))


def render(notice: Notice, *, font: Path | None = None) -> bytes:
    """The notice as PDF bytes (A4, the font embedded as a subset)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    register_font(font_path(font))
    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK", firstLineIndent=22)
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    head = ParagraphStyle("head", fontName=FONT, fontSize=12, leading=16, alignment=1)
    title = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=26, alignment=1, spaceAfter=8)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
    number = ParagraphStyle("number", parent=cell, alignment=2)
    right = ParagraphStyle("right", parent=plain, alignment=2)

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escaped(text).replace("\n", "<br/>"), style)

    story: list = [para(notice.authority, head), para(notice.title, title), Spacer(1, 4 * mm)]
    story += [para(p, plain if i == 0 and p.endswith(":") else body) for i, p in enumerate(notice.paragraphs)]
    if notice.table:
        width = A4[0] - 40 * mm
        cols = [w * mm for w in notice.widths] or [width / len(notice.table[0])] * len(notice.table[0])
        last = len(notice.table[0]) - 1
        grid = Table([[para(str(v), number if notice.numeric_last and i == last else cell) for i, v in enumerate(row)]
                      for row in notice.table], colWidths=cols, repeatRows=1)
        grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                                  ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        if notice.numeric_last:
            grid.setStyle(TableStyle([("ALIGN", (-1, 0), (-1, -1), "RIGHT")]))
        story += [Spacer(1, 3 * mm), grid, Spacer(1, 3 * mm)]
    story += [para(p, plain) for p in notice.after]
    story += [Spacer(1, 8 * mm)] + [para(line, right) for line in notice.closing]

    def foot(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(20 * mm, 10 * mm, notice.reference)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"第 {doc.page} 页 / page {doc.page}")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=notice.title, author=notice.authority)
    doc.build(story, onFirstPage=foot, onLaterPages=foot)
    return out.getvalue()


def escaped(text: str) -> str:
    """Text for a ReportLab paragraph (a small HTML dialect): its markup characters taken literally."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
