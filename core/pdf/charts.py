"""Report charts drawn with reportlab.graphics: the pack's trend lines, compliance bars and ageing bars."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Group, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from core.calendar import compact_month_label
from core.pdf.fonts import CJK, SANS, register_fonts, runs, string_width

PALETTE = [
    colors.HexColor(c)
    for c in (
        "#1f6f8b",
        "#e07a5f",
        "#3d405b",
        "#81b29a",
        "#f2cc8f",
        "#6d597a",
        "#118ab2",
        "#ef476f",
        "#06d6a0",
        "#8d99ae",
    )
]
INK = colors.HexColor("#1d2b36")
MUTED = colors.HexColor("#5c6b78")
RULE = colors.HexColor("#d5dde3")
BAND = colors.HexColor("#eef4f7")
OVERALL = "Overall (pooled)"


@dataclass(frozen=True)
class Trend:
    """A 12-month line chart: one line per department."""

    title: str
    frame: pd.DataFrame  # month, department, value (missing: no data that month)
    unit: str  # "%" or "count"
    partial_month: str | None = None  # "YYYY-MM" of a month still in progress, marked on the axis


LEGEND_COLUMNS = 3
LEGEND_ROW = 11.0
PLOT_HEIGHT = 150.0


def trend_series(frame: pd.DataFrame) -> tuple[list[str], list[str], list[list[float | None]]]:
    """(months, departments, values per department): a month without data is None, never 0."""
    months = sorted({str(m) for m in frame["month"]})
    departments = sorted({str(d) for d in frame["department"]})
    # sum(min_count=1): a month whose values are all missing stays missing (pivot_table's sum made it 0).
    summed = frame.assign(month=frame["month"].astype(str), department=frame["department"].astype(str))
    grouped = summed.groupby(["department", "month"])["value"].sum(min_count=1)
    values = [
        [None if pd.isna(v := grouped.get((d, m), float("nan"))) else float(v) for m in months] for d in departments
    ]
    return months, departments, values


def segments(values: list[float | None]) -> list[list[float | None]]:
    """One row per unbroken run of values (None elsewhere), so a gap is drawn as a gap."""
    runs: list[list[float | None]] = []
    current: list[float | None] | None = None
    for index, value in enumerate(values):
        if value is None:
            current = None
            continue
        if current is None:
            current = [None] * len(values)
            runs.append(current)
        current[index] = value
    return runs


def value_range(values: list[float], unit: str) -> tuple[float, float, float]:
    """(min, max, step) of the value axis: every plotted value inside it, on round steps."""
    low, high = min(values), max(values)
    if unit == "%":
        floor = max(0.0, math.floor((low - 5) / 10) * 10)
        return floor, max(100.0, math.ceil(high / 10) * 10), 10.0
    top = max(1.0, high) * 1.1
    step = _nice_step(top / 5)
    return 0.0, math.ceil(top / step) * step, step


def _nice_step(raw: float) -> float:
    magnitude = 10 ** math.floor(math.log10(raw))
    return float(next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw))


def trend_chart(trend: Trend, width: float) -> Drawing:
    """The trend as a line chart, one coloured line per department, the legend below the plot.

    A month without data is a gap (a lone month shows as a dot), the axis holds every value,
    and a month still in progress is starred on the axis and explained under the chart.
    """
    register_fonts()
    frame = trend.frame
    if frame.empty or not frame["value"].notna().any() or not (frame["value"].fillna(0) != 0).any():
        drawing = Drawing(width, 60)
        drawing.add(String(10, 30, "No data in this window.", fontName=SANS, fontSize=10))
        return drawing
    months, departments, values = trend_series(frame)
    if trend.partial_month in months:
        # A month still in progress reports what has happened so far: a zero there is "no data yet".
        at = months.index(trend.partial_month)
        for series in values:
            if series[at] == 0:
                series[at] = None
    legend_rows = -(-len(departments) // LEGEND_COLUMNS)
    legend_height = legend_rows * LEGEND_ROW
    note = trend.partial_month in months
    bottom = 8 + (LEGEND_ROW if note else 0) + legend_height + 22  # note, legend, axis labels
    height = bottom + PLOT_HEIGHT + 10
    drawing = Drawing(width, height)
    chart = HorizontalLineChart()
    # The stubs type these as int; reportlab validates them with isNumber, so floats are fine.
    chart.x, chart.y, chart.width, chart.height = 40, bottom, width - 60, PLOT_HEIGHT  # type: ignore[assignment]
    rows: list[tuple[float | None, ...]] = []
    colours = []
    partial_at = months.index(trend.partial_month) if trend.partial_month in months else None
    for index, series in enumerate(values):
        # The month in progress is a lone dot, not joined to the line: "so far" never reads as a fall.
        joined = [None if i == partial_at else v for i, v in enumerate(series)]
        lone = [v if i == partial_at else None for i, v in enumerate(series)]
        for run in segments(joined) + segments(lone):
            rows.append(tuple(run))
            colours.append(PALETTE[index % len(PALETTE)])
    chart.data = rows
    labels = [compact_month_label(m) + ("*" if m == trend.partial_month else "") for m in months]
    chart.categoryAxis.categoryNames = labels
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontSize = 7
        axis.labels.fontName = SANS
    low, high, step = value_range([v for series in values for v in series if v is not None], trend.unit)
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = low, high, step
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = RULE
    chart.joinedLines = True
    for index, colour in enumerate(colours):
        chart.lines[index].strokeColor = colour
        chart.lines[index].strokeWidth = 1.6
        # A dot on every point: a month between two gaps is still seen. (makeMarker has no stubs.)
        marker = makeMarker("FilledCircle", size=3, fillColor=colour, strokeColor=colour)  # type: ignore[no-untyped-call]
        chart.lines[index].symbol = marker
    drawing.add(chart)
    legend_top = 8 + (LEGEND_ROW if note else 0) + legend_height
    drawing.add(_legend(departments, x=40, y=legend_top, columns=LEGEND_COLUMNS, width=width - 60))
    if note and trend.partial_month is not None:
        text = f"* {compact_month_label(trend.partial_month)} is still in progress: figures to date."
        drawing.add(_label(40, 4, text, size=7, colour=MUTED))
    return drawing


def compliance_chart(compliance: pd.DataFrame, width: float) -> Drawing:
    """Compliance % per department as horizontal bars (the pooled overall row left out)."""
    rows = compliance[compliance["Department"] != OVERALL].iloc[::-1]
    height = max(120, 26 * len(rows) + 50)
    drawing = Drawing(width, height)
    if rows.empty:
        drawing.add(String(10, height / 2, "No logbook entries submitted in this period.", fontName=SANS, fontSize=10))
        return drawing
    chart = HorizontalBarChart()
    # The stubs type these as int; reportlab validates them with isNumber, so floats are fine.
    chart.x, chart.y, chart.width, chart.height = 150, 20, width - 190, height - 35  # type: ignore[assignment]
    chart.data = [tuple(float(v) for v in rows["Compliance %"].fillna(0))]
    names = [str(d)[:28] for d in rows["Department"]]
    chart.categoryAxis.categoryNames = names
    for index, name in enumerate(names):
        chart.categoryAxis.labels[index].fontName = label_font(name)
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.fontName = SANS
    chart.valueAxis.labels.fontName = SANS
    chart.barLabels.fontName = SANS
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 10
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = RULE
    chart.bars[0].fillColor = PALETTE[0]
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%.1f%%"
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


def ageing_chart(ageing: pd.DataFrame, width: float) -> Drawing:
    """Pending verifications per waiting-time bucket as vertical bars, in 55% of `width`."""
    drawing = Drawing(width * 0.55, 140)
    if not ageing.empty and ageing["Entries"].sum() > 0:
        chart = VerticalBarChart()
        # The stubs type these as int; reportlab validates them with isNumber, so floats are fine.
        chart.x, chart.y, chart.width, chart.height = 30, 25, width * 0.55 - 45, 105  # type: ignore[assignment]
        chart.data = [tuple(int(v) for v in ageing["Entries"])]
        chart.categoryAxis.categoryNames = [str(b) for b in ageing["Waiting"]]
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.labels.fontSize = 7
        chart.categoryAxis.labels.fontName = SANS
        chart.valueAxis.labels.fontName = SANS
        chart.valueAxis.valueMin = 0
        chart.bars[0].fillColor = PALETTE[1]
        chart.bars[0].strokeColor = None
        drawing.add(chart)
    else:
        drawing.add(String(5, 70, "Nothing is pending verification.", fontName=SANS, fontSize=10))
    return drawing


def _legend(names: list[str], *, x: float, y: float, columns: int, width: float) -> Group:
    """Colour swatches and names in `columns` columns, top row at `y`, filled column by column.

    Drawn by hand rather than with reportlab's Legend, whose one font cannot switch to the CJK
    fallback inside a name.
    """
    group = Group()
    per_column = max(1, -(-len(names) // columns))
    step = width / columns
    for index, name in enumerate(names):
        column, row = divmod(index, per_column)
        left, base = x + column * step, y - (row + 1) * LEGEND_ROW + 3
        colour = PALETTE[index % len(PALETTE)]
        swatch = Rect(left, base - 1, 7, 7)
        swatch.fillColor, swatch.strokeColor = colour, None
        group.add(swatch)
        group.add(_label(left + 11, base, _fit(name, step - 16, 7.5), size=7.5))
    return group


def _label(x: float, y: float, text: str, *, size: float, colour: Any = INK) -> Group:
    """A one-line label that switches to the CJK fallback font per run of characters."""
    group = Group()
    for font, chunk in runs(text):
        group.add(String(x, y, chunk, fontName=font, fontSize=size, fillColor=colour))
        x += stringWidth(chunk, font, size)
    return group


def _fit(text: str, width: float, size: float) -> str:
    if string_width(text, SANS, size) <= width:
        return text
    while text and string_width(text + "…", SANS, size) > width:
        text = text[:-1]
    return text + "…"


def label_font(text: str) -> str:
    """The font for a chart label drawn in one font: the CJK fallback (which has Latin too) when needed."""
    return CJK if any(font == CJK for font, _ in runs(text)) else SANS
