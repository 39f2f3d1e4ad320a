"""Training-progress queries: trainees with their training year and cohort (scoped), approved-entry
counts from the title roll-up, and the conditional update behind a promotion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, case, func, select, true, update
from sqlalchemy.orm import Session, aliased

from core.dto import Scope
from core.models import Department, LogbookEntry, LogbookTitleRollup, TrainingYearChange, User
from core.repositories.scope import trainee_row_clause
from core.rules.values import EntryStatus, Role

Supervisor = aliased(User, name="supervisor")
Actor = aliased(User, name="actor")


def list_trainee_rows(
    session: Session,
    scope: Scope,
    *,
    department_id: int | None = None,
    training_year: int | None = None,
    cohort: str | None = None,
    trainee_id: int | None = None,
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Active trainees in the viewer's scope: id, name, registration number, department id and name,
    supervisor name, training year, cohort; by name."""
    stmt = (
        select(
            User.id,
            User.full_name,
            User.registration_number,
            User.department_id,
            Department.name,
            Supervisor.full_name,
            User.training_year,
            User.cohort,
        )
        .outerjoin(Department, Department.id == User.department_id)
        .outerjoin(Supervisor, Supervisor.id == User.supervisor_id)
        .where(User.role == Role.TRAINEE, User.is_active.is_(True), trainee_row_clause(scope))
        .order_by(User.full_name, User.id)
    )
    if department_id is not None:
        stmt = stmt.where(User.department_id == department_id)
    if training_year is not None:
        stmt = stmt.where(User.training_year == training_year)
    if cohort is not None:
        stmt = stmt.where(User.cohort == cohort)
    if trainee_id is not None:
        stmt = stmt.where(User.id == trainee_id)
    return session.execute(stmt).all()


def count_approved_by_category(
    session: Session, trainee_ids: Sequence[int] | None, *, start: date, end: date
) -> Sequence[Row[*tuple[Any, ...]]]:
    """(trainee id, lower(category), approved) from the roll-up, for months start..end (None: every trainee)."""
    stmt = (
        select(
            LogbookTitleRollup.trainee_id,
            func.lower(LogbookTitleRollup.category),
            func.sum(LogbookTitleRollup.approved),
        )
        .where(LogbookTitleRollup.month >= start, LogbookTitleRollup.month <= end)
        .group_by(LogbookTitleRollup.trainee_id, func.lower(LogbookTitleRollup.category))
    )
    if trainee_ids is not None:
        stmt = stmt.where(LogbookTitleRollup.trainee_id.in_(trainee_ids))
    return session.execute(stmt).all()


def count_approved_for_targets(
    session: Session,
    trainee_ids: Sequence[int] | None,
    targets: Sequence[tuple[str, str | None]],
    *,
    start: date,
    end: date,
) -> dict[int, tuple[int, ...]]:
    """trainee id -> approved entries per target, in the order of `targets` ((lower-case category, title
    key or None for any title)), from the roll-up's months start..end: one pass, one row per trainee."""
    if not targets:
        return {}
    category = func.lower(LogbookTitleRollup.category)
    columns = [
        func.sum(
            case(
                (
                    (category == wanted) & (LogbookTitleRollup.title_key == key if key is not None else true()),
                    LogbookTitleRollup.approved,
                ),
                else_=0,
            )
        )
        for wanted, key in targets
    ]
    stmt = (
        select(LogbookTitleRollup.trainee_id, *columns)
        .where(LogbookTitleRollup.month >= start, LogbookTitleRollup.month <= end)
        .group_by(LogbookTitleRollup.trainee_id)
    )
    if trainee_ids is not None:
        stmt = stmt.where(LogbookTitleRollup.trainee_id.in_(trainee_ids))
    return {row[0]: tuple(int(n or 0) for n in row[1:]) for row in session.execute(stmt)}


def list_latest_feedback(
    session: Session, trainee_id: int, *, start: date, end: date, limit: int = 8
) -> Sequence[Row[*tuple[Any, ...]]]:
    """The latest approved entries in a window with the supervisor's feedback: case date, category, title, feedback, verifier."""
    return session.execute(
        select(
            LogbookEntry.case_date,
            LogbookEntry.category,
            LogbookEntry.title,
            LogbookEntry.feedback,
            Supervisor.full_name,
        )
        .outerjoin(Supervisor, Supervisor.id == LogbookEntry.verified_by_id)
        .where(
            LogbookEntry.trainee_id == trainee_id,
            LogbookEntry.status == EntryStatus.APPROVED,
            LogbookEntry.case_date >= start,
            LogbookEntry.case_date <= end,
        )
        .order_by(LogbookEntry.verified_at.desc(), LogbookEntry.id.desc())
        .limit(limit)
    ).all()


def set_trainee_year(
    session: Session, trainee_id: int, *, expected_year: int | None, training_year: int | None, cohort: str | None
) -> bool:
    """Move one trainee's year (and cohort) only if their year is still `expected_year`; True when it moved."""
    stmt = update(User).where(User.id == trainee_id, User.role == Role.TRAINEE)
    stmt = stmt.where(User.training_year.is_(None) if expected_year is None else User.training_year == expected_year)
    moved = session.execute(
        stmt.values(training_year=training_year, cohort=cohort).execution_options(synchronize_session=False)
    )
    return bool(moved.rowcount)  # type: ignore[attr-defined]


def list_year_changes(
    session: Session, scope: Scope, *, trainee_id: int | None = None, limit: int = 2000
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Training-year changes in scope, newest first: trainee name, from/to year and cohort, effective, reason, actor, at."""
    stmt = (
        select(
            User.full_name,
            TrainingYearChange.from_year,
            TrainingYearChange.to_year,
            TrainingYearChange.from_cohort,
            TrainingYearChange.to_cohort,
            TrainingYearChange.effective_on,
            TrainingYearChange.reason,
            Actor.full_name,
            TrainingYearChange.at,
            TrainingYearChange.trainee_id,
        )
        .join(User, User.id == TrainingYearChange.trainee_id)
        .outerjoin(Actor, Actor.id == TrainingYearChange.actor_id)
        .where(trainee_row_clause(scope))
        .order_by(TrainingYearChange.effective_on.desc(), TrainingYearChange.id.desc())
        .limit(limit)
    )
    if trainee_id is not None:
        stmt = stmt.where(TrainingYearChange.trainee_id == trainee_id)
    return session.execute(stmt).all()


def list_cohorts(session: Session, scope: Scope) -> list[str]:
    """The cohorts of trainees in scope, sorted."""
    rows = session.scalars(
        select(User.cohort)
        .where(User.role == Role.TRAINEE, User.cohort.is_not(None), trainee_row_clause(scope))
        .distinct()
        .order_by(User.cohort)
    )
    return [str(c) for c in rows]


def list_supervisor_ids(session: Session, trainee_ids: Sequence[int]) -> dict[int, int | None]:
    """trainee id -> their supervisor's id (None when unassigned)."""
    if not trainee_ids:
        return {}
    rows = session.execute(select(User.id, User.supervisor_id).where(User.id.in_(trainee_ids))).all()
    return {trainee: supervisor for trainee, supervisor in rows}
