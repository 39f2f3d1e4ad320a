"""The missing-attendance monitor (issue 16): departments × weeks, by how many expected session days have records.

Expected days are a department's session weekdays in the period, up to yesterday (today's sessions may not
be uploaded yet), minus the programme's and
the department's holidays and term breaks. A day counts as covered when at least one attendance record
of that department is dated on it, so a department that forgot to upload no longer looks perfect.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy.orm import Session

from core.calendar import Period, date_range
from core.clock import programme_date
from core.dto import DepartmentWeekdaysItem, MissingAttendanceGrid, UserSummary
from core.repositories import programme_calendar as repo
from core.rules import leave as rules
from core.rules.values import NotificationKind, Role
from core.services.access import authorize
from core.services.attendance.eligibility import resolve_period
from core.services.attendance.programme_calendar import closures_between, department_weekdays
from core.services.notifications import notify_role

CELL_COLUMNS = (
    "department_id",
    "department",
    "week",
    "expected",
    "covered",
    "missing",
    "coverage_pct",
    "missing_dates",
)


def missing_attendance(
    session: Session, actor: UserSummary, *, period: str | Period, today: date
) -> MissingAttendanceGrid:
    """The monitor grid for a period: admins see every department, supervisors theirs (own and trainees').

    Raises:
        PermissionDeniedError: not an admin or supervisor.
        InvalidInputError: bad period.
    """
    authorize(session, actor, Role.ADMIN, Role.SUPERVISOR)
    span = resolve_period(period)
    weekdays = department_weekdays(session)
    if actor.role == Role.SUPERVISOR and actor.id is not None:
        allowed = repo.list_supervised_departments(session, actor.id)
        weekdays = {k: v for k, v in weekdays.items() if k in allowed}
    return _grid(session, span, today - timedelta(days=1), weekdays)


def _grid(
    session: Session, span: Period, until: date, weekdays: dict[int, DepartmentWeekdaysItem]
) -> MissingAttendanceGrid:
    last = min(span.end, until)
    if last < span.start or not weekdays:
        return MissingAttendanceGrid(span.label, span.start, last, pd.DataFrame(columns=list(CELL_COLUMNS)))
    closures = closures_between(session, span.start, last)
    recorded = repo.list_recorded_days(session, department_ids=list(weekdays), start=span.start, end=last)
    cells = []
    for department_id, item in weekdays.items():
        expected = rules.compute_expected_days(
            span.start,
            last,
            weekdays=item.weekdays,
            closures=closures,
            department_id=department_id,
        )
        have = recorded.get(department_id, set())
        weeks: dict[date, list[date]] = {}
        for day in expected:
            weeks.setdefault(rules.week_start(day), []).append(day)
        for week, days in sorted(weeks.items()):
            missing = [d for d in days if d not in have]
            cells.append(
                (
                    department_id,
                    item.department,
                    week,
                    len(days),
                    len(days) - len(missing),
                    len(missing),
                    round(100 * (len(days) - len(missing)) / len(days), 1),
                    ", ".join(f"{d:%Y-%m-%d}" for d in missing),
                )
            )
    frame = pd.DataFrame.from_records(cells, columns=list(CELL_COLUMNS))
    return MissingAttendanceGrid(span.label, span.start, last, frame)


def send_missing_digest(session: Session, *, now: datetime, timezone: str | None = None) -> int:
    """Tell the admins, once a day at most, which departments have session days without records in the last
    7 days (up to yesterday); returns how many departments the digest named (0: none sent, or already sent today)."""
    today = programme_date(now, timezone) if timezone else programme_date(now)
    week = date_range(today - timedelta(days=7), today - timedelta(days=1))
    grid = _grid(session, week, today - timedelta(days=1), department_weekdays(session))
    short = grid.cells[grid.cells["missing"] > 0] if not grid.cells.empty else grid.cells
    if short.empty:
        return 0
    by_department = short.groupby("department", sort=True)
    lines = [
        f"{name}: {int(part['missing'].sum())} session day(s) without records ({', '.join(d for d in part['missing_dates'] if d)})"
        for name, part in by_department
    ]
    sent = notify_role(
        session,
        Role.ADMIN,
        kind=NotificationKind.MISSING_ATTENDANCE_DIGEST,
        title=f"Missing attendance: {len(lines)} department(s), {week.start:%d %b} – {week.end:%d %b %Y}",
        body="\n".join(lines),
        link=f"/attendance?tab=monitor&period={week.label}",
        now=now,
        dedupe_prefix=f"missing_attendance:{today.isoformat()}",
    )
    return len(lines) if sent else 0
