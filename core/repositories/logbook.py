"""Logbook queries: entries with their people's names, the pending queue, conditional updates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, case, func, insert, or_, select, true, update
from sqlalchemy.orm import Session, aliased

from core.models import Department, LogbookEntry, LogbookStatusChange, User
from core.rules.values import EntryStatus, Role

Trainee = aliased(User, name="trainee")
Verifier = aliased(User, name="verifier")
Decider = aliased(User, name="decider")
Actor = aliased(User, name="actor")
# The trainee of a filter subquery (its own alias, so it never correlates with a `User` in the outer query).
Training = aliased(User, name="training")

ENTRY_COLUMNS = (
    LogbookEntry.id,
    LogbookEntry.trainee_id,
    Trainee.full_name.label("trainee_name"),
    Department.name.label("department_name"),
    LogbookEntry.title,
    LogbookEntry.case_date,
    LogbookEntry.category,
    LogbookEntry.description,
    LogbookEntry.reflection,
    LogbookEntry.status,
    LogbookEntry.submitted_at,
    LogbookEntry.decided_at,
    Verifier.full_name.label("verified_by_name"),
    LogbookEntry.feedback,
    Decider.full_name.label("decided_by_name"),
)


def _entry_select() -> Select[*tuple[Any, ...]]:
    return (
        select(*ENTRY_COLUMNS)
        .join(Trainee, Trainee.id == LogbookEntry.trainee_id)
        .outerjoin(Department, Department.id == LogbookEntry.department_id)
        .outerjoin(Verifier, Verifier.id == LogbookEntry.verified_by_id)
        .outerjoin(Decider, Decider.id == LogbookEntry.decided_by_id)
    )


def get_entry(session: Session, entry_id: int) -> LogbookEntry | None:
    return session.get(LogbookEntry, entry_id)


def get_entry_row(session: Session, entry_id: int) -> Row[*tuple[Any, ...]] | None:
    """One entry with names (ENTRY_COLUMNS), or None."""
    return session.execute(_entry_select().where(LogbookEntry.id == entry_id)).first()


def lock_trainee(session: Session, trainee_id: int) -> None:
    """Row lock on the trainee (PostgreSQL; SQLite serialises writers): two submissions of one form
    in flight at once are checked for a repeat one after the other."""
    session.execute(select(User.id).where(User.id == trainee_id).with_for_update())


def find_repeat(
    session: Session,
    trainee_id: int,
    *,
    title: str,
    case_date: date,
    category: str,
    description: str,
    since: datetime,
) -> Row[int, str, datetime] | None:
    """The trainee's newest entry with the same title, case date, category and description created
    since `since` (the same form sent again), or None."""
    return session.execute(
        select(LogbookEntry.id, LogbookEntry.status, LogbookEntry.created_at)
        .where(
            LogbookEntry.trainee_id == trainee_id,
            LogbookEntry.case_date == case_date,
            LogbookEntry.created_at >= since,
            LogbookEntry.title == title,
            LogbookEntry.category == category,
            LogbookEntry.description == description,
        )
        .order_by(LogbookEntry.created_at.desc())
        .limit(1)
    ).first()


def get_trainee_supervisor_id(session: Session, trainee_id: int) -> int | None:
    return session.scalar(select(User.supervisor_id).where(User.id == trainee_id))


def list_entry_rows(
    session: Session,
    *,
    scope_clause: ColumnElement[bool],
    trainee_id: int | None = None,
    statuses: Sequence[str] | None = None,
    limit: int | None = 2000,
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Entries in scope, newest case first (every one when `limit` is None)."""
    stmt = _entries_in(scope_clause, trainee_id, statuses)
    stmt = stmt.order_by(LogbookEntry.case_date.desc(), LogbookEntry.id.desc()).limit(limit)
    return session.execute(stmt).all()


def count_entry_rows(
    session: Session,
    *,
    scope_clause: ColumnElement[bool],
    trainee_id: int | None = None,
    statuses: Sequence[str] | None = None,
) -> int:
    """How many entries `list_entry_rows` would list without its limit."""
    inner = _entries_in(scope_clause, trainee_id, statuses).subquery()
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)


def _entries_in(
    scope_clause: ColumnElement[bool], trainee_id: int | None, statuses: Sequence[str] | None
) -> Select[*tuple[Any, ...]]:
    stmt = _entry_select().where(scope_clause)
    if trainee_id is not None:
        stmt = stmt.where(LogbookEntry.trainee_id == trainee_id)
    if statuses is not None:
        stmt = stmt.where(LogbookEntry.status.in_(statuses))
    return stmt


def count_by_status(session: Session, *, scope_clause: ColumnElement[bool]) -> dict[str, int]:
    """Entries in scope per status (drafts included; the scope decides whose)."""
    rows = session.execute(
        select(LogbookEntry.status, func.count()).where(scope_clause).group_by(LogbookEntry.status)
    ).all()
    return {str(status): int(count) for status, count in rows}


def pending_filters(
    scope_clause: ColumnElement[bool],
    trainee_id: int | None,
    department_id: int | None,
    *,
    training_year: int | None = None,
    cohort: str | None = None,
) -> list[ColumnElement[bool]]:
    """Pending entries in scope, narrowed by trainee, department and the trainee's training year and cohort."""
    filters = [LogbookEntry.status == EntryStatus.PENDING, scope_clause]
    if trainee_id is not None:
        filters.append(LogbookEntry.trainee_id == trainee_id)
    if department_id is not None:
        filters.append(LogbookEntry.department_id == department_id)
    if training_year is not None or cohort is not None:
        people = select(Training.id)
        if training_year is not None:
            people = people.where(Training.training_year == training_year)
        if cohort is not None:
            people = people.where(Training.cohort == cohort)
        filters.append(LogbookEntry.trainee_id.in_(people))
    return filters


def list_pending_rows(
    session: Session,
    *,
    scope_clause: ColumnElement[bool],
    trainee_id: int | None,
    department_id: int | None,
    submitted_on_or_before: datetime | None,
    limit: int,
    training_year: int | None = None,
    cohort: str | None = None,
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Pending entries in scope, oldest submission first."""
    narrowed = pending_filters(scope_clause, trainee_id, department_id, training_year=training_year, cohort=cohort)
    stmt = _entry_select().where(*narrowed)
    if submitted_on_or_before is not None:
        stmt = stmt.where(LogbookEntry.submitted_at <= submitted_on_or_before)
    stmt = stmt.order_by(LogbookEntry.submitted_at.asc(), LogbookEntry.id.asc()).limit(limit)
    return session.execute(stmt).all()


def pending_by_age_query(
    conditions: Sequence[ColumnElement[bool]], *, cutoffs: Sequence[datetime]
) -> Select[*tuple[Any, ...]]:
    """(oldest submission, count per age bucket...) of pending entries: one row (see `count_pending_by_age`)."""
    submitted = LogbookEntry.submitted_at
    buckets = [func.count(case((or_(submitted.is_(None), submitted > cutoffs[0]), 1)))]
    for newer, older in zip(cutoffs, cutoffs[1:], strict=False):
        buckets.append(func.count(case(((submitted <= newer) & (submitted > older), 1))))
    buckets.append(func.count(case((submitted <= cutoffs[-1], 1))))
    return (
        select(func.min(submitted), *buckets)
        .select_from(LogbookEntry)
        .join(User, User.id == LogbookEntry.trainee_id)
        .where(LogbookEntry.status == EntryStatus.PENDING, *conditions)
    )


def pending_by_age_from(row: Sequence[Any]) -> tuple[list[int], datetime | None]:
    """(counts per bucket, oldest submission) from a `pending_by_age_query` row."""
    return [int(v) for v in row[1:]], row[0]


def count_pending_by_age(
    session: Session, conditions: Sequence[ColumnElement[bool]], *, cutoffs: Sequence[datetime]
) -> tuple[list[int], datetime | None]:
    """Pending entries matching `conditions` (on LogbookEntry and its trainee, `User`), counted per age bucket.

    `cutoffs` are the latest submission times of each boundary, youngest first (core.rules.logbook
    .compute_age_cutoff of each AGE_BOUNDS value): bucket 0 is newer than cutoffs[0], the last bucket
    is at or before cutoffs[-1]. Returns (counts per bucket, oldest submission).
    """
    return pending_by_age_from(session.execute(pending_by_age_query(conditions, cutoffs=cutoffs)).one())


def list_bulk_rows(session: Session, entry_ids: Iterable[int]) -> Sequence[Row[*tuple[Any, ...]]]:
    """(id, status, trainee_id, title, case_date, trainee_name, supervisor_id) for the given ids."""
    return session.execute(
        select(
            LogbookEntry.id,
            LogbookEntry.status,
            LogbookEntry.trainee_id,
            LogbookEntry.title,
            LogbookEntry.case_date,
            User.full_name,
            User.supervisor_id,
        )
        .join(User, User.id == LogbookEntry.trainee_id)
        .where(LogbookEntry.id.in_(list(entry_ids)))
    ).all()


def update_pending_entries(
    session: Session,
    entry_ids: Sequence[int],
    *,
    to_status: str,
    verifier_id: int | None,
    feedback: str | None,
    now: datetime,
    scope_clause: ColumnElement[bool] | None = None,
) -> list[int]:
    """Decide entries that are still pending (a conditional UPDATE); returns the ids it changed.

    The decider and time go to decided_by_id / decided_at for every decision; only an approval
    also sets verified_by_id / verified_at (verified means approved).

    Two racing verifications both reach this statement; the database lets exactly one match
    `status = 'pending'`, so the other gets nothing back and writes nothing.
    """
    if not entry_ids:
        return []
    stmt = (
        update(LogbookEntry)
        .where(
            LogbookEntry.id.in_(list(entry_ids)),
            LogbookEntry.status == EntryStatus.PENDING,
            scope_clause if scope_clause is not None else true(),
        )
        .values(
            status=to_status,
            decided_by_id=verifier_id,
            decided_at=now,
            verified_by_id=verifier_id if to_status == EntryStatus.APPROVED else None,
            verified_at=now if to_status == EntryStatus.APPROVED else None,
            feedback=feedback,
            updated_at=now,
        )
        .returning(LogbookEntry.id)
        .execution_options(synchronize_session="fetch")
    )
    return list(session.scalars(stmt))


def add_status_changes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk-insert LogbookStatusChange rows (entry_id, from_status, to_status, actor_id, at, comment)."""
    if rows:
        session.execute(insert(LogbookStatusChange), list(rows))


def list_history_rows(session: Session, entry_id: int) -> Sequence[Row[*tuple[Any, ...]]]:
    """(at, from_status, to_status, actor name, comment) of one entry, oldest first."""
    return session.execute(
        select(
            LogbookStatusChange.at,
            LogbookStatusChange.from_status,
            LogbookStatusChange.to_status,
            Actor.full_name,
            LogbookStatusChange.comment,
        )
        .outerjoin(Actor, Actor.id == LogbookStatusChange.actor_id)
        .where(LogbookStatusChange.entry_id == entry_id)
        .order_by(LogbookStatusChange.at, LogbookStatusChange.id)
    ).all()


def list_trainee_options(session: Session, *, scope_clause: ColumnElement[bool]) -> list[tuple[int, str]]:
    """(id, full name) of trainees in scope, by name."""
    rows = session.execute(
        select(User.id, User.full_name).where(User.role == Role.TRAINEE, scope_clause).order_by(User.full_name)
    ).all()
    return [(r[0], r[1]) for r in rows]
