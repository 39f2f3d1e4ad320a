"""Condonation (issue 16): one admin asks to exempt a trainee from the attendance threshold for a period,
a *second* admin decides, as for result change requests (never the requester, nor an admin whose account
the requester created or last reactivated). An approved condonation makes the trainee eligible, flagged
"condoned" with its reason, for every period wholly inside the condoned one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from core.dto import CondonationItem, UserSummary
from core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from core.models import Condonation
from core.repositories import leave as repo
from core.repositories import users as users_repo
from core.rules.access import ALL_ROLES
from core.rules.values import CondonationStatus, NotificationKind, Role
from core.services.access import authorize
from core.services.attendance.eligibility import resolve_period
from core.services.audit import record_event
from core.services.notifications import notify

CONDONATION_LINK = "/leave?tab=condonations"


def request_condonation(
    session: Session, actor: UserSummary, *, trainee_id: int, period: str, reason: str, now: datetime
) -> CondonationItem:
    """Ask to exempt a trainee for a period; another admin must decide.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: no such active trainee.
        InvalidInputError: bad period or no reason.
        ConflictError: a condonation for that trainee and period is already pending or approved.
    """
    authorize(session, actor, Role.ADMIN)
    span = resolve_period(period)
    if not reason.strip():
        raise InvalidInputError("Give the reason for the condonation.")
    trainee = users_repo.get_user(session, trainee_id)
    if trainee is None or trainee.role != Role.TRAINEE or not trainee.is_active:
        raise NotFoundError("No such active trainee.")
    existing = session.scalar(
        select(Condonation.status).where(
            Condonation.trainee_id == trainee_id,
            Condonation.period == span.label,
            Condonation.status.in_((CondonationStatus.PENDING, CondonationStatus.APPROVED)),
        )
    )
    if existing is not None:
        raise ConflictError(f"A condonation for {trainee.full_name} in {span.label} is already {existing}.")
    condonation = Condonation(
        trainee_id=trainee_id,
        period=span.label,
        period_start=span.start,
        period_end=span.end,
        reason=reason.strip(),
        status=CondonationStatus.PENDING,
        requested_by_id=actor.id,
        requested_at=now,
    )
    session.add(condonation)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="condonation_requested",
        now=now,
        entity_type="condonation",
        entity_id=condonation.id,
        details={"trainee_id": trainee_id, "period": span.label, "reason": reason.strip()},
    )
    for admin in users_repo.list_users(session, role=Role.ADMIN, active_only=True):
        if admin.id != actor.id:
            notify(
                session,
                user_id=admin.id,
                kind=NotificationKind.CONDONATION_REQUESTED,
                title=f"Condonation needs a second admin: {trainee.full_name}, {span.label}",
                body=reason.strip(),
                link=CONDONATION_LINK,
                now=now,
            )
    return _get_item(session, actor, condonation.id)


def decide_condonation(
    session: Session,
    actor: UserSummary,
    *,
    condonation_id: int,
    approve: bool,
    now: datetime,
    comment: str | None = None,
) -> CondonationItem:
    """Approve or reject a pending condonation (a second admin).

    Raises:
        PermissionDeniedError: not an admin, the requester, or an admin the requester created or reactivated.
        NotFoundError: no such condonation.
        ConflictError: already decided (also when two admins race).
        InvalidInputError: a rejection without a comment.
    """
    authorize(session, actor, Role.ADMIN)
    condonation = session.get(Condonation, condonation_id)
    if condonation is None:
        raise NotFoundError("No such condonation.")
    if condonation.status != CondonationStatus.PENDING:
        raise ConflictError(f"This condonation was already decided: {condonation.status}.")
    if condonation.requested_by_id is not None and condonation.requested_by_id == actor.id:
        raise PermissionDeniedError("You asked for this condonation, so another admin must decide it.")
    if problem := _provenance_problem(session, actor, condonation.requested_by_id):
        raise PermissionDeniedError(problem)
    text = (comment or "").strip()
    if not approve and not text:
        raise InvalidInputError("A rejection needs a comment saying why.")
    status = CondonationStatus.APPROVED if approve else CondonationStatus.REJECTED
    claimed = session.execute(
        update(Condonation)
        .where(Condonation.id == condonation_id, Condonation.status == CondonationStatus.PENDING)
        .values(status=status, decided_by_id=actor.id, decided_at=now, decision_comment=text or None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("This condonation was already decided by someone else.")
    record_event(
        session,
        actor=actor,
        action=f"condonation_{status}",
        now=now,
        entity_type="condonation",
        entity_id=condonation_id,
        details={"trainee_id": condonation.trainee_id, "period": condonation.period, "comment": text},
    )
    for user_id in {condonation.requested_by_id, condonation.trainee_id} - {None}:
        notify(
            session,
            user_id=int(user_id),  # type: ignore[arg-type]
            kind=NotificationKind.CONDONATION_DECIDED,
            title=f"Condonation for {condonation.period} was {status}",
            body=text or None,
            link=f"/eligibility?period={condonation.period}",
            now=now,
        )
    session.flush()
    session.expire_all()
    return _get_item(session, actor, condonation_id)


def list_condonations(session: Session, actor: UserSummary, *, status: str | None = None) -> list[CondonationItem]:
    """Condonations in the viewer's scope, newest first."""
    authorize(session, actor, *ALL_ROLES)
    return [_to_item(row) for row in repo.list_condonation_rows(session, scope=actor.scope, status=status)]


def _get_item(session: Session, actor: UserSummary, condonation_id: int) -> CondonationItem:
    rows = repo.list_condonation_rows(session, scope=actor.scope, condonation_id=condonation_id)
    if not rows:
        raise NotFoundError("No such condonation in your view.")
    return _to_item(rows[0])


def _provenance_problem(session: Session, actor: UserSummary, requested_by_id: int | None) -> str | None:
    decider = users_repo.get_user(session, actor.id) if actor.id is not None else None
    if decider is None or requested_by_id is None:
        return None
    if requested_by_id in (decider.created_by_id, decider.reactivated_by_id):
        return (
            "Your account was created or last reactivated by the admin who asked for this condonation, "
            "so an admin independent of them must decide it."
        )
    return None


def _to_item(row: Row[*tuple[Any, ...]]) -> CondonationItem:
    condonation, name, registration, requester, decider = row
    return CondonationItem(
        id=condonation.id,
        trainee_id=condonation.trainee_id,
        trainee_name=name,
        registration=registration or "",
        period=condonation.period,
        reason=condonation.reason,
        status=condonation.status,
        requested_by_id=condonation.requested_by_id,
        requested_by=requester or "",
        requested_at=condonation.requested_at,
        decided_by=decider or "",
        decided_at=condonation.decided_at,
        decision_comment=condonation.decision_comment or "",
    )
