"""Leave and condonation queries, and the one SQL condition for "this record is on excluded leave"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, exists, false, select
from sqlalchemy.orm import Session, aliased

from core.dto import Scope
from core.models import AttendanceRecord, Condonation, Department, LeaveRequest, User
from core.repositories.scope import trainee_scope_clause
from core.rules.eligibility import ATTENDED_STATUSES
from core.rules.values import CondonationStatus, LeaveStatus


def on_excluded_leave(excluded_types: Sequence[str]) -> ColumnElement[bool]:
    """An attendance record that was not attended and falls on approved leave of an excluded type.

    EXISTS, so a day covered by two overlapping leaves is removed once. With no excluded types this
    is a constant false, so counting costs nothing extra.
    """
    if not excluded_types:
        return false()
    record = AttendanceRecord
    leave = LeaveRequest
    return and_(
        record.status.not_in(ATTENDED_STATUSES),
        exists().where(
            leave.trainee_id == record.trainee_id,
            leave.status == LeaveStatus.APPROVED,
            leave.leave_type.in_(list(excluded_types)),
            leave.start_date <= record.session_date,
            leave.end_date >= record.session_date,
        ),
    )


def list_leave_rows(
    session: Session,
    *,
    scope: Scope,
    status: str | None = None,
    trainee_id: int | None = None,
    leave_id: int | None = None,
) -> Sequence[Row[*tuple[Any, ...]]]:
    """(LeaveRequest without its bytes, trainee name, registration, department, requester, decider) in scope, newest first."""
    trainee, requester, decider = aliased(User), aliased(User), aliased(User)
    stmt = (
        select(
            LeaveRequest,
            trainee.full_name,
            trainee.registration_number,
            Department.name,
            requester.full_name,
            decider.full_name,
        )
        .join(trainee, trainee.id == LeaveRequest.trainee_id)
        .outerjoin(Department, Department.id == trainee.department_id)
        .outerjoin(requester, requester.id == LeaveRequest.requested_by_id)
        .outerjoin(decider, decider.id == LeaveRequest.decided_by_id)
        .where(trainee_scope_clause(scope, LeaveRequest.trainee_id))
        .order_by(LeaveRequest.requested_at.desc(), LeaveRequest.id.desc())
    )
    if status:
        stmt = stmt.where(LeaveRequest.status == status)
    if trainee_id is not None:
        stmt = stmt.where(LeaveRequest.trainee_id == trainee_id)
    if leave_id is not None:
        stmt = stmt.where(LeaveRequest.id == leave_id)
    return session.execute(stmt).all()


def get_leave(session: Session, *, scope: Scope, leave_id: int) -> LeaveRequest | None:
    """One leave request the viewer may see, else None."""
    return session.scalars(
        select(LeaveRequest).where(LeaveRequest.id == leave_id, trainee_scope_clause(scope, LeaveRequest.trainee_id))
    ).first()


def get_attachment(session: Session, *, scope: Scope, leave_id: int) -> Row[*tuple[Any, ...]] | None:
    """(name, MIME type, bytes) of a leave request's document, when the viewer may see it."""
    return session.execute(
        select(LeaveRequest.attachment_name, LeaveRequest.attachment_type, LeaveRequest.attachment).where(
            LeaveRequest.id == leave_id,
            LeaveRequest.attachment.is_not(None),
            trainee_scope_clause(scope, LeaveRequest.trainee_id),
        )
    ).first()


def list_condonation_rows(
    session: Session, *, scope: Scope, status: str | None = None, condonation_id: int | None = None
) -> Sequence[Row[*tuple[Any, ...]]]:
    """(Condonation, trainee name, registration, requester, decider) in scope, newest first."""
    trainee, requester, decider = aliased(User), aliased(User), aliased(User)
    stmt = (
        select(Condonation, trainee.full_name, trainee.registration_number, requester.full_name, decider.full_name)
        .join(trainee, trainee.id == Condonation.trainee_id)
        .outerjoin(requester, requester.id == Condonation.requested_by_id)
        .outerjoin(decider, decider.id == Condonation.decided_by_id)
        .where(trainee_scope_clause(scope, Condonation.trainee_id))
        .order_by(Condonation.requested_at.desc(), Condonation.id.desc())
    )
    if status:
        stmt = stmt.where(Condonation.status == status)
    if condonation_id is not None:
        stmt = stmt.where(Condonation.id == condonation_id)
    return session.execute(stmt).all()


def list_condoned(
    session: Session, *, start: date, end: date, trainee_ids: Sequence[int] | None = None
) -> dict[int, str]:
    """trainee id -> reason of an approved condonation covering the whole of [start, end]."""
    stmt = select(Condonation.trainee_id, Condonation.reason).where(
        Condonation.status == CondonationStatus.APPROVED,
        Condonation.period_start <= start,
        Condonation.period_end >= end,
    )
    if trainee_ids is not None:
        stmt = stmt.where(Condonation.trainee_id.in_(list(trainee_ids)))
    found: dict[int, str] = {}
    for trainee_id, reason in session.execute(stmt.order_by(Condonation.decided_at, Condonation.id)):
        found[int(trainee_id)] = reason
    return found


def list_approved_leave_months(session: Session) -> list[tuple[date, date]]:
    """(start, end) of every approved leave: the months a leave policy change must recompute."""
    rows = session.execute(
        select(LeaveRequest.start_date, LeaveRequest.end_date).where(LeaveRequest.status == LeaveStatus.APPROVED)
    )
    return [(start, end) for start, end in rows]


def in_use(session: Session, types: Sequence[str]) -> tuple[str, ...]:
    """`types` when some approved leave has one of them, else (): counting then skips the leave check entirely."""
    if not types:
        return ()
    found = session.scalar(
        select(LeaveRequest.id)
        .where(LeaveRequest.status == LeaveStatus.APPROVED, LeaveRequest.leave_type.in_(list(types)))
        .limit(1)
    )
    return tuple(types) if found is not None else ()
