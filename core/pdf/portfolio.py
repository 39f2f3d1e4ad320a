"""The annual-review portfolio PDF (issue 17): one trainee, one training year, from plain values.

Logbook totals against the targets with the supervisor's latest feedback, attendance by term with
eligibility (leave and condonation as the eligibility line states them), results with their gates
and weighted totals, a summary line, and the same verification QR block as transcripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from core.pdf.documents import (
    TABLE_STYLE,
    EligibilityLine,
    Person,
    build_pdf,
    header,
    pdf_styles,
    person_table,
    verification_block,
)
from core.pdf.fonts import markup
from core.pdf.reports import column_widths

WIDTH = A4[0] - 36 * mm


@dataclass(frozen=True)
class TargetLine:
    label: str
    approved: int
    minimum: int
    still_needed: int
    share: float


@dataclass(frozen=True)
class FeedbackLine:
    case_date: date
    category: str
    title: str
    feedback: str
    verifier: str


@dataclass(frozen=True)
class ResultLine:
    assessment: str
    group: str
    held_on: date
    score: str
    percentage: str
    grade: str
    result: str  # with its attendance gate, e.g. "pass (ineligible: 64.04 % attended in 2026-Q4)"


@dataclass(frozen=True)
class TotalLine:
    group: str
    owner: str
    total: float | None
    note: str


@dataclass(frozen=True)
class PortfolioData:
    programme: str
    person: Person
    training_year: int
    cohort: str | None
    window: str  # "1 Aug 2026 – 31 Jul 2027"
    summary: str  # "on track" or "behind: ..."
    behind: bool
    category_totals: tuple[tuple[str, int], ...]
    targets: tuple[TargetLine, ...]
    feedback: tuple[FeedbackLine, ...]
    attendance: tuple[EligibilityLine, ...]
    results: tuple[ResultLine, ...]
    totals: tuple[TotalLine, ...]


def render_portfolio_pdf(
    data: PortfolioData, *, generated_at: datetime, verify_link: str, expires_at: datetime
) -> bytes:
    """The portfolio as PDF bytes; every typed value is escaped."""
    styles = pdf_styles()
    story: list[Flowable] = header(
        data.programme, f"Annual review portfolio: training year {data.training_year}", styles
    )
    story.append(person_table(data.person))
    story.append(
        Paragraph(
            f"Training year {data.training_year} ({markup(data.window)})"
            + (f", cohort {markup(data.cohort)}" if data.cohort else ""),
            styles["BodyText"],
        )
    )
    story.append(_summary(data, styles))
    story.append(Paragraph("Logbook against the targets", styles["Heading3"]))
    story.extend(_logbook(data, styles))
    story.append(Paragraph("Attendance by term", styles["Heading3"]))
    story.extend(_attendance(data, styles))
    story.append(Paragraph("Results", styles["Heading3"]))
    story.extend(_results(data, styles))
    story.extend(verification_block(generated_at, verify_link, expires_at, styles))
    name = data.person.name
    return build_pdf(
        story,
        title=f"Portfolio {name} year {data.training_year}",
        footer=f"Annual review portfolio - {name} - training year {data.training_year}",
    )


def _summary(data: PortfolioData, styles: dict[str, ParagraphStyle]) -> Table:
    if data.behind:
        line = f"<b>Summary: BEHIND</b> - {markup(data.summary.removeprefix('behind: '))}"
    elif data.summary == "on track":
        line = "<b>Summary: ON TRACK</b> - every target is at or above its share for this point of the year"
    else:
        line = f"<b>Summary:</b> {markup(data.summary)}"
    text = Paragraph(line, styles["BodyText"])
    box = Table([[text]], colWidths=[WIDTH], hAlign="LEFT")
    tint = "#fdecea" if data.behind else "#e8f5e9"
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(tint)),
                ("BOX", (0, 0), (-1, -1), 0.5, colors.grey),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return box


def _table(heads: list[str], rows: list[list[str]], styles: dict[str, ParagraphStyle], numeric: list[int]) -> Table:
    cells: list[list[str | Paragraph]] = [[Paragraph(h, styles["Head"]) for h in heads]]
    cells += [[Paragraph(markup(c), styles["Cell"]) for c in row] for row in rows]
    table = Table(
        cells, colWidths=column_widths(heads, rows, numeric=numeric, width=WIDTH), repeatRows=1, hAlign="LEFT"
    )
    table.setStyle(TABLE_STYLE)
    return table


def _logbook(data: PortfolioData, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = []
    if data.targets:
        rows = [
            [t.label, str(t.approved), str(t.minimum), str(t.still_needed), f"{100 * t.share:.0f}%"]
            for t in data.targets
        ]
        out.append(_table(["Target", "Approved", "Minimum", "Still needed", "Done"], rows, styles, [1, 2, 3, 4]))
    else:
        out.append(Paragraph(f"No logbook targets are set for training year {data.training_year}.", styles["BodyText"]))
    totals = ", ".join(f"{markup(c)}: {n}" for c, n in data.category_totals) or "none"
    out.append(Spacer(1, 2 * mm))
    out.append(Paragraph(f"Approved entries this training year by category: {totals}.", styles["BodyText"]))
    out.append(Paragraph("Supervisor feedback on the latest approved entries", styles["Label"]))
    if data.feedback:
        rows = [[f.case_date.isoformat(), f.category, f.title, f.feedback or "-", f.verifier] for f in data.feedback]
        out.append(_table(["Case date", "Category", "Title", "Feedback", "Verified by"], rows, styles, [0]))
    else:
        out.append(Paragraph("No approved entries in this training year.", styles["BodyText"]))
    return out


def _attendance(data: PortfolioData, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    if not data.attendance:
        return [Paragraph("No term of this training year has started yet.", styles["BodyText"])]
    rows = [
        [line.period.replace("..", " to "), line.text if line.result.sessions else "No sessions recorded"]
        for line in data.attendance
    ]
    return [_table(["Term", "Eligibility"], rows, styles, [])]


def _results(data: PortfolioData, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = []
    if data.results:
        rows = [
            [r.assessment, r.group, r.held_on.isoformat(), r.score, r.percentage, r.grade, r.result]
            for r in data.results
        ]
        out.append(_table(["Assessment", "Group", "Date", "Score", "%", "Grade", "Result"], rows, styles, [2, 3, 4]))
    else:
        out.append(Paragraph("No published results in this training year.", styles["BodyText"]))
    if data.totals:
        out.append(Spacer(1, 2 * mm))
        rows = [[t.group, t.owner, "-" if t.total is None else f"{t.total:g}", t.note] for t in data.totals]
        out.append(_table(["Group", "Belongs to", "Weighted total", "Note"], rows, styles, [2]))
    return out
