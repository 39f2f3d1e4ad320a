"""Queries for the missing-attendance monitor: which days each department has records, whose departments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AttendanceRecord, User
from core.rules.values import Role


def list_recorded_days(
    session: Session, *, department_ids: Sequence[int], start: date, end: date
) -> dict[int, set[date]]:
    """department id -> the dates in [start, end] with at least one attendance record of that department."""
    if not department_ids:
        return {}
    record = AttendanceRecord
    rows = session.execute(
        select(record.department_id, record.session_date)
        .where(record.department_id.in_(list(department_ids)), record.session_date >= start, record.session_date <= end)
        .distinct()
    )
    found: dict[int, set[date]] = {}
    for department_id, day in rows:
        if department_id is not None:
            found.setdefault(int(department_id), set()).add(day)
    return found


def list_supervised_departments(session: Session, supervisor_id: int) -> set[int]:
    """The supervisor's own department and those of their trainees."""
    own = session.scalar(select(User.department_id).where(User.id == supervisor_id))
    trainees = session.scalars(
        select(User.department_id)
        .where(User.supervisor_id == supervisor_id, User.role == Role.TRAINEE, User.department_id.is_not(None))
        .distinct()
    )
    return {int(d) for d in trainees if d is not None} | ({int(own)} if own is not None else set())
