"""Report PDFs drawn with reportlab alone (platypus for layout, reportlab.graphics for charts)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

PALETTE = [colors.HexColor(c) for c in (
    "#1f6f8b", "#e07a5f", "#3d405b", "#81b29a", "#f2cc8f", "#6d597a", "#118ab2", "#ef476f", "#06d6a0", "#8d99ae",
)]
INK = colors.HexColor("#1d2b36")
MUTED = colors.HexColor("#5c6b78")
RULE = colors.HexColor("#d5dde3")
BAND = colors.HexColor("#eef4f7")
OVERALL = "Overall (pooled)"
TABLE_CHUNK = 1000  # rows per platypus Table: long tables lay out much faster in chunks
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Trend:
    """A 12-month line chart: one line per department."""

    title: str
    frame: pd.DataFrame  # month, department, value
    unit: str  # "%" or "count"


@dataclass(frozen=True)
class PackData:
    """Everything the leadership pack shows; `content_checksum` is computed over all of it."""

    programme: str
    period_label: str
    period_text: str
    filters: dict[str, str]
    generated_at: str
    generated_by: str
    data_as_of: str
    kpis: list[tuple[str, str, str]]  # label, value, note
    trends: list[Trend]
    compliance: pd.DataFrame  # Department, Submitted, Verified, Compliance % (with the pooled overall row)
    ageing: pd.DataFrame  # Waiting, Entries
    attendance: pd.DataFrame  # per department: trainees, sessions, attended, attendance %, eligible, eligible %
    at_risk: pd.DataFrame
    at_risk_note: str = ""
    content_checksum: str = ""
    notes: list[str] = field(default_factory=list)


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=26, leading=32, textColor=INK, alignment=0),
        "subtitle": ParagraphStyle("subtitle", parent=base["Normal"], fontSize=13, leading=18, textColor=MUTED),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], textColor=INK, spaceBefore=10, spaceAfter=6),
        "body": ParagraphStyle("body", parent=base["Normal"], fontSize=9.5, leading=13, textColor=INK),
        "small": ParagraphStyle("small", parent=base["Normal"], fontSize=8, leading=10, textColor=MUTED),
        "mono": ParagraphStyle("mono", parent=base["Normal"], fontName="Courier", fontSize=7.5, leading=9.5),
    }


def render_pack_pdf(data: PackData, *, progress: Progress | None = None) -> bytes:
    """The leadership pack as PDF bytes."""
    step = progress or (lambda _f, _m: None)
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=1.8 * cm, rightMargin=1.8 * cm, topMargin=1.6 * cm, bottomMargin=1.6 * cm,
        title=f"Leadership pack {data.period_label}", author=data.generated_by, subject=data.programme,
    )
    width = A4[0] - 3.6 * cm
    story: list[Flowable] = []
    step(0.55, "Drawing the cover")
    story += _cover(data, styles, width)
    story.append(PageBreak())
    step(0.65, "Drawing the charts")
    for trend in data.trends:
        story.append(Paragraph(_esc(trend.title), styles["h2"]))
        story.append(_trend_chart(trend, width))
    story.append(PageBreak())
    story.append(Paragraph("Logbook compliance by department (verified / submitted, %)", styles["h2"]))
    story.append(_compliance_chart(data.compliance, width))
    story += _tables(data.compliance, width, styles, pct_columns=_pct(data.compliance))
    story.append(Paragraph("Pending verifications by age", styles["h2"]))
    story.append(_ageing_block(data.ageing, width, styles))
    story.append(PageBreak())
    step(0.75, "Writing the tables")
    story.append(Paragraph("Attendance and eligibility by department", styles["h2"]))
    story += _tables(data.attendance, width, styles, pct_columns=_pct(data.attendance))
    story.append(Paragraph(f"At-risk trainees ({len(data.at_risk)})", styles["h2"]))
    story.append(Paragraph(_esc(data.at_risk_note), styles["small"]))
    story.append(Spacer(1, 4))
    story += _tables(data.at_risk, width, styles, pct_columns=_pct(data.at_risk))
    for note in data.notes:
        story.append(Paragraph(_esc(note), styles["small"]))
    step(0.85, "Laying out the pages")
    doc.build(story, onFirstPage=_footer(data), onLaterPages=_footer(data))
    return buffer.getvalue()


def _cover(data: PackData, styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    filters = "<br/>".join(f"<b>{_esc(k)}:</b> {_esc(v)}" for k, v in data.filters.items()) or "none"
    provenance = Table(
        [
            ["Generated at", data.generated_at],
            ["Generated by", data.generated_by],
            ["Data as of", data.data_as_of],
            ["Content checksum (SHA-256)", Paragraph(data.content_checksum, styles["mono"])],
        ],
        colWidths=[5 * cm, width - 5 * cm],
    )
    provenance.setStyle(TableStyle([
        ("FONT", (0, 0), (0, -1), "Helvetica-Bold", 8.5), ("FONT", (1, 0), (1, -1), "Helvetica", 8.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK), ("BACKGROUND", (0, 0), (-1, -1), BAND),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return [
        Spacer(1, 1.2 * cm),
        Paragraph("Leadership pack", styles["title"]),
        Paragraph(_esc(data.programme), styles["subtitle"]),
        Spacer(1, 0.6 * cm),
        Paragraph(f"<b>Period:</b> {_esc(data.period_label)} ({_esc(data.period_text)})", styles["body"]),
        Spacer(1, 0.2 * cm),
        Paragraph(f"<b>Filters</b><br/>{filters}", styles["body"]),
        Spacer(1, 0.5 * cm),
        provenance,
        Spacer(1, 0.8 * cm),
        Paragraph("Key figures", styles["h2"]),
        _kpi_grid(data.kpis, width),
    ]


def _kpi_grid(kpis: Sequence[tuple[str, str, str]], width: float) -> Table:
    per_row = 3
    tiles: list[Table | str] = []
    for label, value, note in kpis:
        tiles.append(_tile([
            Paragraph(f"<font size=8 color='#5c6b78'>{_esc(label)}</font>", _styles()["body"]),
            Paragraph(f"<font size=18><b>{_esc(value)}</b></font>", _styles()["body"]),
            Paragraph(f"<font size=7 color='#5c6b78'>{_esc(note)}</font>", _styles()["body"]),
        ], width / per_row - 8))
    rows = [tiles[i:i + per_row] for i in range(0, len(tiles), per_row)]
    if rows and len(rows[-1]) < per_row:
        rows[-1] += [""] * (per_row - len(rows[-1]))
    grid = Table(rows, colWidths=[width / per_row] * per_row)
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 2),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return grid


def _tile(parts: list[Paragraph], width: float) -> Table:
    tile = Table([[p] for p in parts], colWidths=[width])
    tile.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.6, RULE), ("BACKGROUND", (0, 0), (-1, -1), colors.white),
        ("LINEBEFORE", (0, 0), (0, -1), 3, PALETTE[0]), ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3), ("LEFTPADDING", (0, 0), (-1, -1), 8),
    ]))
    return tile


def _trend_chart(trend: Trend, width: float) -> Drawing:
    height = 230
    drawing = Drawing(width, height)
    frame = trend.frame
    if frame.empty or not frame["value"].notna().any():
        drawing.add(String(10, height / 2, "No data in this window.", fontName="Helvetica", fontSize=10))
        return drawing
    table = frame.pivot_table(index="month", columns="department", values="value", aggfunc="sum",
                              dropna=False).sort_index()
    months = [str(m) for m in table.index]
    chart = HorizontalLineChart()
    # The stubs type these as int; reportlab validates them with isNumber, so floats are fine.
    chart.x, chart.y, chart.width, chart.height = 40, 70, width - 60, height - 85  # type: ignore[assignment]
    chart.data = [tuple(None if pd.isna(v) else float(v) for v in table[d]) for d in table.columns]
    chart.categoryAxis.categoryNames = [_month_name(m) for m in months]
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


def _compliance_chart(compliance: pd.DataFrame, width: float) -> Drawing:
    rows = compliance[compliance["Department"] != OVERALL].iloc[::-1]
    height = max(120, 26 * len(rows) + 50)
    drawing = Drawing(width, height)
    if rows.empty:
        drawing.add(String(10, height / 2, "No logbook entries submitted in this period.", fontName="Helvetica",
                           fontSize=10))
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


def _ageing_block(ageing: pd.DataFrame, width: float, styles: dict[str, ParagraphStyle]) -> Flowable:
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
    table = _table(ageing, width * 0.4, styles, ())
    layout = Table([[drawing, table]], colWidths=[width * 0.58, width * 0.42])
    layout.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([layout])


def _month_name(month: str) -> str:
    try:
        return datetime.strptime(month, "%Y-%m").strftime("%b %y")
    except ValueError:
        return month


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


def _tables(frame: pd.DataFrame, width: float, styles: dict[str, ParagraphStyle],
            pct_columns: Sequence[str]) -> list[Flowable]:
    if frame.empty:
        return [Paragraph("None.", styles["body"])]
    return [_table(frame.iloc[i:i + TABLE_CHUNK], width, styles, pct_columns)
            for i in range(0, len(frame), TABLE_CHUNK)]


def _table(frame: pd.DataFrame, width: float, styles: dict[str, ParagraphStyle], pct_columns: Sequence[str]) -> Table:
    header = [str(c).replace("_pct", " %").replace("_", " ") for c in frame.columns]
    header = [h[:1].upper() + h[1:] for h in header]
    body = [[_cell(v, c in pct_columns) for c, v in zip(frame.columns, row, strict=True)]
            for row in frame.itertuples(index=False)]
    numeric = [i for i, c in enumerate(frame.columns) if pd.api.types.is_numeric_dtype(frame[c])]
    head_style = ParagraphStyle("th", parent=styles["body"], fontName="Helvetica-Bold", fontSize=8, leading=9.5)
    head_right = ParagraphStyle("thr", parent=head_style, alignment=2)
    heads = [Paragraph(_esc(h), head_right if i in numeric else head_style) for i, h in enumerate(header)]
    # Widths follow the widest cell (a sample) or the header's longest word, scaled to fit the page.
    sample = body[:300]
    needs = [
        max([stringWidth(w, "Helvetica-Bold", 8) for w in h.split()] + [stringWidth(r[i], "Helvetica", 8)
                                                                       for r in sample]) + 8
        for i, h in enumerate(header)
    ]
    scale = width / sum(needs)
    widths = [n * scale for n in needs]
    table = Table([heads, *body], repeatRows=1, colWidths=widths)
    commands: list[Any] = [
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK), ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, BAND]),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    commands += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i in numeric]
    table.setStyle(TableStyle(commands))
    return table


def _pct(frame: pd.DataFrame) -> tuple[str, ...]:
    return tuple(str(c) for c in frame.columns if str(c).endswith("%") or str(c).endswith("_pct"))


def _cell(value: Any, pct: bool) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if pct and isinstance(value, int | float):
        return f"{float(value):.2f}%"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _footer(data: PackData) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(1.8 * cm, 1.0 * cm, f"Leadership pack {data.period_label} - {data.programme} - "
                                              f"checksum {data.content_checksum[:16]}")
        canvas.drawRightString(A4[0] - 1.8 * cm, 1.0 * cm, f"Page {doc.page}")
        canvas.restoreState()

    return draw


def render_table_pdf(title: str, subtitle: str, frame: pd.DataFrame, *, footer: str) -> bytes:
    """A simple titled table report (the logbook summary as PDF)."""
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=1.5 * cm, rightMargin=1.5 * cm,
                            topMargin=1.5 * cm, bottomMargin=1.5 * cm, title=title)
    width = A4[0] - 3 * cm
    story: list[Flowable] = [Paragraph(_esc(title), styles["title"]), Paragraph(_esc(subtitle), styles["subtitle"]),
                             Spacer(1, 0.5 * cm)]
    story += _tables(frame, width, styles, pct_columns=_pct(frame))

    def draw(canvas: Any, doc_: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(1.5 * cm, 0.9 * cm, footer)
        canvas.drawRightString(A4[0] - 1.5 * cm, 0.9 * cm, f"Page {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=draw, onLaterPages=draw)
    return buffer.getvalue()


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_timestamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")
