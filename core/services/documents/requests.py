"""Document requests: a trainee asks, an admin approves or rejects, an approved request is
completed by generating the PDF the trainee downloads.

pending -> approved -> completed, or pending -> rejected; nothing else. Each step is a
conditional UPDATE on the expected status, notifies the requester and is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import update
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.config import Settings, get_settings
from core.dto import DocumentRequestItem, Scope, UserSummary
from core.errors import ConflictError, InvalidInputError, NotFoundError
from core.models import DocumentRequest, User
from core.pdf import documents as documents_pdf
from core.repositories import results as repo
from core.rules.results import DOCUMENT_KINDS, DOCUMENT_TRANSITIONS, can_move_document
from core.rules.values import DocumentKind, DocumentStatus, NotificationKind, Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.documents import transcripts
from core.services.notifications import notify

REQUESTS_LINK = "/requests"
MAX_DETAILS = 2000


def request_document(
    session: Session, actor: UserSummary, *, kind: str, details: str | None, now: datetime
) -> DocumentRequestItem:
    """A trainee asks for a document (transcript, bonafide, noc or other; 'other' needs details).

    Raises:
        PermissionDeniedError: the actor is not a trainee.
        InvalidInputError: unknown kind, or 'other' without details.
    """
    authorize(session, actor, Role.TRAINEE)
    text = (details or "").strip()
    if kind not in DOCUMENT_KINDS:
        raise InvalidInputError(f"Unknown document type '{kind}': choose one of {', '.join(DOCUMENT_KINDS)}.")
    if kind == DocumentKind.OTHER and not text:
        raise InvalidInputError("Say which document you need in the details.")
    if len(text) > MAX_DETAILS:
        raise InvalidInputError(f"Details are limited to {MAX_DETAILS} characters.")
    assert actor.id is not None
    request = DocumentRequest(
        trainee_id=actor.id, kind=kind, details=text or None, status=DocumentStatus.PENDING, requested_at=now
    )
    session.add(request)
    session.flush()
    notify(
        session,
        user_id=actor.id,
        kind=NotificationKind.DOCUMENT_REQUESTED,
        now=now,
        link=REQUESTS_LINK,
        title=f"Request received: {DOCUMENT_KINDS[kind]}",
        body="The programme office will review it.",
    )
    for admin_id in repo.list_active_admin_ids(session):
        notify(
            session,
            user_id=admin_id,
            kind=NotificationKind.DOCUMENT_REQUEST_NEW,
            now=now,
            link=REQUESTS_LINK,
            title=f"New document request: {DOCUMENT_KINDS[kind]}",
            body=f"From {actor.full_name}.",
        )
    record_event(
        session,
        actor=actor,
        action="document_requested",
        now=now,
        entity_type="document_request",
        entity_id=request.id,
        details={"kind": kind},
    )
    return _item(session, request.id)


def decide_document_request(
    session: Session, actor: UserSummary, *, request_id: int, approve: bool, now: datetime, comment: str | None = None
) -> DocumentRequestItem:
    """Approve a pending request, or reject it with a comment (admins).

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: no such request.
        ConflictError: the request is not pending.
        InvalidInputError: a rejection without a comment.
    """
    authorize(session, actor, Role.ADMIN)
    action = "approve" if approve else "reject"
    text = (comment or "").strip()
    if not approve and not text:
        raise InvalidInputError("A rejection needs a comment for the trainee.")
    request = _move(
        session, request_id, action, {"decided_by_id": actor.id, "decided_at": now, "decision_comment": text or None}
    )
    status = DOCUMENT_TRANSITIONS[action][1]
    notify(
        session,
        user_id=request.trainee_id,
        kind=NotificationKind(f"document_{status}"),
        now=now,
        link=REQUESTS_LINK,
        title=f"Your {DOCUMENT_KINDS[request.kind].lower()} request was {status}",
        body=text or ("It will be issued shortly." if approve else None),
    )
    record_event(
        session,
        actor=actor,
        action=f"document_{status}",
        now=now,
        entity_type="document_request",
        entity_id=request.id,
        details={"kind": request.kind, "comment": text},
    )
    return _item(session, request.id)


def complete_document_request(
    session: Session, actor: UserSummary, *, request_id: int, now: datetime, settings: Settings | None = None
) -> DocumentRequestItem:
    """Generate the PDF for an approved request and store it for the trainee to download (admins).

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: no such request.
        ConflictError: the request is not approved.
    """
    authorize(session, actor, Role.ADMIN)
    request = repo.get_document_request(session, request_id)
    if request is None:
        raise NotFoundError("No such document request.")
    if problem := can_move_document("complete", request.status):
        raise ConflictError(problem[0].upper() + problem[1:] + ".")
    trainee = session.get(User, request.trainee_id)
    if trainee is None:
        raise NotFoundError("No such trainee.")
    if request.kind == DocumentKind.TRANSCRIPT:
        issued = transcripts.build_transcript(session, actor, trainee=trainee, now=now, settings=settings)
        file_name, content = issued.file_name, issued.content
    else:
        file_name, content = _certificate(session, actor, request, trainee, now, settings or get_settings())
    _move(
        session,
        request_id,
        "complete",
        {"completed_by_id": actor.id, "completed_at": now, "file_name": file_name, "content": content},
    )
    notify(
        session,
        user_id=request.trainee_id,
        kind=NotificationKind.DOCUMENT_COMPLETED,
        now=now,
        link=REQUESTS_LINK,
        title=f"Your {DOCUMENT_KINDS[request.kind].lower()} is ready to download",
        body=file_name,
    )
    record_event(
        session,
        actor=actor,
        action="document_completed",
        now=now,
        entity_type="document_request",
        entity_id=request.id,
        details={"kind": request.kind, "file": file_name, "bytes": len(content)},
    )
    return _item(session, request.id)


def list_document_requests(
    session: Session, actor: UserSummary, *, status: str | None = None
) -> list[DocumentRequestItem]:
    """Admins: every request; trainees: their own. Newest first."""
    authorize(session, actor, Role.ADMIN, Role.TRAINEE)
    return [_to_item(*row) for row in repo.list_document_request_rows(session, actor.scope, status=status)]


def requests_frame(items: list[DocumentRequestItem]) -> pd.DataFrame:
    """The table (and export) of document requests."""
    return pd.DataFrame(
        [
            {
                "id": i.id,
                "trainee": i.trainee_name,
                "trainee_id": i.registration_number or "",
                "document": i.kind_label,
                "details": i.details or "",
                "status": i.status,
                "requested_at": i.requested_at,
                "decided_by": i.decided_by or "",
                "comment": i.decision_comment or "",
                "completed_at": i.completed_at,
            }
            for i in items
        ],
        columns=[
            "id",
            "trainee",
            "trainee_id",
            "document",
            "details",
            "status",
            "requested_at",
            "decided_by",
            "comment",
            "completed_at",
        ],
    )


def get_document_file(
    session: Session, actor: UserSummary, *, request_id: int, now: datetime | None = None
) -> tuple[str, bytes]:
    """The completed PDF (trainee: own; admin: any); serving it is audited (document_downloaded).

    Raises:
        NotFoundError: no such completed request in the actor's scope.
    """
    authorize(session, actor, Role.ADMIN, Role.TRAINEE)
    request = repo.get_document_request(session, request_id)
    if request is None or (actor.role == Role.TRAINEE and request.trainee_id != actor.id):
        raise NotFoundError("No such document.")
    if request.status != DocumentStatus.COMPLETED or request.content is None or request.file_name is None:
        raise ConflictError(f"This document is not ready yet; current state: {request.status}.")
    record_event(
        session,
        actor=actor,
        action="document_downloaded",
        now=now or utcnow(),
        entity_type="document_request",
        entity_id=request.id,
        details={"kind": request.kind, "file": request.file_name, "trainee_id": request.trainee_id},
    )
    return request.file_name, request.content


def _move(session: Session, request_id: int, action: str, values: dict[str, Any]) -> DocumentRequest:
    request = repo.get_document_request(session, request_id)
    if request is None:
        raise NotFoundError("No such document request.")
    required, target = DOCUMENT_TRANSITIONS[action]
    if problem := can_move_document(action, request.status):
        raise ConflictError(problem[0].upper() + problem[1:] + ".")
    moved = session.execute(
        update(DocumentRequest)
        .where(DocumentRequest.id == request_id, DocumentRequest.status == required)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("This request was changed by someone else meanwhile; reload and retry.")
    session.expire(request)
    return request


def _certificate(
    session: Session, actor: UserSummary, request: DocumentRequest, trainee: User, now: datetime, settings: Settings
) -> tuple[str, bytes]:
    label = DOCUMENT_KINDS[request.kind]
    summary = f"{label}, {settings.programme_name}."
    token, expires_at = transcripts.issue_token(
        session, trainee_id=trainee.id, kind=request.kind, summary=summary, actor=actor, now=now
    )
    content = documents_pdf.render_certificate_pdf(
        programme=settings.programme_name,
        label=label,
        kind=request.kind,
        person=transcripts.person_of(trainee),
        details=request.details,
        generated_at=now,
        verify_link=transcripts.verify_url(settings, token),
        expires_at=expires_at,
    )
    return f"{request.kind}-{trainee.registration_number or trainee.id}-{now:%Y%m%d-%H%M}.pdf", content


def _item(session: Session, request_id: int) -> DocumentRequestItem:
    session.flush()
    rows = repo.list_document_request_rows(session, Scope(Role.ADMIN, None), request_id=request_id)
    return _to_item(*rows[0])


def _to_item(
    request: DocumentRequest, trainee: str, registration: str | None, decider: str | None
) -> DocumentRequestItem:
    return DocumentRequestItem(
        id=request.id,
        trainee_id=request.trainee_id,
        trainee_name=trainee,
        registration_number=registration,
        kind=request.kind,
        kind_label=DOCUMENT_KINDS[request.kind],
        details=request.details,
        status=request.status,
        requested_at=request.requested_at,
        decided_by=decider,
        decided_at=request.decided_at,
        decision_comment=request.decision_comment,
        completed_at=request.completed_at,
        file_name=request.file_name,
    )
