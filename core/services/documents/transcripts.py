"""Transcript PDFs with a QR verification link, and the public check of that link.

The QR token is `secrets.token_urlsafe(32)`; only its sha256 is stored, with an expiry of
`verify_token_hours` (a runtime setting). Verification reveals only "valid: issued to <name>
on <date>" plus the summary fixed at issue time, or nothing at all.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from urllib.parse import quote

import pandas as pd
import qrcode
from qrcode.image.pil import PilImage
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from core.config import Settings, get_settings
from core.dto import IssuedDocument, UserSummary, VerificationOutcome
from core.errors import NotFoundError, PermissionDeniedError
from core.models import User, VerificationToken
from core.repositories import results as repo
from core.rules.access import ADMIN, TRAINEE
from core.rules.eligibility import EligibilityResult
from core.rules.results import compute_token_hash, is_token_valid
from core.services.access import authorize
from core.services.audit import record_event
from core.services.notifications import notify
from core.services.results import assessments as results_service
from core.services.settings import get_setting

MAX_TOKEN_LENGTH = 200
ELIGIBILITY_WINDOW_DAYS = 365


@dataclass(frozen=True)
class EligibilityLine:
    period: str
    result: EligibilityResult

    @property
    def text(self) -> str:
        r = self.result
        status = "ELIGIBLE" if r.eligible else "NOT ELIGIBLE"
        return (
            f"{status}: {r.percentage:g}% attended ({r.attended} of {r.sessions} sessions) "
            f"against a threshold of {r.threshold:g}%"
        )


def generate_transcript(
    session: Session, actor: UserSummary, *, trainee_id: int, now: datetime, settings: Settings | None = None
) -> IssuedDocument:
    """Build a trainee's transcript PDF (trainee: own; admin: anyone) with a fresh verify token.

    Raises:
        PermissionDeniedError: a trainee asking for someone else's transcript, or another role.
        NotFoundError: no such trainee.
    """
    authorize(session, actor, ADMIN, TRAINEE)
    if actor.role == TRAINEE and actor.id != trainee_id:
        raise PermissionDeniedError("You can only generate your own transcript.")
    trainee = _get_trainee(session, trainee_id)
    document = build_transcript(session, actor, trainee=trainee, now=now, settings=settings)
    if actor.id != trainee.id:
        notify(
            session,
            user_id=trainee.id,
            kind="transcript_generated",
            now=now,
            link="/requests",
            title="A transcript was generated for you",
            body=f"By {actor.full_name}.",
        )
    record_event(
        session,
        actor=actor,
        action="transcript_generated",
        now=now,
        entity_type="user",
        entity_id=trainee.id,
        details={"file": document.file_name, "expires_at": document.expires_at.isoformat()},
    )
    return document


def build_transcript(
    session: Session, actor: UserSummary, *, trainee: User, now: datetime, settings: Settings | None = None
) -> IssuedDocument:
    """The transcript PDF for `trainee` (no authorisation: callers check it)."""
    settings = settings or get_settings()
    frame = results_service.results_frame(session, actor, trainee_id=trainee.id)
    frame = frame[frame["state"].isin(["published", "frozen"])] if not frame.empty else frame
    eligibility = compute_transcript_eligibility(session, trainee.id, now.date())
    frozen = int((frame["state"] == "frozen").sum()) if not frame.empty else 0
    summary = (
        f"Academic transcript, {settings.programme_name}: {len(frame)} result(s) "
        f"({frozen} frozen, {len(frame) - frozen} published); attendance "
        f"{'eligible' if eligibility.result.eligible else 'not eligible'} "
        f"({eligibility.result.percentage:g}% over {eligibility.period})."
    )
    token, expires_at = issue_token(
        session, trainee_id=trainee.id, kind="transcript", summary=summary, actor=actor, now=now
    )
    url = verify_url(settings, token)
    content = render_transcript_pdf(
        programme=settings.programme_name,
        trainee=trainee,
        frame=frame,
        eligibility=eligibility,
        generated_at=now,
        verify_link=url,
        expires_at=expires_at,
    )
    name = f"transcript-{trainee.registration_number or trainee.id}-{now:%Y%m%d-%H%M}.pdf"
    return IssuedDocument(file_name=name, content=content, verify_url=url, expires_at=expires_at)


def compute_transcript_eligibility(session: Session, trainee_id: int, today: date) -> EligibilityLine:
    """Attendance eligibility over the 365 days ending on `today` (the period stated on the PDF)."""
    start = today - timedelta(days=ELIGIBILITY_WINDOW_DAYS - 1)
    label = f"{start.isoformat()}..{today.isoformat()}"
    outcome = results_service.compute_trainee_eligibility(session, [trainee_id], label)
    return EligibilityLine(period=label, result=outcome[trainee_id])


def issue_token(
    session: Session, *, trainee_id: int, kind: str, summary: str, actor: UserSummary | None, now: datetime
) -> tuple[str, datetime]:
    """Create a random verification token; store only its hash. Returns (token, expires_at)."""
    token = secrets.token_urlsafe(32)
    hours = int(get_setting(session, "verify_token_hours"))
    expires_at = now + timedelta(hours=hours)
    session.add(
        VerificationToken(
            token_hash=compute_token_hash(token),
            trainee_id=trainee_id,
            document_kind=kind,
            summary=summary,
            issued_at=now,
            expires_at=expires_at,
            issued_by_id=actor.id if actor else None,
        )
    )
    session.flush()
    return token, expires_at


def verify_url(settings: Settings, token: str) -> str:
    """The public link printed in the QR code."""
    return f"{settings.public_base_url.rstrip('/')}/verify?token={quote(token, safe='')}"


def verify_token(session: Session, *, token: str | None, now: datetime) -> VerificationOutcome:
    """Check a QR token without sign-in: valid (who, when, summary) or invalid/expired (nothing else)."""
    value = (token or "").strip()
    if not value or len(value) > MAX_TOKEN_LENGTH:
        return VerificationOutcome(valid=False)
    row = repo.get_token_by_hash(session, compute_token_hash(value))
    if row is None or not is_token_valid(expires_at=row.expires_at, now=now):
        return VerificationOutcome(valid=False)
    trainee = session.get(User, row.trainee_id)
    if trainee is None:
        return VerificationOutcome(valid=False)
    return VerificationOutcome(valid=True, issued_to=trainee.full_name, issued_at=row.issued_at, summary=row.summary)


def render_transcript_pdf(
    *,
    programme: str,
    trainee: User,
    frame: pd.DataFrame,
    eligibility: EligibilityLine,
    generated_at: datetime,
    verify_link: str,
    expires_at: datetime,
) -> bytes:
    """The transcript as PDF bytes (reportlab)."""
    styles = pdf_styles()
    story: list[Flowable] = header(programme, "Academic transcript", styles)
    story.append(person_table(trainee))
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph("Published and frozen results", styles["Heading3"]))
    if frame.empty:
        story.append(Paragraph("No published results yet.", styles["BodyText"]))
    else:
        rows: list[list[str | Paragraph]] = [["Assessment", "Group", "Date", "Score", "%", "Grade", "Result", "Status"]]
        for r in frame.itertuples():
            held_on = r.date
            assert isinstance(held_on, date), f"assessment date is {type(held_on).__name__}, not a date"
            rows.append(
                [
                    Paragraph(escape(str(r.assessment)), styles["Cell"]),
                    Paragraph(escape(str(r.group)), styles["Cell"]),
                    held_on.isoformat(),
                    f"{r.score:g} / {r.max_score:g}",
                    f"{r.percentage:g}",
                    str(r.grade),
                    str(r.result).upper(),
                    str(r.state),
                ]
            )
        table = Table(
            rows,
            colWidths=[46 * mm, 30 * mm, 20 * mm, 22 * mm, 12 * mm, 12 * mm, 14 * mm, 18 * mm],
            repeatRows=1,
            hAlign="LEFT",
        )
        table.setStyle(TABLE_STYLE)
        story.append(table)
    story.append(Spacer(1, 5 * mm))
    story.append(Paragraph("Attendance eligibility", styles["Heading3"]))
    period = eligibility.period.replace("..", " to ")
    story.append(Paragraph(f"Period: {period} (the 12 months up to the date of issue).", styles["BodyText"]))
    story.append(Paragraph(eligibility.text, styles["BodyText"]))
    story.extend(verification_block(generated_at, verify_link, expires_at, styles))
    return build_pdf(story, title=f"Transcript {trainee.full_name}")


def header(programme: str, title: str, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The programme header every issued document starts with."""
    return [Paragraph(programme, styles["Programme"]), Paragraph(title, styles["Title"]), Spacer(1, 3 * mm)]


def person_table(trainee: User) -> Table:
    """Name, registration number, department and supervisor."""
    rows = [
        ["Name", trainee.full_name],
        ["Registration number", trainee.registration_number or "—"],
        ["Department", trainee.department.name if trainee.department else "—"],
        ["Supervisor", trainee.supervisor.full_name if trainee.supervisor else "—"],
    ]
    table = Table(rows, colWidths=[45 * mm, 120 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
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
        Paragraph(f"<font size=7>{link}</font>", styles["BodyText"]),
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
    base = getSampleStyleSheet()
    return {
        "Programme": ParagraphStyle(
            "Programme",
            parent=base["Normal"],
            fontSize=11,
            textColor=colors.HexColor("#1f4e79"),
            fontName="Helvetica-Bold",
        ),
        "Title": ParagraphStyle("DocTitle", parent=base["Title"], fontSize=18, alignment=0, spaceAfter=4),
        "Heading3": _sample_style(base, "Heading3"),
        "BodyText": _sample_style(base, "BodyText"),
        "Cell": ParagraphStyle("Cell", parent=base["BodyText"], fontSize=8, leading=10),
    }


def _sample_style(sheet: StyleSheet1, name: str) -> ParagraphStyle:
    """A paragraph style from the sample sheet (typed as the broader PropertySet by the stubs)."""
    style = sheet[name]
    assert isinstance(style, ParagraphStyle), f"{name} is not a paragraph style"
    return style


def build_pdf(story: list[Flowable], *, title: str) -> bytes:
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="Training Operations Portal",
    ).build(story)
    return buffer.getvalue()


TABLE_STYLE = TableStyle(
    [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f4e79")),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f6fa")]),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
)


def _get_trainee(session: Session, trainee_id: int) -> User:
    trainee = session.get(User, trainee_id)
    if trainee is None or trainee.role != TRAINEE:
        raise NotFoundError("No such trainee.")
    return trainee
