"""Reports as PDF a director reads (a simulation brief, a statistics report): A4, a CJK font embedded, a title, an
optional banner and mark on every page (e.g. 模拟 for a simulation), then headings, paragraphs, tables and bar charts.
Every text is already in words (Chinese first, English after); this module only lays them out."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wengang.documents.charts import Bars, drawing
from wengang.documents.pdf import FONT, escaped, font_path, register_font


@dataclass(frozen=True, slots=True)
class Heading:
    """A section's heading."""

    text: str


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph; `small` for notes under a table."""

    text: str
    small: bool = False


@dataclass(frozen=True, slots=True)
class Grid:
    """A table: a header row then rows of text; columns from `numeric_from` on are right-aligned (figures);
    `widths` in millimetres (empty: equal); `bold_last` for a totals row."""

    rows: Sequence[Sequence[str]]
    widths: Sequence[float] = ()
    numeric_from: int = 1
    bold_last: bool = False


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar chart, drawn as vector graphics."""

    bars: Bars


@dataclass(frozen=True, slots=True)
class NewPage:
    """Start the next block on a new page."""


Block = Heading | Text | Grid | Chart | NewPage


@dataclass(frozen=True, slots=True)
class Report:
    """What a report says: its title, the lines under it, a banner under the title and a mark across every page (both
    optional), the blocks, and the text at the foot of every page."""

    title: str
    subtitle: Sequence[str] = ()
    banner: str = ""
    mark: str = ""
    blocks: Sequence[Block] = field(default_factory=tuple)
    footer: str = ""
    author: str = ""


WIDTH_MM, MARGIN_MM = 210, 18


def render_report(report: Report, *, font: Path | None = None) -> bytes:
    """The report as PDF bytes (A4 portrait, the font embedded as a subset, pages numbered)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        CondPageBreak,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
    )

    register_font(font_path(font))
    width = A4[0] - 2 * MARGIN_MM * mm
    styles = {
        "title": ParagraphStyle("title", fontName=FONT, fontSize=18, leading=24, alignment=1, spaceAfter=2),
        "sub": ParagraphStyle("sub", fontName=FONT, fontSize=9, leading=13, alignment=1, textColor="#444444"),
        "banner": ParagraphStyle("banner", fontName=FONT, fontSize=10, leading=14, alignment=1, textColor="#9b1c1c",
                                 backColor="#fdecec", borderColor="#9b1c1c", borderWidth=0.8, borderPadding=5),
        "head": ParagraphStyle("head", fontName=FONT, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4,
                               textColor="#1f3b63"),
        "text": ParagraphStyle("text", fontName=FONT, fontSize=9.5, leading=14, wordWrap="CJK"),
        "small": ParagraphStyle("small", fontName=FONT, fontSize=7.5, leading=10, wordWrap="CJK",
                                textColor="#555555"),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10.5, wordWrap="CJK"),
    }
    styles["figure"] = ParagraphStyle("figure", parent=styles["cell"], alignment=2)

    def para(text: str, style: str) -> Paragraph:
        return Paragraph(escaped(text).replace("\n", "<br/>"), styles[style])

    def grid(block: Grid) -> Table:
        cols = [w * mm for w in block.widths] or [width / len(block.rows[0])] * len(block.rows[0])
        table = Table([[para(str(v), "figure" if i >= block.numeric_from else "cell") for i, v in enumerate(row)]
                       for row in block.rows], colWidths=cols, repeatRows=1)
        style = [("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#1f3b63")),
                 ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#d5d9de")),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                 ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 2),
                 ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
        if block.bold_last:
            style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f6f7f9")))
        table.setStyle(style)
        return table

    story: list = [para(report.title, "title")] + [para(line, "sub") for line in report.subtitle]
    if report.banner:
        story += [Spacer(1, 4 * mm), para(report.banner, "banner")]
    story.append(Spacer(1, 3 * mm))
    page_height = A4[1] - 31 * mm - 12                 # the frame: margins and its padding
    pending: list = []                                # a heading kept with the block under it

    def together(items: list) -> list:
        """A block with its heading on a new page unless it fits here (a block taller than a page splits)."""
        need = sum(item.wrap(width, page_height)[1] for item in items)
        return [CondPageBreak(need + 4 * mm), *items] if need < page_height else items

    for block in report.blocks:
        if isinstance(block, NewPage):
            story.append(PageBreak())
        elif isinstance(block, Heading):
            pending = [para(block.text, "head")]
            continue
        elif isinstance(block, Text):
            story += together([*pending, para(block.text, "small" if block.small else "text")])
        elif isinstance(block, Grid):
            story += together([*pending, grid(block)])
        else:
            story += together([*pending, drawing(block.bars, width=width, font=FONT), Spacer(1, 2 * mm)])
        pending = []
    story += pending

    def page(canvas, doc) -> None:
        canvas.saveState()
        if report.mark:
            canvas.setFont(FONT, 64)
            canvas.setFillColor(colors.Color(0.61, 0.11, 0.11, alpha=0.07))
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(40)
            canvas.drawCentredString(0, 0, report.mark)
            canvas.rotate(-40)
            canvas.translate(-A4[0] / 2, -A4[1] / 2)
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN_MM * mm, 9 * mm, report.footer)
        canvas.drawRightString(A4[0] - MARGIN_MM * mm, 9 * mm, f"第 {doc.page} 页 / page {doc.page}")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN_MM * mm, rightMargin=MARGIN_MM * mm,
                            topMargin=15 * mm, bottomMargin=16 * mm, title=report.title, author=report.author)
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return out.getvalue()
