"""Transcript PDFs with a QR verification link, and the public check of that link.

The QR token is `secrets.token_urlsafe(32)`; only its sha256 is stored, with an expiry of
`verify_token_hours` (a runtime setting). Verification reveals only "valid: issued to <name>
on <date>" plus the summary fixed at issue time, or nothing at all.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from urllib.parse import quote

import pandas as pd
from sqlalchemy.orm import Session

from core.calendar import trailing_days
from core.clock import programme_date
from core.config import Settings, get_settings
from core.dto import IssuedDocument, UserSummary, VerificationOutcome
from core.errors import NotFoundError, PermissionDeniedError
from core.models import User, VerificationToken
from core.pdf import documents as documents_pdf
from core.pdf.documents import EligibilityLine, Person
from core.repositories import results as repo
from core.repositories import users as users_repo
from core.rules.results import compute_token_hash, is_token_valid
from core.rules.values import DocumentKind, NotificationKind, ResultState, Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.notifications import notify
from core.services.results import assessments as results_service
from core.services.results.weighted import list_weighted_totals
from core.services.settings import get_setting

MAX_TOKEN_LENGTH = 200
ELIGIBILITY_WINDOW_DAYS = 365


def generate_transcript(
    session: Session, actor: UserSummary, *, trainee_id: int, now: datetime, settings: Settings | None = None
) -> IssuedDocument:
    """Build a trainee's transcript PDF (trainee: own; admin: anyone) with a fresh verify token.

    Raises:
        PermissionDeniedError: a trainee asking for someone else's transcript, or another role.
        NotFoundError: no such trainee.
    """
    authorize(session, actor, Role.ADMIN, Role.TRAINEE)
    if actor.role == Role.TRAINEE and actor.id != trainee_id:
        raise PermissionDeniedError("You can only generate your own transcript.")
    trainee = _get_trainee(session, trainee_id)
    document = build_transcript(session, actor, trainee=trainee, now=now, settings=settings)
    if actor.id != trainee.id:
        notify(
            session,
            user_id=trainee.id,
            kind=NotificationKind.TRANSCRIPT_GENERATED,
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
    frame = frame[frame["state"].isin([ResultState.PUBLISHED, ResultState.FROZEN])] if not frame.empty else frame
    eligibility = compute_transcript_eligibility(session, trainee.id, programme_date(now))
    frozen = int((frame["state"] == ResultState.FROZEN).sum()) if not frame.empty else 0
    summary = (
        f"Academic transcript, {settings.programme_name}: {len(frame)} result(s) "
        f"({frozen} frozen, {len(frame) - frozen} published); attendance "
        f"{'eligible' if eligibility.result.eligible else 'not eligible'}"
        f"{' (condoned)' if eligibility.result.condoned else ''} "
        f"({eligibility.result.percentage:g}% over {eligibility.period})."
    )
    token, expires_at = issue_token(
        session, trainee_id=trainee.id, kind=DocumentKind.TRANSCRIPT, summary=summary, actor=actor, now=now
    )
    url = verify_url(settings, token)
    content = documents_pdf.render_transcript_pdf(
        programme=settings.programme_name,
        person=person_of(trainee),
        frame=frame,
        eligibility=eligibility,
        generated_at=now,
        verify_link=url,
        expires_at=expires_at,
        totals=tuple(
            (
                str(t["group"]),
                str(t["owner"]),
                "-" if pd.isna(t["weighted_total"]) else f"{t['weighted_total']:g}",
                str(t["note"]),
            )
            for t in list_weighted_totals(session, actor, trainee_id=trainee.id).to_dict("records")
        ),
    )
    name = f"transcript-{trainee.registration_number or trainee.id}-{now:%Y%m%d-%H%M}.pdf"
    return IssuedDocument(file_name=name, content=content, verify_url=url, expires_at=expires_at)


def compute_transcript_eligibility(session: Session, trainee_id: int, today: date) -> EligibilityLine:
    """Attendance eligibility over the 365 days ending on `today` (the period stated on the PDF)."""
    label = trailing_days(today, ELIGIBILITY_WINDOW_DAYS).label
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


def person_of(trainee: User) -> Person:
    """The trainee as printed on an issued document."""
    return Person(
        name=trainee.full_name,
        registration_number=trainee.registration_number,
        department=trainee.department.name if trainee.department else None,
        supervisor=trainee.supervisor.full_name if trainee.supervisor else None,
    )


def _get_trainee(session: Session, trainee_id: int) -> User:
    trainee = session.get(User, trainee_id)
    if trainee is None or trainee.role != Role.TRAINEE:
        raise NotFoundError("No such trainee.")
    return trainee


def issue_transcripts(
    session: Session,
    actor: UserSummary,
    *,
    registration_numbers: list[str] | None,
    now: datetime,
    settings: Settings | None = None,
) -> list[IssuedDocument]:
    """One transcript per trainee (the named ones, or every active trainee), each through generate_transcript.

    Raises:
        PermissionDeniedError: the actor is not an admin (a trainee may name only themself).
        NotFoundError: a registration number that names no trainee (nothing is issued).
    """
    authorize(session, actor, Role.ADMIN, Role.TRAINEE)
    if registration_numbers:
        trainees = [users_repo.get_user_by_registration(session, number) for number in registration_numbers]
        unknown = [
            n for n, t in zip(registration_numbers, trainees, strict=True) if t is None or t.role != Role.TRAINEE
        ]
        if unknown:
            raise NotFoundError(f"No trainee with registration number {', '.join(unknown)}.")
        chosen = [t for t in trainees if t is not None]
    else:
        if actor.role != Role.ADMIN:
            raise PermissionDeniedError("Only an administrator can issue every trainee's transcript.")
        chosen = list(users_repo.list_users(session, role=Role.TRAINEE, active_only=True))
    return [generate_transcript(session, actor, trainee_id=t.id, now=now, settings=settings) for t in chosen]
