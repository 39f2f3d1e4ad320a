"""Report PDFs drawn with reportlab alone: platypus lays out the pages, report_charts draws the charts."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
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

from core.pdf import fonts
from core.pdf.charts import (
    BAND,
    INK,
    MUTED,
    PALETTE,
    RULE,
    Trend,
    ageing_chart,
    compliance_chart,
    trend_chart,
)

TABLE_CHUNK = 1000  # rows per platypus Table: long tables lay out much faster in chunks
Progress = Callable[[float, str], None]


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
    compliance: pd.DataFrame  # Department, Submitted, Approved, Compliance %, Decided, Reviewed % (and OVERALL)
    ageing: pd.DataFrame  # Waiting, Entries
    attendance: pd.DataFrame  # per department: trainees, sessions, attended, attendance %, eligible, eligible %
    at_risk: pd.DataFrame
    at_risk_note: str = ""
    content_checksum: str = ""
    notes: list[str] = field(default_factory=list)
    # Further titled tables after the at-risk list (title, note, table): training progress, results analytics.
    sections: list[tuple[str, str, pd.DataFrame]] = field(default_factory=list)
    kpi_note: str = ""  # which months the cards cover, compared with which (as the dashboard's caption says)


def _styles() -> dict[str, ParagraphStyle]:
    fonts.register_fonts()
    base = getSampleStyleSheet()
    sans, bold = fonts.SANS, fonts.SANS_BOLD
    return {
        "title": ParagraphStyle(
            "title", parent=base["Title"], fontName=bold, fontSize=26, leading=32, textColor=INK, alignment=0
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base["Normal"], fontName=sans, fontSize=13, leading=18, textColor=MUTED
        ),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=bold, textColor=INK, spaceBefore=10, spaceAfter=6),
        "body": ParagraphStyle("body", parent=base["Normal"], fontName=sans, fontSize=9.5, leading=13, textColor=INK),
        "small": ParagraphStyle("small", parent=base["Normal"], fontName=sans, fontSize=8, leading=10, textColor=MUTED),
        "mono": ParagraphStyle("mono", parent=base["Normal"], fontName=fonts.MONO, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", parent=base["Normal"], fontName=sans, fontSize=8, leading=9.5, textColor=INK),
    }


def render_pack_pdf(data: PackData, *, progress: Progress | None = None) -> bytes:
    """The leadership pack as PDF bytes."""
    step = progress or (lambda _f, _m: None)
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.6 * cm,
        bottomMargin=1.6 * cm,
        title=f"Leadership pack {data.period_label}",
        author=data.generated_by,
        subject=data.programme,
    )
    width = A4[0] - 3 * cm  # 1.5 cm margins: the at-risk table keeps a full name on one line
    story: list[Flowable] = []
    step(0.55, "Drawing the cover")
    story += _cover(data, styles, width)
    story.append(PageBreak())
    step(0.65, "Drawing the charts")
    for trend in data.trends:
        story.append(Paragraph(_esc(trend.title), styles["h2"]))
        story.append(trend_chart(trend, width))
    story.append(PageBreak())
    story.append(Paragraph("Logbook compliance by department (approved / submitted, %)", styles["h2"]))
    story.append(compliance_chart(data.compliance, width))
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
    for title, note, table in data.sections:
        story.append(Paragraph(_esc(title), styles["h2"]))
        if note:
            story.append(Paragraph(_esc(note), styles["small"]))
            story.append(Spacer(1, 4))
        story += _tables(table, width, styles, pct_columns=_pct(table))
    for note in data.notes:
        story.append(Paragraph(_esc(note), styles["small"]))
    step(0.85, "Laying out the pages")
    doc.build(story, onFirstPage=_footer(data), onLaterPages=_footer(data), canvasmaker=fonts.canvas_maker)
    return buffer.getvalue()


def _cover(data: PackData, styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    filters = "<br/>".join(f"<b>{_esc(k)}:</b> {_esc(v)}" for k, v in data.filters.items()) or "none"
    provenance = Table(
        [
            ["Generated at", Paragraph(_esc(data.generated_at), styles["cell"])],
            ["Generated by", Paragraph(_esc(data.generated_by), styles["cell"])],
            ["Data as of", Paragraph(_esc(data.data_as_of), styles["cell"])],
            ["Content checksum (SHA-256)", Paragraph(data.content_checksum, styles["mono"])],
        ],
        colWidths=[5 * cm, width - 5 * cm],
    )
    provenance.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), fonts.SANS_BOLD, 8.5),
                ("FONT", (1, 0), (1, -1), fonts.SANS, 8.5),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("BACKGROUND", (0, 0), (-1, -1), BAND),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
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
        *([Paragraph(_esc(data.kpi_note), styles["small"]), Spacer(1, 4)] if data.kpi_note else []),
        _kpi_grid(data.kpis, width),
    ]


def _kpi_grid(kpis: Sequence[tuple[str, str, str]], width: float) -> Table:
    per_row = 3
    tiles: list[Table | str] = []
    for label, value, note in kpis:
        tiles.append(
            _tile(
                [
                    Paragraph(f"<font size=8 color='#5c6b78'>{_esc(label)}</font>", _styles()["body"]),
                    Paragraph(f"<font size=18><b>{_esc(value)}</b></font>", _styles()["body"]),
                    Paragraph(f"<font size=7 color='#5c6b78'>{_esc(note)}</font>", _styles()["body"]),
                ],
                width / per_row - 8,
            )
        )
    rows = [tiles[i : i + per_row] for i in range(0, len(tiles), per_row)]
    if rows and len(rows[-1]) < per_row:
        rows[-1] += [""] * (per_row - len(rows[-1]))
    grid = Table(rows, colWidths=[width / per_row] * per_row)
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return grid


def _tile(parts: list[Paragraph], width: float) -> Table:
    tile = Table([[p] for p in parts], colWidths=[width])
    tile.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("BACKGROUND", (0, 0), (-1, -1), colors.white),
                ("LINEBEFORE", (0, 0), (0, -1), 3, PALETTE[0]),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return tile


def _ageing_block(ageing: pd.DataFrame, width: float, styles: dict[str, ParagraphStyle]) -> Flowable:
    drawing = ageing_chart(ageing, width)
    table = _table(ageing, width * 0.4, styles, ())
    layout = Table([[drawing, table]], colWidths=[width * 0.58, width * 0.42])
    layout.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([layout])


def _tables(
    frame: pd.DataFrame, width: float, styles: dict[str, ParagraphStyle], pct_columns: Sequence[str]
) -> list[Flowable]:
    if frame.empty:
        return [Paragraph("None.", styles["body"])]
    return [
        _table(frame.iloc[i : i + TABLE_CHUNK], width, styles, pct_columns) for i in range(0, len(frame), TABLE_CHUNK)
    ]


def _table(frame: pd.DataFrame, width: float, styles: dict[str, ParagraphStyle], pct_columns: Sequence[str]) -> Table:
    header = [str(c).replace("_pct", " %").replace("_", " ") for c in frame.columns]
    header = [h[:1].upper() + h[1:] for h in header]
    texts = [
        [_cell(v, c in pct_columns) for c, v in zip(frame.columns, row, strict=True)]
        for row in frame.itertuples(index=False)
    ]
    numeric = [i for i, c in enumerate(frame.columns) if pd.api.types.is_numeric_dtype(frame[c])]
    head_style = ParagraphStyle("th", parent=styles["cell"], fontName=fonts.SANS_BOLD)
    head_right = ParagraphStyle("thr", parent=head_style, alignment=2)
    heads = [Paragraph(_esc(h), head_right if i in numeric else head_style) for i, h in enumerate(header)]
    widths = column_widths(header, texts, numeric, width)
    body = [[_body_cell(text, widths[i], styles["cell"]) for i, text in enumerate(row)] for row in texts]
    table = Table([heads, *body], repeatRows=1, colWidths=widths)
    commands: list[Any] = [
        ("FONT", (0, 1), (-1, -1), fonts.SANS, 8),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, BAND]),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING / 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING / 2),
    ]
    commands += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i in numeric]
    table.setStyle(TableStyle(commands))
    return table


CELL_PADDING = 6.0  # 3 pt each side: eight columns fit A4 with a full name
WHOLE_COLUMNS = frozenset({"trainee", "name", "full name", "supervisor", "registration number", "department"})


def column_widths(
    header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int], width: float
) -> list[float]:
    """Column widths that fit `width`: no column narrower than its longest word or a number.

    Widths follow the widest cell (a sample); when they do not fit, only the text columns give
    way (their cells wrap), so a header never breaks inside a word and numbers never wrap.
    """
    sample = rows[:300]
    words = [
        max(
            [fonts.string_width(w, fonts.SANS_BOLD, 8) for w in (h.split() or [h])]
            # no word of a cell broken either, unless one word is over a third of the page
            + [min(width / 3, fonts.string_width(w, fonts.SANS, 8)) for r in sample for w in r[i].split()]
        )
        + CELL_PADDING
        for i, h in enumerate(header)
    ]
    needs = [
        max([words[i]] + [fonts.string_width(r[i], fonts.SANS, 8) + CELL_PADDING + 1 for r in sample])
        for i in range(len(header))
    ]
    floors = [needs[i] if i in numeric else words[i] for i in range(len(header))]
    # A person's name is kept on one line when the page allows it (so it reads, and extracts, whole).
    # Left to right (the trainee's name first), as far as the page allows.
    for i, name in enumerate(header):
        if name.lower() in WHOLE_COLUMNS:
            kept = min(needs[i] + 1, width / 3, width - (sum(floors) - floors[i]))
            floors[i] = max(floors[i], kept)
    if sum(needs) <= width:
        return [n * width / sum(needs) for n in needs]
    room = width - sum(floors)
    if room <= 0:  # more columns than the page holds even at their floors: shrink all alike
        return [f * width / sum(floors) for f in floors]
    give = [n - f for n, f in zip(needs, floors, strict=True)]
    return [f + g * room / sum(give) for f, g in zip(floors, give, strict=True)]


def _body_cell(text: str, width: float, style: ParagraphStyle) -> str | Paragraph:
    # A plain string is much faster to lay out; a Paragraph wraps inside its column and can
    # switch to the CJK fallback, so only cells that need either become one.
    if fonts.string_width(text, fonts.SANS, 8) + CELL_PADDING <= width and all(
        f == fonts.SANS for f, _ in fonts.runs(text)
    ):
        return text
    return Paragraph(_esc(text), style)


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
        canvas.setFillColor(MUTED)
        fonts.draw_string(
            canvas,
            1.5 * cm,
            1.0 * cm,
            f"Leadership pack {data.period_label} - {data.programme} - checksum {data.content_checksum[:16]}",
            size=7.5,
        )
        fonts.draw_string(canvas, A4[0] - 1.5 * cm, 1.0 * cm, f"Page {doc.page}", size=7.5, right=True)
        canvas.restoreState()

    return draw


def render_table_pdf(title: str, subtitle: str, frame: pd.DataFrame, *, footer: str) -> bytes:
    """A simple titled table report (the logbook summary as PDF)."""
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
        title=title,
    )
    width = A4[0] - 3 * cm
    story: list[Flowable] = [
        Paragraph(_esc(title), styles["title"]),
        Paragraph(_esc(subtitle), styles["subtitle"]),
        Spacer(1, 0.5 * cm),
    ]
    story += _tables(frame, width, styles, pct_columns=_pct(frame))

    def draw(canvas: Any, doc_: Any) -> None:
        canvas.saveState()
        canvas.setFillColor(MUTED)
        fonts.draw_string(canvas, 1.5 * cm, 0.9 * cm, footer, size=7.5)
        fonts.draw_string(canvas, A4[0] - 1.5 * cm, 0.9 * cm, f"Page {doc_.page}", size=7.5, right=True)
        canvas.restoreState()

    doc.build(story, onFirstPage=draw, onLaterPages=draw, canvasmaker=fonts.canvas_maker)
    return buffer.getvalue()


def _esc(text: object) -> str:
    return fonts.markup(text)
