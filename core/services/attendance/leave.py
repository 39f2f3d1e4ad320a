"""Leave (issue 16): trainees (or admins on their behalf) record leave, admins approve or reject it.

The policy is the runtime setting `leave_types` (core.rules.leave): approved leave of an *excluded*
type removes the trainee's unattended sessions on its dates from the denominator; an *excused* type
counts them as excused. Approval recomputes the attendance roll-up for the months the leave touches in
the same transaction, so eligibility and the dashboards are current at commit. Every step is audited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, update
from sqlalchemy.orm import Session

from core.calendar import months_between
from core.dto import LeaveItem, UserSummary
from core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from core.models import LeaveRequest
from core.repositories import leave as repo
from core.repositories import users as users_repo
from core.rules import leave as rules
from core.rules.access import ALL_ROLES
from core.rules.values import LeavePolicy, LeaveStatus, NotificationKind, Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.dashboards.rollups import refresh_attendance_months
from core.services.notifications import notify, notify_role
from core.services.settings import get_setting

LEAVE_LINK = "/leave"


def leave_types(session: Session) -> dict[str, LeavePolicy]:
    """The leave types and their policy, from the `leave_types` setting."""
    return rules.compute_leave_types(get_setting(session, "leave_types"))


def policy_text(session: Session) -> str:
    """The leave policy as eligibility outputs state it."""
    return rules.compute_policy_text(leave_types(session))


def excluded_leave_types(session: Session) -> tuple[str, ...]:
    """The excluded leave types that some approved leave uses (empty: counting needs no leave check)."""
    return repo.in_use(session, rules.excluded_types(leave_types(session)))


def request_leave(
    session: Session,
    actor: UserSummary,
    *,
    trainee_id: int,
    leave_type: str,
    start: date,
    end: date,
    reason: str,
    now: datetime,
    attachment: tuple[str, bytes] | None = None,
) -> LeaveItem:
    """Record leave for a trainee (themselves, or any trainee for an admin), pending an admin's decision.

    Raises:
        PermissionDeniedError: not a trainee or admin, or a trainee recording someone else's leave.
        NotFoundError: no such active trainee.
        InvalidInputError: unknown type, bad dates, no reason, or a document that is too large or not a PDF/image.
    """
    authorize(session, actor, Role.TRAINEE, Role.ADMIN)
    if actor.role == Role.TRAINEE and trainee_id != actor.id:
        raise PermissionDeniedError("You can record leave only for yourself.")
    trainee = users_repo.get_user(session, trainee_id)
    if trainee is None or trainee.role != Role.TRAINEE or not trainee.is_active:
        raise NotFoundError("No such active trainee.")
    try:
        kind = rules.check_leave(leave_type=leave_type, start=start, end=end, reason=reason, types=leave_types(session))
        name, content, mime = None, None, None
        if attachment is not None:
            limit = int(get_setting(session, "leave_attachment_max_mb")) * 1_048_576
            mime = rules.sniff_attachment(attachment[1], max_bytes=limit)
            name, content = (attachment[0] or "document")[:255], attachment[1]
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None
    leave = LeaveRequest(
        trainee_id=trainee.id,
        leave_type=kind,
        start_date=start,
        end_date=end,
        reason=reason.strip(),
        status=LeaveStatus.PENDING,
        requested_by_id=actor.id,
        requested_at=now,
        attachment_name=name,
        attachment_type=mime,
        attachment=content,
    )
    session.add(leave)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="leave_requested",
        now=now,
        entity_type="leave_request",
        entity_id=leave.id,
        details={
            "trainee_id": trainee.id,
            "type": kind,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "document": name or "",
        },
    )
    notify_role(
        session,
        Role.ADMIN,
        kind=NotificationKind.LEAVE_REQUESTED,
        title=f"Leave to decide: {trainee.full_name}, {kind} {start:%d %b} – {end:%d %b %Y}",
        body=reason.strip(),
        link=f"{LEAVE_LINK}?leave={leave.id}",
        now=now,
    )
    return get_leave_item(session, actor, leave_id=leave.id)


def decide_leave(
    session: Session, actor: UserSummary, *, leave_id: int, approve: bool, now: datetime, comment: str | None = None
) -> LeaveItem:
    """Approve or reject a pending leave request (admins); approval recomputes the touched months' roll-ups.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: no such leave request.
        ConflictError: already decided (also when two admins race).
        InvalidInputError: a rejection without a comment.
    """
    authorize(session, actor, Role.ADMIN)
    leave = repo.get_leave(session, scope=actor.scope, leave_id=leave_id)
    if leave is None:
        raise NotFoundError("No such leave request.")
    if leave.status != LeaveStatus.PENDING:
        raise ConflictError(f"This leave request was already decided: {leave.status}.")
    text = (comment or "").strip()
    if not approve and not text:
        raise InvalidInputError("A rejection needs a comment saying why.")
    status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
    claimed = session.execute(
        update(LeaveRequest)
        .where(LeaveRequest.id == leave_id, LeaveRequest.status == LeaveStatus.PENDING)
        .values(status=status, decided_by_id=actor.id, decided_at=now, decision_comment=text or None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("This leave request was already decided by someone else.")
    if approve:
        refresh_attendance_months(session, months_between(leave.start_date, leave.end_date))
    record_event(
        session,
        actor=actor,
        action=f"leave_{status}",
        now=now,
        entity_type="leave_request",
        entity_id=leave_id,
        details={"trainee_id": leave.trainee_id, "type": leave.leave_type, "comment": text},
    )
    notify(
        session,
        user_id=leave.trainee_id,
        kind=NotificationKind.LEAVE_DECIDED,
        title=f"Your {leave.leave_type} leave {leave.start_date:%d %b} – {leave.end_date:%d %b %Y} was {status}",
        body=text or None,
        link=f"{LEAVE_LINK}?leave={leave_id}",
        now=now,
    )
    session.flush()
    session.expire_all()
    return get_leave_item(session, actor, leave_id=leave_id)


def list_leave(session: Session, actor: UserSummary, *, status: str | None = None) -> list[LeaveItem]:
    """Leave requests in the viewer's scope (a trainee's own, a supervisor's trainees', everyone's), newest first."""
    authorize(session, actor, *ALL_ROLES)
    types = leave_types(session)
    return [_item(row, types) for row in repo.list_leave_rows(session, scope=actor.scope, status=status)]


def get_leave_item(session: Session, actor: UserSummary, *, leave_id: int) -> LeaveItem:
    """One leave request in the viewer's scope.

    Raises:
        NotFoundError: no such request in view.
    """
    authorize(session, actor, *ALL_ROLES)
    rows = repo.list_leave_rows(session, scope=actor.scope, leave_id=leave_id)
    if not rows:
        raise NotFoundError("No such leave request in your view.")
    return _item(rows[0], leave_types(session))


def get_leave_document(session: Session, actor: UserSummary, *, leave_id: int, now: datetime) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes) of a leave request's supporting document; the download is audited.

    Raises:
        NotFoundError: no such request in view, or it has no document.
    """
    authorize(session, actor, *ALL_ROLES)
    row = repo.get_attachment(session, scope=actor.scope, leave_id=leave_id)
    if row is None:
        raise NotFoundError("This leave request has no document in your view.")
    record_event(
        session,
        actor=actor,
        action="leave_document_downloaded",
        now=now,
        entity_type="leave_request",
        entity_id=leave_id,
        details={"file": row[0]},
    )
    return str(row[0]), str(row[1]), bytes(row[2])


def refresh_leave_months(session: Session) -> int:
    """Recompute the attendance roll-up for every month with approved leave (after the policy changed)."""
    months = sorted({m for start, end in repo.list_approved_leave_months(session) for m in months_between(start, end)})
    refresh_attendance_months(session, months)
    return len(months)


def _item(row: Row[*tuple[Any, ...]], types: dict[str, LeavePolicy]) -> LeaveItem:
    leave, name, registration, department, requester, decider = row
    return LeaveItem(
        id=leave.id,
        trainee_id=leave.trainee_id,
        trainee_name=name,
        registration=registration or "",
        department=department or "",
        leave_type=leave.leave_type,
        policy=str(types.get(leave.leave_type, "")),
        start=leave.start_date,
        end=leave.end_date,
        reason=leave.reason,
        status=leave.status,
        requested_by=requester or "",
        requested_at=leave.requested_at,
        decided_by=decider or "",
        decided_at=leave.decided_at,
        decision_comment=leave.decision_comment or "",
        attachment_name=leave.attachment_name or "",
    )
