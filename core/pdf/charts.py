"""Report charts drawn with reportlab.graphics: the pack's trend lines, compliance bars and ageing bars."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from core.calendar import compact_month_label

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
    frame: pd.DataFrame  # month, department, value
    unit: str  # "%" or "count"


def trend_chart(trend: Trend, width: float) -> Drawing:
    """The trend as a line chart, one coloured line per department, with a legend."""
    height = 230
    drawing = Drawing(width, height)
    frame = trend.frame
    if frame.empty or not frame["value"].notna().any():
        drawing.add(String(10, height / 2, "No data in this window.", fontName="Helvetica", fontSize=10))
        return drawing
    table = frame.pivot_table(
        index="month", columns="department", values="value", aggfunc="sum", dropna=False
    ).sort_index()
    months = [str(m) for m in table.index]
    chart = HorizontalLineChart()
    # The stubs type these as int; reportlab validates them with isNumber, so floats are fine.
    chart.x, chart.y, chart.width, chart.height = 40, 70, width - 60, height - 85  # type: ignore[assignment]
    chart.data = [tuple(None if pd.isna(v) else float(v) for v in table[d]) for d in table.columns]
    chart.categoryAxis.categoryNames = [compact_month_label(m) for m in months]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontSize = 7
    values = frame["value"].dropna().astype(float)
    if trend.unit == "%":
        chart.valueAxis.valueMin = max(0.0, (int(values.min()) // 10) * 10 - 10)
        chart.valueAxis.valueMax = 100.0
        chart.valueAxis.valueStep = 10
    else:
        chart.valueAxis.valueMin = 0
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = RULE
    chart.joinedLines = True
    for i, _ in enumerate(table.columns):
        chart.lines[i].strokeColor = PALETTE[i % len(PALETTE)]
        chart.lines[i].strokeWidth = 1.6
    drawing.add(chart)
    drawing.add(_legend([str(c) for c in table.columns], x=40, y=40, columns=3, width=width - 60))
    return drawing


def compliance_chart(compliance: pd.DataFrame, width: float) -> Drawing:
    """Compliance % per department as horizontal bars (the pooled overall row left out)."""
    rows = compliance[compliance["Department"] != OVERALL].iloc[::-1]
    height = max(120, 26 * len(rows) + 50)
    drawing = Drawing(width, height)
    if rows.empty:
        drawing.add(
            String(10, height / 2, "No logbook entries submitted in this period.", fontName="Helvetica", fontSize=10)
        )
        return drawing
    chart = HorizontalBarChart()
    # The stubs type these as int; reportlab validates them with isNumber, so floats are fine.
    chart.x, chart.y, chart.width, chart.height = 150, 20, width - 190, height - 35  # type: ignore[assignment]
    chart.data = [tuple(float(v) for v in rows["Compliance %"].fillna(0))]
    chart.categoryAxis.categoryNames = [str(d)[:28] for d in rows["Department"]]
    chart.categoryAxis.labels.fontSize = 8
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
        chart.valueAxis.valueMin = 0
        chart.bars[0].fillColor = PALETTE[1]
        chart.bars[0].strokeColor = None
        drawing.add(chart)
    else:
        drawing.add(String(5, 70, "Nothing is pending verification.", fontName="Helvetica", fontSize=10))
    return drawing


def _legend(names: list[str], *, x: float, y: float, columns: int, width: float) -> Legend:
    legend = Legend()
    # The stubs type these as int; reportlab validates them with isNumber, so floats are fine.
    legend.x, legend.y = x, y  # type: ignore[assignment]
    legend.alignment = "right"
    legend.fontSize = 7.5
    legend.fontName = "Helvetica"
    legend.columnMaximum = max(1, -(-len(names) // columns))
    # The stubs type deltax as int; reportlab validates it with isNumberOrNone, so a float is fine.
    legend.deltax = width / columns  # type: ignore[assignment]
    legend.dxTextSpace = 4
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], str(n)) for i, n in enumerate(names)]
    return legend
