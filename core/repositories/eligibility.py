"""Eligibility queries: per-trainee session counts for a period, sessions for the heat map, snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from core.dto import Scope
from core.models import AttendanceRecord, Department, EligibilitySnapshot, User
from core.repositories.leave import on_excluded_leave
from core.repositories.scope import trainee_scope_clause
from core.rules.eligibility import ATTENDED_STATUSES
from core.rules.values import Role

SNAPSHOT_VALUES = (
    "period_start",
    "period_end",
    "sessions",
    "attended",
    "percentage",
    "threshold",
    "eligible",
    "computed_at",
    "computed_by_id",
    "leave_excluded",
    "leave_policy",
    "condoned",
    "condonation_reason",
)


def list_trainee_counts(
    session: Session,
    *,
    scope: Scope,
    start: date,
    end: date,
    department_id: int | None = None,
    supervisor_id: int | None = None,
    excluded_types: Sequence[str] = (),
    training_year: int | None = None,
    cohort: str | None = None,
) -> Sequence[Row[*tuple[Any, ...]]]:
    """(id, registration, name, department, supervisor, sessions, attended, leave_excluded) per active trainee in scope,
    ordered by registration number, then leave_excluded; trainees without sessions have None counts.

    `sessions` is net of the unattended records on approved leave of an `excluded_types` type
    (core.repositories.leave.on_excluded_leave), which `leave_excluded` counts.
    """
    record = AttendanceRecord
    excluded = on_excluded_leave(excluded_types)
    counts = (
        select(
            record.trainee_id.label("trainee_id"),
            func.sum(case((excluded, 0), else_=1)).label("sessions"),
            func.sum(case((record.status.in_(ATTENDED_STATUSES), 1), else_=0)).label("attended"),
            func.sum(case((excluded, 1), else_=0)).label("leave_excluded"),
        )
        .where(record.session_date >= start, record.session_date <= end, trainee_scope_clause(scope, record.trainee_id))
        .group_by(record.trainee_id)
        .subquery()
    )
    supervisor = aliased(User)
    stmt = (
        select(
            User.id,
            User.registration_number,
            User.full_name,
            Department.name,
            supervisor.full_name,
            counts.c.sessions,
            counts.c.attended,
            counts.c.leave_excluded,
        )
        .outerjoin(Department, Department.id == User.department_id)
        .outerjoin(supervisor, supervisor.id == User.supervisor_id)
        .outerjoin(counts, counts.c.trainee_id == User.id)
        .where(User.role == Role.TRAINEE, User.is_active.is_(True), trainee_scope_clause(scope, User.id))
    )
    if department_id is not None:
        stmt = stmt.where(User.department_id == department_id)
    if supervisor_id is not None:
        stmt = stmt.where(User.supervisor_id == supervisor_id)
    if training_year is not None:  # issue 17: the trainee's current training year and intake cohort
        stmt = stmt.where(User.training_year == training_year)
    if cohort is not None:
        stmt = stmt.where(User.cohort == cohort)
    return session.execute(stmt.order_by(User.registration_number, User.id)).all()


def count_programme_sessions(session: Session, *, start: date, end: date) -> int:
    """Distinct sessions (date, slot) the programme held in [start, end], whoever attended: its session rate."""
    record = AttendanceRecord
    held = (
        select(record.session_date, record.session)
        .where(record.session_date >= start, record.session_date <= end)
        .distinct()
        .subquery()
    )
    return int(session.execute(select(func.count()).select_from(held)).scalar_one())


def get_visible_trainee(session: Session, *, scope: Scope, trainee_id: int) -> Row[*tuple[Any, ...]] | None:
    """(id, registration, full name) of a trainee the viewer may see, else None."""
    return session.execute(
        select(User.id, User.registration_number, User.full_name).where(
            User.id == trainee_id, User.role == Role.TRAINEE, trainee_scope_clause(scope, User.id)
        )
    ).first()


def list_sessions(session: Session, *, trainee_id: int, start: date, end: date) -> Sequence[Row[*tuple[Any, ...]]]:
    """(session_date, session, status) of one trainee in a period, by date."""
    record = AttendanceRecord
    return session.execute(
        select(record.session_date, record.session, record.status)
        .where(record.trainee_id == trainee_id, record.session_date >= start, record.session_date <= end)
        .order_by(record.session_date, record.session)
    ).all()


def upsert_snapshots(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert or replace snapshots keyed on (trainee_id, period)."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(EligibilitySnapshot).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["trainee_id", "period"], set_={name: stmt.excluded[name] for name in SNAPSHOT_VALUES}
    )
    session.execute(stmt)


def get_snapshot_summary(session: Session, period: str, *, scope: Scope) -> Row[*tuple[Any, ...]] | None:
    """(trainees, last computed_at, lowest threshold, highest threshold) stored for a period, within `scope`."""
    snap = EligibilitySnapshot
    row = session.execute(
        select(
            func.count(snap.id), func.max(snap.computed_at), func.min(snap.threshold), func.max(snap.threshold)
        ).where(snap.period == period, trainee_scope_clause(scope, snap.trainee_id))
    ).first()
    return row if row is not None and row[0] else None
