"""Queries for assessments, results, change requests, document requests and verification tokens."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased

from core.dto import Scope
from core.models import (
    Assessment,
    AttendanceRecord,
    ChangeRequest,
    Department,
    DocumentRequest,
    EligibilitySnapshot,
    Result,
    ResultHistory,
    User,
    VerificationToken,
)
from core.repositories.leave import on_excluded_leave
from core.repositories.scope import trainee_scope_clause
from core.rules.eligibility import ATTENDED_STATUSES, COUNTED_STATUSES
from core.rules.values import ChangeRequestStatus, ResultState, Role


def get_assessment(session: Session, assessment_id: int) -> Assessment | None:
    return session.get(Assessment, assessment_id)


def get_assessment_by_title(session: Session, department_id: int, title: str) -> Assessment | None:
    return session.scalars(
        select(Assessment).where(
            Assessment.department_id == department_id, func.lower(Assessment.title) == title.strip().lower()
        )
    ).first()


def list_group_weights(session: Session) -> list[tuple[str, int | None, Decimal]]:
    """(group name, owning department or None when programme-wide, weight) of every assessment, oldest first.

    Groups are not folded here: SQLite's lower() ignores non-ASCII letters, so one Python rule
    (`core.rules.results.compute_group_key`) decides which spellings are the same group.
    """
    rows = session.execute(
        select(Assessment.group_name, Assessment.department_id, Assessment.programme_wide, Assessment.weight).order_by(
            Assessment.id
        )
    )
    return [(name, None if wide else department, Decimal(str(weight))) for name, department, wide, weight in rows]


def list_assessment_rows(session: Session, scope: Scope) -> list[Any]:
    """Assessments with per-state counts of the results the viewer may see.

    Admins and leadership see every assessment; supervisors and trainees only assessments
    holding a result in their scope (trainees: published or frozen only).
    """
    visible = trainee_scope_clause(scope, Result.trainee_id)
    if scope.role == Role.TRAINEE:
        visible = visible & (Result.state != ResultState.DRAFT)
    counts = (
        select(
            Result.assessment_id.label("assessment_id"),
            func.sum(case((Result.state == ResultState.DRAFT, 1), else_=0)).label("draft"),
            func.sum(case((Result.state == ResultState.PUBLISHED, 1), else_=0)).label("published"),
            func.sum(case((Result.state == ResultState.FROZEN, 1), else_=0)).label("frozen"),
        )
        .where(visible)
        .group_by(Result.assessment_id)
        .subquery()
    )
    stmt = (
        select(Assessment, Department.name, counts.c.draft, counts.c.published, counts.c.frozen)
        .join(Department, Department.id == Assessment.department_id)
        .outerjoin(counts, counts.c.assessment_id == Assessment.id)
        .order_by(Assessment.assessment_date.desc(), Assessment.title)
    )
    if not scope.sees_everything:
        stmt = stmt.where(counts.c.assessment_id.is_not(None))
    return list(session.execute(stmt).all())


def list_department_trainees(session: Session, department_id: int) -> Sequence[User]:
    return session.scalars(
        select(User)
        .where(User.role == Role.TRAINEE, User.department_id == department_id, User.is_active.is_(True))
        .order_by(User.full_name)
    ).all()


def get_trainees_by_registration(session: Session, numbers: Iterable[str]) -> dict[str, User]:
    """Trainees keyed by lower-cased registration number."""
    wanted = sorted({n.strip().lower() for n in numbers if n.strip()})
    if not wanted:
        return {}
    found: dict[str, User] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for user in session.scalars(select(User).where(func.lower(User.registration_number).in_(chunk))):
            found[(user.registration_number or "").lower()] = user
    return found


def get_results_by_trainee(session: Session, assessment_id: int) -> dict[int, Result]:
    return {r.trainee_id: r for r in session.scalars(select(Result).where(Result.assessment_id == assessment_id))}


def get_result(session: Session, result_id: int, *, for_update: bool = False) -> Result | None:
    stmt = select(Result).where(Result.id == result_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def list_results_by_ids(session: Session, assessment_id: int, result_ids: Iterable[int]) -> Sequence[Result]:
    return session.scalars(
        select(Result).where(Result.assessment_id == assessment_id, Result.id.in_(list(result_ids)))
    ).all()


def list_results_in_state(session: Session, assessment_id: int, state: str) -> Sequence[Result]:
    return session.scalars(select(Result).where(Result.assessment_id == assessment_id, Result.state == state)).all()


def results_query(
    scope: Scope, *, assessment_id: int | None = None, trainee_id: int | None = None
) -> Select[*tuple[Any, ...]]:
    """Results joined with assessment, trainee and department, limited to the viewer's scope."""
    supervisor = aliased(User)
    stmt = (
        select(
            Result.id.label("result_id"),
            Assessment.id.label("assessment_id"),
            Assessment.title.label("assessment"),
            Assessment.group_name.label("group"),
            Assessment.assessment_date.label("date"),
            Assessment.max_score,
            Assessment.pass_mark,
            Assessment.weight,
            Assessment.eligibility_period,
            Department.name.label("department"),
            User.id.label("trainee_pk"),
            User.registration_number.label("trainee_id"),
            User.full_name.label("trainee"),
            supervisor.full_name.label("supervisor"),
            Result.score,
            Result.state,
            Result.published_at,
            Result.frozen_at,
            User.training_year.label("training_year"),
            User.cohort.label("cohort"),
        )
        .join(Assessment, Assessment.id == Result.assessment_id)
        .join(Department, Department.id == Assessment.department_id)
        .join(User, User.id == Result.trainee_id)
        .outerjoin(supervisor, supervisor.id == User.supervisor_id)
        .where(trainee_scope_clause(scope, Result.trainee_id))
    )
    if scope.role == Role.TRAINEE:
        stmt = stmt.where(Result.state != ResultState.DRAFT)
    if assessment_id is not None:
        stmt = stmt.where(Result.assessment_id == assessment_id)
    if trainee_id is not None:
        stmt = stmt.where(Result.trainee_id == trainee_id)
    return stmt.order_by(Assessment.assessment_date, Assessment.title, User.full_name)


def list_history(session: Session, result_id: int) -> list[Any]:
    who = aliased(User)
    requester = aliased(User)
    stmt = (
        select(
            ResultHistory.at,
            ResultHistory.action,
            who.full_name,
            ResultHistory.old_state,
            ResultHistory.new_state,
            ResultHistory.old_score,
            ResultHistory.new_score,
            ResultHistory.reason,
            requester.full_name,
        )
        .outerjoin(who, who.id == ResultHistory.actor_id)
        .outerjoin(ChangeRequest, ChangeRequest.id == ResultHistory.change_request_id)
        .outerjoin(requester, requester.id == ChangeRequest.requested_by_id)
        .where(ResultHistory.result_id == result_id)
        .order_by(ResultHistory.id)
    )
    return list(session.execute(stmt).all())


def get_pending_change_for_result(session: Session, result_id: int) -> ChangeRequest | None:
    return session.scalars(
        select(ChangeRequest).where(
            ChangeRequest.result_id == result_id, ChangeRequest.status == ChangeRequestStatus.PENDING
        )
    ).first()


def list_result_ids_with_pending_change(session: Session, assessment_id: int) -> set[int]:
    return set(
        session.scalars(
            select(ChangeRequest.result_id)
            .join(Result, Result.id == ChangeRequest.result_id)
            .where(Result.assessment_id == assessment_id, ChangeRequest.status == ChangeRequestStatus.PENDING)
        )
    )


def list_change_request_rows(
    session: Session, scope: Scope, *, status: str | None = None, request_id: int | None = None
) -> list[Any]:
    trainee = aliased(User)
    requester = aliased(User)
    decider = aliased(User)
    stmt = (
        select(
            ChangeRequest,
            Assessment.title,
            trainee.full_name,
            trainee.registration_number,
            requester.full_name,
            decider.full_name,
        )
        .join(Result, Result.id == ChangeRequest.result_id)
        .join(Assessment, Assessment.id == Result.assessment_id)
        .join(trainee, trainee.id == Result.trainee_id)
        .outerjoin(requester, requester.id == ChangeRequest.requested_by_id)
        .outerjoin(decider, decider.id == ChangeRequest.decided_by_id)
        .where(trainee_scope_clause(scope, Result.trainee_id))
        .order_by(ChangeRequest.requested_at.desc(), ChangeRequest.id.desc())
    )
    if status:
        stmt = stmt.where(ChangeRequest.status == status)
    if request_id is not None:
        stmt = stmt.where(ChangeRequest.id == request_id)
    return list(session.execute(stmt).all())


def list_active_admin_ids(session: Session) -> list[int]:
    return list(session.scalars(select(User.id).where(User.role == Role.ADMIN, User.is_active.is_(True))))


def get_snapshot_eligibility(session: Session, trainee_ids: list[int], period: str) -> dict[int, Any]:
    """Stored snapshots for a period label: trainee_id -> snapshot row."""
    if not trainee_ids:
        return {}
    rows = session.scalars(
        select(EligibilitySnapshot).where(
            EligibilitySnapshot.period == period, EligibilitySnapshot.trainee_id.in_(trainee_ids)
        )
    )
    return {row.trainee_id: row for row in rows}


def count_attendance(
    session: Session, trainee_ids: list[int], start: date, end: date, *, excluded_types: Sequence[str] = ()
) -> dict[int, tuple[int, int]]:
    """trainee_id -> (sessions, attended) in the inclusive period, aggregated in SQL; `sessions` is net of
    unattended records on approved leave of an excluded type (core.repositories.leave.on_excluded_leave)."""
    if not trainee_ids:
        return {}
    excluded = on_excluded_leave(excluded_types)
    counts: dict[int, tuple[int, int]] = {}
    for chunk_start in range(0, len(trainee_ids), 500):
        chunk = trainee_ids[chunk_start : chunk_start + 500]
        rows = session.execute(
            select(
                AttendanceRecord.trainee_id,
                func.sum(case((excluded, 0), else_=1)),
                func.sum(case((AttendanceRecord.status.in_(ATTENDED_STATUSES), 1), else_=0)),
            )
            .where(
                AttendanceRecord.trainee_id.in_(chunk),
                AttendanceRecord.session_date >= start,
                AttendanceRecord.session_date <= end,
                AttendanceRecord.status.in_(COUNTED_STATUSES),
            )
            .group_by(AttendanceRecord.trainee_id)
        )
        for trainee_id, sessions, attended in rows:
            counts[int(trainee_id)] = (int(sessions or 0), int(attended or 0))
    return counts


def get_document_request(session: Session, request_id: int) -> DocumentRequest | None:
    return session.get(DocumentRequest, request_id)


def list_document_request_rows(
    session: Session, scope: Scope, *, status: str | None = None, request_id: int | None = None
) -> list[Any]:
    trainee = aliased(User)
    decider = aliased(User)
    stmt = (
        select(DocumentRequest, trainee.full_name, trainee.registration_number, decider.full_name)
        .join(trainee, trainee.id == DocumentRequest.trainee_id)
        .outerjoin(decider, decider.id == DocumentRequest.decided_by_id)
        .where(trainee_scope_clause(scope, DocumentRequest.trainee_id))
        .order_by(DocumentRequest.requested_at.desc(), DocumentRequest.id.desc())
    )
    if status:
        stmt = stmt.where(DocumentRequest.status == status)
    if request_id is not None:
        stmt = stmt.where(DocumentRequest.id == request_id)
    return list(session.execute(stmt).all())


def get_token_by_hash(session: Session, token_hash: str) -> VerificationToken | None:
    return session.scalars(select(VerificationToken).where(VerificationToken.token_hash == token_hash)).first()
