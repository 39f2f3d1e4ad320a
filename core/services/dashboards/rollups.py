"""Dashboard roll-ups: keep summary tables current after writes.

Write services call these inside their own transaction, with the months they touched
(any date inside the month), so dashboards read current figures without scanning raw rows.

Design: one row per (calendar month, trainee) for logbook statuses and attendance statuses, and
a (month, trainee, whole days) histogram of verification turnaround so medians stay exact.
A refresh recomputes whole months from the raw rows with one DELETE and one INSERT ... SELECT
per table and month (set-based, index range on the date column). On PostgreSQL a transaction
takes an advisory lock per roll-up and month before recomputing, so two writers touching the same
month are serialised and the second one recomputes with the first one's committed rows (no lost
update, no duplicate key). SQLite serialises writers by itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, and_, case, cast, delete, func, insert, inspect, literal, select
from sqlalchemy.orm import Session

from core.calendar import add_months, month_start
from core.models import AttendanceRecord, LeaveRequest, LogbookEntry
from core.models.rollups import AttendanceMonthRollup, LogbookMonthRollup, TurnaroundMonthRollup
from core.repositories import leave as leave_repo
from core.repositories.leave import on_excluded_leave
from core.rules.eligibility import ATTENDED_STATUSES, COUNTED_STATUSES
from core.rules.leave import compute_leave_types, excluded_types
from core.rules.logbook import DECIDED_STATUSES
from core.rules.values import AttendanceStatus, EntryStatus
from core.services.settings import get_setting
from core.services.training.rollup import rebuild_title_rollup, refresh_title_months

# Advisory-lock classes (the two-int form, a key space separate from single-bigint locks).
_LOGBOOK_LOCK = 0x524F4C01
_ATTENDANCE_LOCK = 0x524F4C02
_ALL_MONTHS = 0


def _month_starts(days: Iterable[date | None]) -> list[date]:
    return sorted({month_start(d) for d in days if d is not None})


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _lock_months(session: Session, lock_class: int, months: list[date]) -> None:
    if not _is_postgres(session):
        return
    session.execute(select(func.pg_advisory_xact_lock_shared(lock_class, _ALL_MONTHS)))
    for month in months:  # sorted, so two writers always lock in the same order
        session.execute(select(func.pg_advisory_xact_lock(lock_class, month.year * 100 + month.month)))


def _lock_everything(session: Session) -> None:
    if _is_postgres(session):
        for lock_class in (_LOGBOOK_LOCK, _ATTENDANCE_LOCK):
            session.execute(select(func.pg_advisory_xact_lock(lock_class, _ALL_MONTHS)))


def _month_of(session: Session, column: Any) -> Any:
    if _is_postgres(session):
        return cast(func.date_trunc("month", column), Date)
    return func.date(column, "start of month")


def _days_between(session: Session, start: Any, end: Any) -> Any:
    """Whole calendar days from `start` to `end` (timestamps), as an integer expression."""
    if _is_postgres(session):
        return cast(end, Date) - cast(start, Date)
    return cast(func.julianday(func.date(end)) - func.julianday(func.date(start)), Integer)


def _by_status(column: Any, *values: str) -> Any:
    return func.count(case((column.in_(values), 1)))


def _grouping(month: Any, per_month: bool, *columns: Any) -> list[Any]:
    return [*columns, month] if per_month else list(columns)


def _logbook_select(month: Any, where: list[Any], *, per_month: bool = False) -> Any:
    status = LogbookEntry.status
    return (
        select(
            month,
            LogbookEntry.trainee_id,
            _by_status(status, EntryStatus.DRAFT),
            _by_status(status, EntryStatus.PENDING),
            _by_status(status, EntryStatus.APPROVED),
            _by_status(status, EntryStatus.RETURNED),
            _by_status(status, EntryStatus.REJECTED),
        )
        .where(*where)
        .group_by(*_grouping(month, per_month, LogbookEntry.trainee_id))
    )


def _turnaround_select(session: Session, month: Any, where: list[Any], *, per_month: bool = False) -> Any:
    days = _days_between(session, LogbookEntry.submitted_at, LogbookEntry.decided_at)
    return (
        select(month, LogbookEntry.trainee_id, days, func.count())
        .where(
            *where,
            LogbookEntry.status.in_(DECIDED_STATUSES),
            LogbookEntry.submitted_at.is_not(None),
            LogbookEntry.decided_at.is_not(None),
        )
        .group_by(*_grouping(month, per_month, LogbookEntry.trainee_id, days))
    )


def _attendance_select(
    month: Any,
    where: list[Any],
    *,
    per_month: bool = False,
    excluded_types: tuple[str, ...] = (),
    leave_column: bool = True,
) -> Any:
    status = AttendanceRecord.status
    # Unattended sessions on approved leave of an excluded type leave `sessions` (issue 16), as in eligibility.
    on_leave = on_excluded_leave(excluded_types)
    leave = [func.count(case((on_leave, 1)))] if leave_column else []
    return (
        select(
            month,
            AttendanceRecord.trainee_id,
            func.count(case((and_(status.in_(COUNTED_STATUSES), ~on_leave), 1))),
            _by_status(status, *ATTENDED_STATUSES),
            _by_status(status, AttendanceStatus.PRESENT),
            _by_status(status, AttendanceStatus.LATE),
            _by_status(status, AttendanceStatus.ABSENT),
            _by_status(status, AttendanceStatus.EXCUSED),
            *leave,
        )
        .where(*where)
        .group_by(*_grouping(month, per_month, AttendanceRecord.trainee_id))
    )


_LOGBOOK_COLUMNS = ["month", "trainee_id", "drafts", "pending", "approved", "returned", "rejected"]
_TURNAROUND_COLUMNS = ["month", "trainee_id", "days", "decided"]
_ATTENDANCE_COLUMNS = [
    "month",
    "trainee_id",
    "sessions",
    "attended",
    "present",
    "late",
    "absent",
    "excused",
    "leave_excluded",
]
_NO_SYNC = {"synchronize_session": False}


def refresh_logbook_months(
    session: Session, months: Iterable[date], *, trainee_ids: Iterable[int] | None = None
) -> None:
    """Recompute the logbook roll-up for the months containing these dates.

    With `trainee_ids`, only those trainees' rows of each month are recomputed (the roll-up is
    keyed by month and trainee), which keeps a 200-entry bulk approval cheap.
    """
    starts = _month_starts(months)
    if not starts:
        return
    only = sorted(set(trainee_ids)) if trainee_ids is not None else None
    session.flush()
    _lock_months(session, _LOGBOOK_LOCK, starts)
    for start in starts:
        end = add_months(start, 1)
        where = [LogbookEntry.case_date >= start, LogbookEntry.case_date < end]
        stale_logbook = [LogbookMonthRollup.month == start]
        stale_turnaround = [TurnaroundMonthRollup.month == start]
        if only is not None:
            where.append(LogbookEntry.trainee_id.in_(only))
            stale_logbook.append(LogbookMonthRollup.trainee_id.in_(only))
            stale_turnaround.append(TurnaroundMonthRollup.trainee_id.in_(only))
        session.execute(delete(LogbookMonthRollup).where(*stale_logbook), execution_options=_NO_SYNC)
        session.execute(delete(TurnaroundMonthRollup).where(*stale_turnaround), execution_options=_NO_SYNC)
        session.execute(
            insert(LogbookMonthRollup).from_select(_LOGBOOK_COLUMNS, _logbook_select(literal(start, Date), where))
        )
        session.execute(
            insert(TurnaroundMonthRollup).from_select(
                _TURNAROUND_COLUMNS, _turnaround_select(session, literal(start, Date), where)
            )
        )
    # The progress roll-up (issue 17) follows the same months and trainees under the same lock.
    refresh_title_months(session, starts, only)


def refresh_attendance_months(session: Session, months: Iterable[date]) -> None:
    """Recompute the attendance roll-up for the months containing these dates."""
    starts = _month_starts(months)
    if not starts:
        return
    session.flush()
    excluded = _excluded_leave_types(session)
    _lock_months(session, _ATTENDANCE_LOCK, starts)
    for start in starts:
        end = add_months(start, 1)
        where = [AttendanceRecord.session_date >= start, AttendanceRecord.session_date < end]
        session.execute(
            delete(AttendanceMonthRollup).where(AttendanceMonthRollup.month == start), execution_options=_NO_SYNC
        )
        session.execute(
            insert(AttendanceMonthRollup).from_select(
                _ATTENDANCE_COLUMNS, _attendance_select(literal(start, Date), where, excluded_types=excluded)
            )
        )


def _excluded_leave_types(session: Session) -> tuple[str, ...]:
    return leave_repo.in_use(session, excluded_types(compute_leave_types(get_setting(session, "leave_types"))))


def rebuild_all(session: Session) -> None:
    """Recompute every roll-up from the raw tables (after a bulk load or a repair)."""
    session.flush()
    _lock_everything(session)
    for model in (LogbookMonthRollup, TurnaroundMonthRollup, AttendanceMonthRollup):
        session.execute(delete(model), execution_options=_NO_SYNC)
    logbook_month = _month_of(session, LogbookEntry.case_date)
    session.execute(
        insert(LogbookMonthRollup).from_select(_LOGBOOK_COLUMNS, _logbook_select(logbook_month, [], per_month=True))
    )
    session.execute(
        insert(TurnaroundMonthRollup).from_select(
            _TURNAROUND_COLUMNS, _turnaround_select(session, logbook_month, [], per_month=True)
        )
    )
    rebuild_title_rollup(session, logbook_month)
    attendance_month = _month_of(session, AttendanceRecord.session_date)
    # Migration 0004 rebuilds the roll-ups before migration 0011 added leave: no leave to leave out then.
    leave_ready = inspect(session.connection()).has_table(LeaveRequest.__tablename__)
    session.execute(
        insert(AttendanceMonthRollup).from_select(
            _ATTENDANCE_COLUMNS if leave_ready else _ATTENDANCE_COLUMNS[:-1],
            _attendance_select(
                attendance_month,
                [],
                per_month=True,
                excluded_types=_excluded_leave_types(session) if leave_ready else (),
                leave_column=leave_ready,
            ),
        )
    )
