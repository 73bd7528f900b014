"""Bar charts for PDF reports, drawn with ReportLab's graphics (vector, fonts embedded): labelled values in one or more
series side by side. Values stay exact (int or Decimal); only a bar's length is taken as float, and the figure
printed at its end is the exact text the caller gives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

COLOURS = ("#a7b1bd", "#1f5fa8", "#d08a2c", "#4f8a3c")     # before (grey), after (blue), then two more series
BAR, GAP, TITLE, LEGEND, AXIS = 7.0, 6.0, 18.0, 16.0, 20.0     # points


@dataclass(frozen=True, slots=True)
class Series:
    """One series of a chart: its name in the legend, a value per label, and the exact text printed at each bar's
    end (none printed when empty)."""

    name: str
    values: Sequence[int | Decimal]
    shown: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Bars:
    """A bar chart: a title, the labels (categories), the series; `axis` says what the values count (e.g.
    "万元 / 10,000 yuan", printed after the title); horizontal bars read best for many or long labels, vertical for ordered bands."""

    title: str
    labels: Sequence[str]
    series: Sequence[Series]
    axis: str = ""
    horizontal: bool = True


def _tick(value: float) -> str:
    """An axis tick as a person reads it: thousands separated, no trailing zeros."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def drawing(chart: Bars, *, width: float, font: str, label_width: float = 90.0):
    """The chart as a ReportLab Drawing `width` points wide (a flowable for platypus), its height from the number of
    bars (horizontal) or a fixed one (vertical)."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    groups, per = len(chart.labels), len(chart.series)
    if chart.horizontal:
        plot = per * BAR * 1.6 * max(groups, 1) + GAP
        bars, left, plot_width = HorizontalBarChart(), label_width, width - label_width - 60
    else:
        plot = 150.0
        bars, left, plot_width = VerticalBarChart(), 40.0, width - 50
    height = TITLE + plot + AXIS + LEGEND + (22 if not chart.horizontal else 0)
    out = Drawing(width, height)
    title = f"{chart.title} ({chart.axis})" if chart.axis else chart.title
    out.add(String(0, height - 12, title, fontName=font, fontSize=10))
    bars.x, bars.y, bars.width, bars.height = left, LEGEND + AXIS + (22 if not chart.horizontal else 0), plot_width, plot
    # Horizontal bars are drawn bottom-up within a group: the series reversed so the first reads at the top.
    order = list(range(per))[::-1] if chart.horizontal else list(range(per))
    bars.data = [[float(v) for v in chart.series[i].values] or [0.0] for i in order]   # float for the geometry only
    bars.categoryAxis.categoryNames = list(chart.labels) or [""]
    bars.categoryAxis.labels.fontName = bars.valueAxis.labels.fontName = font
    bars.categoryAxis.labels.fontSize = bars.valueAxis.labels.fontSize = 7
    if chart.horizontal:
        bars.categoryAxis.reverseDirection = True                   # the first label at the top
        bars.categoryAxis.labels.boxAnchor, bars.categoryAxis.labels.dx = "e", -4
    else:
        bars.categoryAxis.labels.boxAnchor, bars.categoryAxis.labels.dy = "n", -4
    bars.valueAxis.valueMin = 0
    bars.valueAxis.valueMax = max((float(v) for s in chart.series for v in s.values), default=0.0) * 1.08 or 1.0
    bars.valueAxis.labelTextFormat = _tick
    bars.valueAxis.visibleGrid, bars.valueAxis.gridStrokeColor = True, colors.HexColor("#e3e6ea")
    bars.barWidth, bars.groupSpacing, bars.barSpacing = BAR, GAP, 1
    for drawn, i in enumerate(order):
        bars.bars[drawn].fillColor = colors.HexColor(COLOURS[i % len(COLOURS)])
        bars.bars[drawn].strokeColor = None
    if any(s.shown for s in chart.series):
        bars.barLabelFormat = "values"
        bars.barLabelArray = [list(chart.series[i].shown) or [""] * groups for i in order]
        bars.barLabels.fontName, bars.barLabels.fontSize = font, 6
        if chart.horizontal:
            bars.barLabels.boxAnchor, bars.barLabels.dx = "w", 3
        else:
            bars.barLabels.boxAnchor, bars.barLabels.dy = "s", 2
    out.add(bars)
    legend = Legend()
    legend.x, legend.y, legend.fontName, legend.fontSize = left, LEGEND - 2, font, 8
    legend.alignment, legend.columnMaximum, legend.deltax, legend.dxTextSpace = "right", 1, 150, 4
    legend.colorNamePairs = [(colors.HexColor(COLOURS[i % len(COLOURS)]), s.name) for i, s in enumerate(chart.series)]
    out.add(legend)
    return out
