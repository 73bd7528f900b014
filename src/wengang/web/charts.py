"""Charts drawn on the server as SVG (no JavaScript library, nothing from a CDN); sizes from exact arithmetic."""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup, escape

BAR, GAP, LABEL, VALUE = 24, 8, 190, 130


def bars(items: list[tuple[str, Decimal | int]], *, title: str, width: int = 620, scale_to: Decimal | int | None = None,
         suffix: str = "") -> Markup:
    """A horizontal bar chart: one labelled bar per item, its value printed after it; accessible by its title."""
    span = width - LABEL - VALUE
    top = Decimal(scale_to if scale_to is not None else max((v for _, v in items), default=0) or 1)
    height = len(items) * (BAR + GAP) + GAP
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(items):
        y = GAP + i * (BAR + GAP)
        length = int(Decimal(value) * span / top) if top else 0
        shown = f"{value:,}{suffix}"
        parts.append(f'<text class="chart-label" x="{LABEL - 8}" y="{y + BAR - 6}" text-anchor="end">'
                     f"{escape(label)}</text>")
        parts.append(f'<rect class="chart-track" x="{LABEL}" y="{y}" width="{span}" height="{BAR}" rx="3"/>')
        parts.append(f'<rect class="chart-bar chart-bar-{i % 6}" x="{LABEL}" y="{y}" width="{max(length, 0)}" '
                     f'height="{BAR}" rx="3"/>')
        parts.append(f'<text class="chart-value" x="{LABEL + span + 8}" y="{y + BAR - 6}">{escape(shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram(items: list[tuple[str, int]], *, title: str, width: int = 620, height: int = 220) -> Markup:
    """A vertical bar chart of counts per bin (days to money): each bar labelled below, its count above."""
    top, base, gap = max((n for _, n in items), default=0) or 1, height - 28, 4
    step = (width - 2 * gap) // max(len(items), 1)
    parts = [f'<svg class="chart histogram" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for i, (label, n) in enumerate(items):
        x, tall = gap + i * step, (base - 20) * n // top
        parts.append(f'<rect class="chart-bar chart-bar-1" x="{x + gap}" y="{base - tall}" '
                     f'width="{step - 2 * gap}" height="{tall}" rx="2"/>')
        parts.append(f'<text class="chart-value" x="{x + step // 2}" y="{base - tall - 4}" text-anchor="middle">'
                     f"{n:,}</text>")
        parts.append(f'<text class="chart-label" x="{x + step // 2}" y="{height - 10}" text-anchor="middle">'
                     f"{escape(label)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))
