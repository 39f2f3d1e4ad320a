"""Document requests: pending -> approved -> completed or pending -> rejected, nothing else;
every step notifies the requester and is audited; PDFs are stored and scoped."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Settings
from core.dto import UserSummary
from core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from core.models import AuditEvent, DocumentRequest, Notification, User
from core.services.documents import requests as svc
from core.services.documents import transcripts
from tests.factories import NOW, actor, make_department, make_user

SETTINGS = Settings(public_base_url="https://portal.example.org", programme_name="Residency Programme")


@dataclass
class People:
    admin: UserSummary
    trainee_user: User
    trainee: UserSummary
    other_trainee: UserSummary
    supervisor: UserSummary
    leadership: UserSummary


@pytest.fixture
def people(session: Session) -> People:
    department = make_department(session)
    supervisor = make_user(session, "supervisor", department=department)
    trainee = make_user(session, "trainee", department=department, supervisor=supervisor)
    return People(
        admin=actor(session, make_user(session, "admin")),
        trainee_user=trainee,
        trainee=actor(session, trainee),
        other_trainee=actor(session, make_user(session, "trainee", department=department)),
        supervisor=actor(session, supervisor),
        leadership=actor(session, make_user(session, "leadership")),
    )


def kinds_for(session: Session, user_id: int | None) -> list[str]:
    return list(
        session.scalars(select(Notification.kind).where(Notification.user_id == user_id).order_by(Notification.id))
    )


def last_audit(session: Session) -> str | None:
    return session.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc())).first()


def test_a_request_is_pending_and_notifies_the_trainee_and_admins(session: Session, people: People) -> None:
    item = svc.request_document(session, people.trainee, kind="bonafide", details="Bank account", now=NOW)
    assert (item.status, item.kind_label, item.trainee_id) == ("pending", "Bonafide certificate", people.trainee.id)
    assert kinds_for(session, people.trainee.id) == ["document_requested"]
    assert "document_request_new" in kinds_for(session, people.admin.id)
    assert last_audit(session) == "document_requested"


@pytest.mark.parametrize(
    ("kind", "details", "message"),
    [
        ("diploma", "x", "Unknown document type"),
        ("other", "  ", "Say which document"),
        ("noc", "x" * 2001, "limited to 2000"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_written(
    session: Session, people: People, kind: str, details: str, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        svc.request_document(session, people.trainee, kind=kind, details=details, now=NOW)
    assert session.scalars(select(DocumentRequest).where(DocumentRequest.trainee_id == people.trainee.id)).all() == []


def test_approve_then_complete_generates_a_downloadable_verified_pdf(session: Session, people: People) -> None:
    item = svc.request_document(session, people.trainee, kind="bonafide", details="Visa <application>", now=NOW)
    approved = svc.decide_document_request(session, people.admin, request_id=item.id, approve=True, now=NOW)
    assert (approved.status, approved.decided_by) == ("approved", people.admin.full_name)
    assert kinds_for(session, people.trainee.id)[-1] == "document_approved"
    done = svc.complete_document_request(session, people.admin, request_id=item.id, now=NOW, settings=SETTINGS)
    assert done.status == "completed" and done.file_name and done.file_name.endswith(".pdf")
    assert kinds_for(session, people.trainee.id)[-1] == "document_completed"
    assert last_audit(session) == "document_completed"
    name, content = svc.get_document_file(session, people.trainee, request_id=item.id)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert name == done.file_name
    assert "Residency Programme" in text and "Bonafide certificate" in text
    assert people.trainee.full_name in text and "bona fide trainee" in text and "Visa <application>" in text
    link = next(
        line for line in text.replace("\n", " ").split() if line.startswith("https://portal.example.org/verify?token=")
    )
    outcome = transcripts.verify_token(session, token=link.split("token=")[1], now=NOW)
    assert outcome.valid and outcome.issued_to == people.trainee.full_name
    assert outcome.summary == "Bonafide certificate, Residency Programme."


def test_a_transcript_request_is_completed_with_the_transcript(session: Session, people: People) -> None:
    item = svc.request_document(session, people.trainee, kind="transcript", details=None, now=NOW)
    svc.decide_document_request(session, people.admin, request_id=item.id, approve=True, now=NOW)
    svc.complete_document_request(session, people.admin, request_id=item.id, now=NOW, settings=SETTINGS)
    _, content = svc.get_document_file(session, people.admin, request_id=item.id)
    assert "Academic transcript" in PdfReader(io.BytesIO(content)).pages[0].extract_text()


def test_rejection_needs_a_comment_which_reaches_the_trainee(session: Session, people: People) -> None:
    item = svc.request_document(session, people.trainee, kind="noc", details="Conference", now=NOW)
    with pytest.raises(InvalidInputError, match="comment"):
        svc.decide_document_request(session, people.admin, request_id=item.id, approve=False, comment=" ", now=NOW)
    rejected = svc.decide_document_request(
        session, people.admin, request_id=item.id, approve=False, comment="Attach the invitation", now=NOW
    )
    assert (rejected.status, rejected.decision_comment) == ("rejected", "Attach the invitation")
    body = session.scalars(
        select(Notification.body).where(Notification.user_id == people.trainee.id).order_by(Notification.id.desc())
    ).first()
    assert body == "Attach the invitation"
    assert last_audit(session) == "document_rejected"


Step = Callable[[Session, People, int], object]
APPROVE: Step = lambda s, p, i: svc.decide_document_request(s, p.admin, request_id=i, approve=True, now=NOW)  # noqa: E731
REJECT: Step = lambda s, p, i: svc.decide_document_request(  # noqa: E731
    s, p.admin, request_id=i, approve=False, comment="no", now=NOW
)
COMPLETE: Step = lambda s, p, i: svc.complete_document_request(s, p.admin, request_id=i, now=NOW, settings=SETTINGS)  # noqa: E731
REACH = {"pending": [], "approved": [APPROVE], "rejected": [REJECT], "completed": [APPROVE, COMPLETE]}
LEGAL = {("pending", "approve"), ("pending", "reject"), ("approved", "complete")}


@pytest.mark.parametrize("status", list(REACH))
@pytest.mark.parametrize("action", ["approve", "reject", "complete"])
def test_every_transition_from_every_state(session: Session, people: People, status: str, action: str) -> None:
    item = svc.request_document(session, people.trainee, kind="bonafide", details="x", now=NOW)
    for step in REACH[status]:
        step(session, people, item.id)
    step = {"approve": APPROVE, "reject": REJECT, "complete": COMPLETE}[action]
    if (status, action) in LEGAL:
        step(session, people, item.id)
    else:
        with pytest.raises(ConflictError, match=f"current state: {status}"):
            step(session, people, item.id)
        session.expire_all()
        assert session.get(DocumentRequest, item.id).status == status  # type: ignore[union-attr]


def test_a_document_is_not_downloadable_before_completion_nor_by_another_trainee(
    session: Session, people: People
) -> None:
    item = svc.request_document(session, people.trainee, kind="bonafide", details="x", now=NOW)
    with pytest.raises(ConflictError, match="not ready"):
        svc.get_document_file(session, people.trainee, request_id=item.id)
    APPROVE(session, people, item.id)
    COMPLETE(session, people, item.id)
    with pytest.raises(NotFoundError):
        svc.get_document_file(session, people.other_trainee, request_id=item.id)
    with pytest.raises(NotFoundError):
        svc.get_document_file(session, people.admin, request_id=98765)


def test_trainees_list_only_their_own_requests(session: Session, people: People) -> None:
    mine = svc.request_document(session, people.trainee, kind="bonafide", details="x", now=NOW)
    theirs = svc.request_document(session, people.other_trainee, kind="noc", details="y", now=NOW)
    assert [i.id for i in svc.list_document_requests(session, people.trainee)] == [mine.id]
    assert {mine.id, theirs.id} <= {i.id for i in svc.list_document_requests(session, people.admin)}
    frame = svc.requests_frame(svc.list_document_requests(session, people.admin))
    assert {"trainee", "status", "document"} <= set(frame.columns)


ROLES = ("admin", "supervisor", "leadership", "trainee")
ACTIONS: dict[str, tuple[Callable[[Session, People, UserSummary, int], object], tuple[str, ...]]] = {
    "request": (lambda s, p, who, i: svc.request_document(s, who, kind="bonafide", details="x", now=NOW), ("trainee",)),
    "approve": (
        lambda s, p, who, i: svc.decide_document_request(s, who, request_id=i, approve=True, now=NOW),
        ("admin",),
    ),
    "reject": (
        lambda s, p, who, i: svc.decide_document_request(s, who, request_id=i, approve=False, comment="c", now=NOW),
        ("admin",),
    ),
    "complete": (
        lambda s, p, who, i: svc.complete_document_request(s, who, request_id=i, now=NOW, settings=SETTINGS),
        ("admin",),
    ),
    "list": (lambda s, p, who, i: svc.list_document_requests(s, who), ("admin", "trainee")),
    "download": (lambda s, p, who, i: svc.get_document_file(s, who, request_id=i), ("admin", "trainee")),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_authorization_matrix(session: Session, people: People, name: str, role: str) -> None:
    item = svc.request_document(session, people.trainee, kind="bonafide", details="x", now=NOW)
    if name == "complete":
        APPROVE(session, people, item.id)
    if name == "download":
        APPROVE(session, people, item.id)
        COMPLETE(session, people, item.id)
    who = {
        "admin": people.admin,
        "supervisor": people.supervisor,
        "leadership": people.leadership,
        "trainee": people.trainee,
    }[role]
    action, allowed = ACTIONS[name]
    if role in allowed:
        action(session, people, who, item.id)
    else:
        with pytest.raises(PermissionDeniedError):
            action(session, people, who, item.id)
