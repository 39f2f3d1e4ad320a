"""Dashboard queries: aggregates over the roll-ups (and a few indexed raw reads), joined to `users`
at read time so department, supervisor and scope always follow the trainee's current assignment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, Subquery, case, exists, func, select, true
from sqlalchemy.orm import Session, aliased

from core.calendar import month_end
from core.dto import DashboardFilters, Scope
from core.models import AttendanceRecord, Condonation, Department, LogbookEntry, User
from core.models.rollups import AttendanceMonthRollup, LogbookMonthRollup, TurnaroundMonthRollup
from core.repositories.scope import trainee_row_clause
from core.rules.values import CondonationStatus, EntryStatus, Role

Conditions = list[ColumnElement[bool]]
R = LogbookMonthRollup
A = AttendanceMonthRollup
T = TurnaroundMonthRollup

# core.rules.logbook: SUBMITTED_STATUSES (drafts never count), VERIFIED_STATUSES (approved only) and
# DECIDED_STATUSES (approved, returned or rejected: reviewed).
SUBMITTED = R.pending + R.approved + R.returned + R.rejected
VERIFIED = R.approved
DECIDED = R.approved + R.returned + R.rejected


def view_conditions(scope: Scope, filters: DashboardFilters | None = None) -> Conditions:
    """Conditions on `User` (the trainee) for what the viewer may see, narrowed by the filters."""
    conditions: Conditions = [User.role == Role.TRAINEE, trainee_row_clause(scope)]
    if filters is not None and filters.department_id is not None:
        conditions.append(User.department_id == filters.department_id)
    if filters is not None and filters.supervisor_id is not None:
        conditions.append(User.supervisor_id == filters.supervisor_id)
    if filters is not None and filters.training_year is not None:
        conditions.append(User.training_year == filters.training_year)
    if filters is not None and filters.cohort is not None:
        conditions.append(User.cohort == filters.cohort)
    return conditions


def fetch_together(session: Session, statements: Sequence[Select[*tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
    """Run one-row aggregate statements as ONE statement (each a subquery, cross-joined); their rows, in order.

    Every statement must return exactly one row (an aggregate without GROUP BY), so the cross join is one row.
    """
    subqueries = [statement.subquery(f"q{i}") for i, statement in enumerate(statements)]
    widths = [len(sub.c) for sub in subqueries]
    combined = select(*[column for sub in subqueries for column in sub.c]).select_from(subqueries[0])
    for sub in subqueries[1:]:
        combined = combined.join(sub, true())
    row = session.execute(combined).one()
    rows: list[tuple[Any, ...]] = []
    offset = 0
    for width in widths:
        rows.append(tuple(row[offset : offset + width]))
        offset += width
    return rows


def active_trainees_query(view: Conditions, *, created_before: datetime) -> Select[*tuple[Any, ...]]:
    """(active trainee accounts now, of which created before `created_before`): one row."""
    return select(func.count(), func.count(case((User.created_at < created_before, 1)))).where(
        *view, User.is_active.is_(True)
    )


def count_active_trainees(session: Session, view: Conditions, *, created_before: datetime) -> tuple[int, int]:
    """(active trainee accounts now, of which created before `created_before`)."""
    row = session.execute(active_trainees_query(view, created_before=created_before)).one()
    return int(row[0]), int(row[1])


def recent_entries_query(
    view: Conditions, *, since: date, previous_since: date, until: date
) -> Select[*tuple[Any, ...]]:
    """Submitted (non-draft) entries with case date in [since, until] and in [previous_since, since): one row."""
    return (
        select(
            func.count(case((LogbookEntry.case_date >= since, 1))),
            func.count(case((LogbookEntry.case_date < since, 1))),
        )
        .join(User, User.id == LogbookEntry.trainee_id)
        .where(
            *view,
            LogbookEntry.case_date >= previous_since,
            LogbookEntry.case_date <= until,
            LogbookEntry.status != EntryStatus.DRAFT,
        )
    )


def count_recent_entries(
    session: Session, view: Conditions, *, since: date, previous_since: date, until: date
) -> tuple[int, int]:
    """Submitted (non-draft) entries with case date in [since, until] and in [previous_since, since)."""
    row = session.execute(recent_entries_query(view, since=since, previous_since=previous_since, until=until)).one()
    return int(row[0]), int(row[1])


def sum_logbook_periods(
    session: Session, view: Conditions, *, start: date, end: date, previous_start: date
) -> Row[int, int, int, int, int, int, int, int]:
    """Status sums over months [start, end] and [previous_start, start): pending, submitted, approved, decided each."""
    current = R.month >= start

    def split(expr: Any) -> tuple[Any, Any]:
        return (
            func.coalesce(func.sum(case((current, expr), else_=0)), 0),
            func.coalesce(func.sum(case((current, 0), else_=expr)), 0),
        )

    return session.execute(
        select(*split(R.pending), *split(SUBMITTED), *split(VERIFIED), *split(DECIDED))
        .join(User, User.id == R.trainee_id)
        .where(*view, R.month >= previous_start, R.month <= end)
    ).one()


def logbook_statuses_query(view: Conditions, *, start: date, end: date) -> Select[*tuple[Any, ...]]:
    """(pending, approved, returned, rejected) for case months [start, end] (drafts never count): one row."""
    return (
        select(
            func.coalesce(func.sum(R.pending), 0),
            func.coalesce(func.sum(R.approved), 0),
            func.coalesce(func.sum(R.returned), 0),
            func.coalesce(func.sum(R.rejected), 0),
        )
        .join(User, User.id == R.trainee_id)
        .where(*view, R.month >= start, R.month <= end)
    )


def sum_logbook_statuses(session: Session, view: Conditions, *, start: date, end: date) -> tuple[int, int, int, int]:
    """(pending, approved, returned, rejected) for case months [start, end] (drafts never count)."""
    row = session.execute(logbook_statuses_query(view, start=start, end=end)).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def attendance_query(view: Conditions, *, start: date, end: date) -> Select[*tuple[Any, ...]]:
    """(attended, sessions) for session months [start, end]: one row."""
    return (
        select(func.coalesce(func.sum(A.attended), 0), func.coalesce(func.sum(A.sessions), 0))
        .join(User, User.id == A.trainee_id)
        .where(*view, A.month >= start, A.month <= end)
    )


def sum_attendance(session: Session, view: Conditions, *, start: date, end: date) -> tuple[int, int]:
    """(attended, sessions) for session months [start, end]."""
    row = session.execute(attendance_query(view, start=start, end=end)).one()
    return int(row[0]), int(row[1])


def logbook_by_month_and_department(
    session: Session, view: Conditions, *, start: date, end: date
) -> Sequence[Row[date, int | None, int, int, int, int]]:
    """(month, department_id, submitted, approved, pending, decided) per month and trainee department."""
    return session.execute(
        select(
            R.month,
            User.department_id,
            func.sum(SUBMITTED),
            func.sum(VERIFIED),
            func.sum(R.pending),
            func.sum(DECIDED),
        )
        .join(User, User.id == R.trainee_id)
        .where(*view, R.month >= start, R.month <= end)
        .group_by(R.month, User.department_id)
    ).all()


def logbook_by(
    session: Session, view: Conditions, key: Any, *, start: date, end: date
) -> Sequence[Row[int | None, int, int, int]]:
    """(key, submitted, approved, decided) over months [start, end], grouped by a `User` column."""
    return session.execute(
        select(key, func.sum(SUBMITTED), func.sum(VERIFIED), func.sum(DECIDED))
        .join(User, User.id == R.trainee_id)
        .where(*view, R.month >= start, R.month <= end)
        .group_by(key)
    ).all()


def turnaround_histogram(session: Session, view: Conditions, *, start: date, end: date) -> Sequence[Row[int, int]]:
    """(whole days, decisions) for entries with case month in [start, end]."""
    return session.execute(
        select(T.days, func.sum(T.decided))
        .join(User, User.id == T.trainee_id)
        .where(*view, T.month >= start, T.month <= end)
        .group_by(T.days)
        .order_by(T.days)
    ).all()


def pending_at_query(view: Conditions, *, moment: datetime) -> Select[*tuple[Any, ...]]:
    """Entries that were waiting for a decision at `moment` (submitted by then, not decided by then): one row.

    Counted in two halves, never decided and decided after `moment`, so each is a range read of
    ix_logbook_entries_decided_submitted (an OR of the two read every submitted entry).
    """
    submitted, decided = LogbookEntry.submitted_at, LogbookEntry.decided_at

    def waiting(not_decided_by_then: ColumnElement[bool]) -> ColumnElement[int]:
        return (
            select(func.count())
            .select_from(LogbookEntry)
            .join(User, User.id == LogbookEntry.trainee_id)
            .where(*view, not_decided_by_then, submitted <= moment, LogbookEntry.status != EntryStatus.DRAFT)
            .scalar_subquery()
        )

    return select(waiting(decided.is_(None)) + waiting(decided > moment))


def count_pending_at(session: Session, view: Conditions, *, moment: datetime) -> int:
    """Entries that were waiting for a decision at `moment`: submitted by then, not decided by then."""
    return int(session.scalar(pending_at_query(view, moment=moment)) or 0)


def attendance_periods(
    session: Session, view: Conditions, *, month: date, previous_month: date
) -> Row[int, int, int, int]:
    """(attended, sessions) for `month` and for `previous_month`."""
    current = A.month == month
    return session.execute(
        select(
            func.coalesce(func.sum(case((current, A.attended), else_=0)), 0),
            func.coalesce(func.sum(case((current, A.sessions), else_=0)), 0),
            func.coalesce(func.sum(case((current, 0), else_=A.attended)), 0),
            func.coalesce(func.sum(case((current, 0), else_=A.sessions)), 0),
        )
        .join(User, User.id == A.trainee_id)
        .where(*view, A.month.in_([month, previous_month]))
    ).one()


def attendance_by_month_and_department(
    session: Session, view: Conditions, *, start: date, end: date
) -> Sequence[Row[date, int | None, int, int]]:
    """(month, department_id, attended, sessions) per month and trainee department."""
    return session.execute(
        select(A.month, User.department_id, func.sum(A.attended), func.sum(A.sessions))
        .join(User, User.id == A.trainee_id)
        .where(*view, A.month >= start, A.month <= end)
        .group_by(A.month, User.department_id)
    ).all()


def _quarter_totals(start: date, end: date) -> Subquery:
    return (
        select(A.trainee_id, func.sum(A.sessions).label("sessions"), func.sum(A.attended).label("attended"))
        .where(A.month >= start, A.month <= end)
        .group_by(A.trainee_id)
        .subquery()
    )


def eligible_query(view: Conditions, *, start: date, end: date, threshold_hundredths: int) -> Select[*tuple[Any, ...]]:
    """(active trainees, of whom eligible) for months [start, end], all in SQL: one row.

    Eligible means sessions > 0 and round(100 * attended / sessions, 2) >= threshold; with the
    threshold in hundredths k, that is 20000 * attended >= (2k - 1) * sessions (exact integers,
    the same on every database).
    """
    totals = _quarter_totals(start, end)
    eligible = (
        (totals.c.sessions > 0) & (20000 * totals.c.attended >= (2 * threshold_hundredths - 1) * totals.c.sessions)
    ) | _condoned(start, end)
    return (
        select(func.count(), func.count(case((eligible, 1))))
        .select_from(User)
        .outerjoin(totals, totals.c.trainee_id == User.id)
        .where(*view, User.is_active.is_(True))
    )


def _condoned(start: date, end: date) -> ColumnElement[bool]:
    """An approved condonation covering the months [start, end] wholly (issue 16): eligible whatever the figures."""
    return exists().where(
        Condonation.trainee_id == User.id,
        Condonation.status == CondonationStatus.APPROVED,
        Condonation.period_start <= start,
        Condonation.period_end >= month_end(end),
    )


def count_eligible(
    session: Session, view: Conditions, *, start: date, end: date, threshold_hundredths: int
) -> tuple[int, int]:
    """(active trainees, of whom eligible) for months [start, end] (see `eligible_query`)."""
    row = session.execute(eligible_query(view, start=start, end=end, threshold_hundredths=threshold_hundredths)).one()
    return int(row[0]), int(row[1])


def list_below_threshold(
    session: Session,
    view: Conditions,
    *,
    start: date,
    end: date,
    threshold_hundredths: int,
) -> Sequence[Row[int, str, str | None, str | None, str | None, int, int]]:
    """Active trainees in view not eligible over [start, end], lowest share first, with their totals.

    The complement of count_eligible: a trainee with no sessions in the range is listed with 0 and 0.
    """
    totals = _quarter_totals(start, end)
    sessions, attended = func.coalesce(totals.c.sessions, 0), func.coalesce(totals.c.attended, 0)
    supervisor = aliased(User)
    below = (sessions == 0) | (20000 * attended < (2 * threshold_hundredths - 1) * sessions)
    return session.execute(
        select(
            User.id, User.full_name, User.registration_number, Department.name, supervisor.full_name, sessions, attended
        )
        .outerjoin(totals, totals.c.trainee_id == User.id)
        .outerjoin(Department, Department.id == User.department_id)
        .outerjoin(supervisor, supervisor.id == User.supervisor_id)
        .where(*view, User.is_active.is_(True), below)
        .order_by(func.coalesce(attended * 1.0 / func.nullif(sessions, 0), 0), User.full_name)
    ).all()


def list_departments_in_view(session: Session, view: Conditions, *, everything: bool) -> Sequence[Row[int, str]]:
    """(id, name) of every department (admin, leadership) or of the trainees in view."""
    if everything:
        return session.execute(select(Department.id, Department.name).order_by(Department.name)).all()
    in_view = select(User.department_id).where(*view)
    return session.execute(
        select(Department.id, Department.name).where(Department.id.in_(in_view)).order_by(Department.name)
    ).all()


def list_supervisors_in_view(session: Session, view: Conditions) -> Sequence[Row[int, str]]:
    """(id, name) of the supervisors of the trainees in view."""
    in_view = select(User.supervisor_id).where(*view)
    supervisor = aliased(User)
    return session.execute(
        select(supervisor.id, supervisor.full_name).where(supervisor.id.in_(in_view)).order_by(supervisor.full_name)
    ).all()


def list_trainees_with_totals(
    session: Session,
    view: Conditions,
    *,
    start: date,
    end: date,
) -> Sequence[Row[int, str, str | None, str | None, bool, int, int, int, int, int]]:
    """Per trainee in view: identity, supervisor, logbook sums and attendance sums over [start, end]."""
    logbook = (
        select(
            R.trainee_id,
            func.sum(SUBMITTED).label("submitted"),
            func.sum(VERIFIED).label("verified"),
            func.sum(R.pending).label("pending"),
        )
        .where(R.month >= start, R.month <= end)
        .group_by(R.trainee_id)
        .subquery()
    )
    attendance = (
        select(A.trainee_id, func.sum(A.sessions).label("sessions"), func.sum(A.attended).label("attended"))
        .where(A.month >= start, A.month <= end)
        .group_by(A.trainee_id)
        .subquery()
    )
    supervisor = aliased(User)
    return session.execute(
        select(
            User.id,
            User.full_name,
            User.registration_number,
            supervisor.full_name,
            User.is_active,
            func.coalesce(logbook.c.submitted, 0),
            func.coalesce(logbook.c.verified, 0),
            func.coalesce(logbook.c.pending, 0),
            func.coalesce(attendance.c.sessions, 0),
            func.coalesce(attendance.c.attended, 0),
        )
        .outerjoin(supervisor, supervisor.id == User.supervisor_id)
        .outerjoin(logbook, logbook.c.trainee_id == User.id)
        .outerjoin(attendance, attendance.c.trainee_id == User.id)
        .where(*view)
        .order_by(User.full_name)
    ).all()


def get_trainee_in_view(
    session: Session, view: Conditions, trainee_id: int
) -> Row[int, str, str | None, str | None] | None:
    """(id, full name, registration, department) of one trainee, if the viewer may see them."""
    return session.execute(
        select(User.id, User.full_name, User.registration_number, Department.name)
        .outerjoin(Department, Department.id == User.department_id)
        .where(*view, User.id == trainee_id)
    ).one_or_none()


def list_trainee_entries(
    session: Session,
    trainee_id: int,
    *,
    start: date,
    end: date,
) -> Sequence[Row[date, str, str, str, datetime | None, datetime | None, str | None]]:
    """A trainee's submitted entries with case date in [start, end] (drafts stay private), with the decider."""
    decider = aliased(User)
    return session.execute(
        select(
            LogbookEntry.case_date,
            LogbookEntry.title,
            LogbookEntry.category,
            LogbookEntry.status,
            LogbookEntry.submitted_at,
            LogbookEntry.decided_at,
            decider.full_name,
        )
        .outerjoin(decider, decider.id == LogbookEntry.decided_by_id)
        .where(
            LogbookEntry.trainee_id == trainee_id,
            LogbookEntry.status != EntryStatus.DRAFT,
            LogbookEntry.case_date >= start,
            LogbookEntry.case_date <= end,
        )
        .order_by(LogbookEntry.case_date.desc(), LogbookEntry.id.desc())
    ).all()


def list_trainee_attendance(
    session: Session, trainee_id: int, *, start: date, end: date
) -> Sequence[Row[date, str, str, str | None]]:
    """A trainee's attendance records with session date in [start, end]."""
    return session.execute(
        select(
            AttendanceRecord.session_date, AttendanceRecord.session, AttendanceRecord.status, AttendanceRecord.remarks
        )
        .where(
            AttendanceRecord.trainee_id == trainee_id,
            AttendanceRecord.session_date >= start,
            AttendanceRecord.session_date <= end,
        )
        .order_by(AttendanceRecord.session_date.desc(), AttendanceRecord.session)
    ).all()
