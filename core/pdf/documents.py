"""Issued documents: transcripts and certificates, with the QR verification block (reportlab)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
import qrcode
from qrcode.image.pil import PilImage
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.pdf import fonts
from core.pdf.fonts import markup
from core.pdf.reports import CELL_PADDING, column_widths
from core.rules.eligibility import EligibilityResult


@dataclass(frozen=True)
class Person:
    """Who a document is about, as printed."""

    name: str
    registration_number: str | None
    department: str | None
    supervisor: str | None


@dataclass(frozen=True)
class EligibilityLine:
    period: str
    result: EligibilityResult

    @property
    def text(self) -> str:
        r = self.result
        status = "ELIGIBLE" if r.eligible else "NOT ELIGIBLE"
        condoned = f" (condoned: {r.condonation_reason})" if r.condoned else ""
        leave = f", {r.leave_excluded} session(s) on leave excluded" if r.leave_excluded else ""
        return (
            f"{status}{condoned}: {r.percentage:g}% attended ({r.attended} of {r.sessions} sessions{leave}) "
            f"against a threshold of {r.threshold:g}%"
        )


def render_transcript_pdf(
    *,
    programme: str,
    person: Person,
    frame: pd.DataFrame,
    eligibility: EligibilityLine,
    generated_at: datetime,
    verify_link: str,
    expires_at: datetime,
    totals: tuple[tuple[str, str, str, str], ...] = (),
) -> bytes:
    """The transcript as PDF bytes (reportlab); `totals` are (group, belongs to, weighted total, note) rows."""
    styles = pdf_styles()
    story: list[Flowable] = header(programme, "Academic transcript", styles)
    story.append(person_table(person))
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph("Published and frozen results", styles["Heading3"]))
    if frame.empty:
        story.append(Paragraph("No published results yet.", styles["BodyText"]))
    else:
        heads = ["Assessment", "Group", "Date", "Score", "%", "Grade", "Result", "Status"]
        rows: list[list[str | Paragraph]] = [[Paragraph(h, styles["Head"]) for h in heads]]
        for r in frame.itertuples():
            held_on = r.date
            assert isinstance(held_on, date), f"assessment date is {type(held_on).__name__}, not a date"
            rows.append(
                [
                    Paragraph(markup(r.assessment), styles["Cell"]),
                    Paragraph(markup(r.group), styles["Cell"]),
                    held_on.isoformat(),
                    f"{r.score:g} / {r.max_score:g}",
                    f"{r.percentage:g}",
                    Paragraph(markup(r.grade), styles["Cell"]),
                    Paragraph(markup(_result_text(str(r.result))), styles["Cell"]),
                    str(r.state),
                ]
            )
        texts = [[p.getPlainText() if isinstance(p, Paragraph) else str(p) for p in row] for row in rows[1:]]
        widths = column_widths(heads, texts, numeric=[2, 3, 4], width=A4[0] - 36 * mm)
        table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(TABLE_STYLE)
        story.append(table)
    if totals:
        story.append(Spacer(1, 3 * mm))
        story.append(Paragraph("Weighted totals (groups whose weights total 100%)", styles["Label"]))
        heads = ["Group", "Belongs to", "Weighted total", "Note"]
        cells: list[list[str | Paragraph]] = [[Paragraph(h, styles["Head"]) for h in heads]]
        cells += [[Paragraph(markup(c), styles["Cell"]) for c in row] for row in totals]
        widths = column_widths(heads, [list(row) for row in totals], numeric=[2], width=A4[0] - 36 * mm)
        table = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(TABLE_STYLE)
        story.append(table)
    story.append(Spacer(1, 5 * mm))
    story.append(Paragraph("Attendance eligibility", styles["Heading3"]))
    period = eligibility.period.replace("..", " to ")
    story.append(Paragraph(f"Period: {markup(period)} (the 12 months up to the date of issue).", styles["BodyText"]))
    story.append(Paragraph(eligibility.text, styles["BodyText"]))
    story.extend(verification_block(generated_at, verify_link, expires_at, styles))
    return build_pdf(story, title=f"Transcript {person.name}", footer=f"Academic transcript - {person.name}")


def _result_text(result: str) -> str:
    """PASS or FAIL in capitals, and its attendance gate as the portal words it: "PASS (ineligible: 64.04 % ...)"."""
    verdict, _, gate = result.partition(" (")
    return verdict.upper() + (f" ({gate}" if gate else "")


def header(programme: str, title: str, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The programme header every issued document starts with."""
    return [
        Paragraph(markup(programme), styles["Programme"]),
        Paragraph(markup(title), styles["Title"]),
        Spacer(1, 3 * mm),
    ]


def person_table(person: Person) -> Table:
    """Name, registration number, department and supervisor."""
    styles = pdf_styles()
    values = [
        ("Name", person.name),
        ("Registration number", person.registration_number or "—"),
        ("Department", person.department or "—"),
        ("Supervisor", person.supervisor or "—"),
    ]
    rows = [[Paragraph(label, styles["Label"]), Paragraph(markup(value), styles["Value"])] for label, value in values]
    table = Table(rows, colWidths=[45 * mm, 120 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def verification_block(
    generated_at: datetime, link: str, expires_at: datetime, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    """Generated date, QR code and the link it encodes."""
    buffer = io.BytesIO(make_qr_png(link))
    text = [
        Paragraph(f"Generated on {generated_at:%Y-%m-%d %H:%M} UTC.", styles["BodyText"]),
        Paragraph(
            "Scan the QR code, or open the link below, to check that this document is genuine. "
            f"The link is valid until {expires_at:%Y-%m-%d %H:%M} UTC.",
            styles["BodyText"],
        ),
        Paragraph(f"<font size=7>{markup(link)}</font>", styles["BodyText"]),
    ]
    table = Table([[Image(buffer, width=32 * mm, height=32 * mm), text]], colWidths=[38 * mm, 130 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BOX", (0, 0), (-1, -1), 0.5, colors.grey)]))
    return [Spacer(1, 8 * mm), table]


def make_qr_png(link: str) -> bytes:
    """The QR code (PNG bytes) that encodes `link`."""
    qr = qrcode.QRCode(border=2, box_size=6, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(link)
    qr.make(fit=True)
    buffer = io.BytesIO()
    # PilImage is what qrcode picks by default when Pillow (a reportlab dependency) is installed;
    # naming it lets the type checker see that `save` takes `format=`.
    qr.make_image(image_factory=PilImage, fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_styles() -> dict[str, ParagraphStyle]:
    fonts.register_fonts()
    base = getSampleStyleSheet()
    sans, bold = fonts.SANS, fonts.SANS_BOLD
    body = ParagraphStyle("Body", parent=_sample_style(base, "BodyText"), fontName=sans)
    return {
        "Programme": ParagraphStyle(
            "Programme", parent=base["Normal"], fontSize=11, textColor=colors.HexColor("#1f4e79"), fontName=bold
        ),
        "Title": ParagraphStyle(
            "DocTitle", parent=base["Title"], fontName=bold, fontSize=18, leading=22, alignment=0, spaceAfter=4
        ),
        "Heading3": ParagraphStyle("Heading3", parent=_sample_style(base, "Heading3"), fontName=bold),
        "BodyText": body,
        "Cell": ParagraphStyle("Cell", parent=body, fontSize=8, leading=10),
        "Head": ParagraphStyle("Head", parent=body, fontName=bold, fontSize=8, leading=10, textColor=colors.white),
        "Label": ParagraphStyle("Label", parent=body, fontName=bold, fontSize=10, leading=12),
        "Value": ParagraphStyle("Value", parent=body, fontSize=10, leading=12),
    }


def _sample_style(sheet: StyleSheet1, name: str) -> ParagraphStyle:
    """A paragraph style from the sample sheet (typed as the broader PropertySet by the stubs)."""
    style = sheet[name]
    assert isinstance(style, ParagraphStyle), f"{name} is not a paragraph style"
    return style


def build_pdf(story: list[Flowable], *, title: str, footer: str = "") -> bytes:
    """Lay out `story` on numbered A4 pages with the Unicode fonts embedded."""
    fonts.register_fonts()
    buffer = io.BytesIO()

    def number(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFillColor(colors.grey)
        fonts.draw_string(canvas, 18 * mm, 9 * mm, footer, size=7.5)
        fonts.draw_string(canvas, A4[0] - 18 * mm, 9 * mm, f"Page {doc.page}", size=7.5, right=True)
        canvas.restoreState()

    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="Training Operations Portal",
    ).build(story, onFirstPage=number, onLaterPages=number, canvasmaker=fonts.canvas_maker)
    return buffer.getvalue()


TABLE_STYLE = TableStyle(
    [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f4e79")),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("FONTNAME", (0, 0), (-1, -1), fonts.SANS),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f6fa")]),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING / 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING / 2),
    ]
)


CERTIFICATE_BODIES = {
    "bonafide": "This is to certify that <b>{name}</b> is a bona fide trainee of {programme}, in {department}, as of {day}.",
    "noc": "{programme} has no objection to <b>{name}</b>, a trainee in {department}, for the purpose stated below.",
    "other": "Issued to <b>{name}</b>, a trainee in {department}, on request.",
}


def render_certificate_pdf(
    *,
    programme: str,
    label: str,
    kind: str,
    person: Person,
    details: str | None,
    generated_at: datetime,
    verify_link: str,
    expires_at: datetime,
) -> bytes:
    """A certificate (bona fide, no objection, other) as PDF bytes; every typed value is escaped."""
    styles = pdf_styles()
    body = CERTIFICATE_BODIES[kind].format(
        name=markup(person.name),
        programme=markup(programme),
        department=markup(person.department or "the programme"),
        day=f"{generated_at:%d %B %Y}",
    )
    story: list[Flowable] = header(programme, label, styles)
    story.append(person_table(person))
    story.append(Spacer(1, 8 * mm))
    story.append(Paragraph(body, styles["BodyText"]))
    if details:
        story.append(Paragraph(f"Purpose / details: {markup(details)}", styles["BodyText"]))
    story.extend(verification_block(generated_at, verify_link, expires_at, styles))
    return build_pdf(story, title=f"{label} {person.name}", footer=f"{label} - {person.name}")
