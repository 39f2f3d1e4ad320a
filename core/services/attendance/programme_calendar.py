"""The programme calendar (issue 16): holidays and term breaks (programme-wide or one department's) and the
weekdays each department holds sessions. The missing-attendance monitor expects records on a department's
weekdays minus these closures, and an attendance import warns about rows dated on a closure.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.dto import ClosureItem, DepartmentWeekdaysItem, UserSummary
from core.errors import InvalidInputError, NotFoundError
from core.models import CalendarClosure, Department, DepartmentWeekdays
from core.rules import leave as rules
from core.rules.access import ALL_ROLES
from core.rules.values import CalendarDayKind, Role
from core.services.access import authorize
from core.services.audit import record_event

MAX_WARNINGS = 50  # rows named in an import preview; the count says how many more


def add_closure(
    session: Session,
    actor: UserSummary,
    *,
    name: str,
    kind: str,
    start: date,
    end: date,
    now: datetime,
    department_id: int | None = None,
) -> ClosureItem:
    """Add a holiday or term break (admins), for every department or one.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: no name, unknown kind, start after end, or longer than a year.
        NotFoundError: no such department.
    """
    authorize(session, actor, Role.ADMIN)
    title = " ".join(name.split())
    if not title:
        raise InvalidInputError("Give the holiday or term break a name.")
    if kind not in {k.value for k in CalendarDayKind}:
        raise InvalidInputError(f"Unknown kind '{kind}': holiday or term_break.")
    if start > end:
        raise InvalidInputError(f"It starts ({start:%Y-%m-%d}) after it ends ({end:%Y-%m-%d}).")
    if (end - start).days >= 366:
        raise InvalidInputError("One closure covers at most a year.")
    if department_id is not None and session.get(Department, department_id) is None:
        raise NotFoundError("No such department.")
    closure = CalendarClosure(
        name=title[:120],
        kind=kind,
        start_date=start,
        end_date=end,
        department_id=department_id,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(closure)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="calendar_closure_added",
        now=now,
        entity_type="calendar_closure",
        entity_id=closure.id,
        details={
            "name": title,
            "kind": kind,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "department_id": department_id,
        },
    )
    return next(item for item in list_closures(session, actor) if item.id == closure.id)


def delete_closure(session: Session, actor: UserSummary, *, closure_id: int, now: datetime) -> str:
    """Remove a holiday or term break (admins); returns its name.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: no such closure.
    """
    authorize(session, actor, Role.ADMIN)
    closure = session.get(CalendarClosure, closure_id)
    if closure is None:
        raise NotFoundError("No such holiday or term break.")
    name = closure.name
    record_event(
        session,
        actor=actor,
        action="calendar_closure_deleted",
        now=now,
        entity_type="calendar_closure",
        entity_id=closure_id,
        details={"name": name, "start": closure.start_date.isoformat(), "end": closure.end_date.isoformat()},
    )
    session.execute(delete(CalendarClosure).where(CalendarClosure.id == closure_id))
    return name


def list_closures(
    session: Session, actor: UserSummary, *, start: date | None = None, end: date | None = None
) -> list[ClosureItem]:
    """Holidays and term breaks overlapping [start, end] (all of them without bounds), by start date."""
    authorize(session, actor, *ALL_ROLES)
    stmt = (
        select(CalendarClosure, Department.name)
        .outerjoin(Department, Department.id == CalendarClosure.department_id)
        .order_by(CalendarClosure.start_date, CalendarClosure.id)
    )
    if start is not None:
        stmt = stmt.where(CalendarClosure.end_date >= start)
    if end is not None:
        stmt = stmt.where(CalendarClosure.start_date <= end)
    return [
        ClosureItem(
            id=c.id,
            name=c.name,
            kind=c.kind,
            start=c.start_date,
            end=c.end_date,
            department_id=c.department_id,
            department=department or "",
        )
        for c, department in session.execute(stmt)
    ]


def closures_between(session: Session, start: date, end: date) -> list[rules.Closure]:
    """The closures overlapping [start, end] as plain values, for the rules."""
    rows = session.execute(
        select(
            CalendarClosure.name,
            CalendarClosure.start_date,
            CalendarClosure.end_date,
            CalendarClosure.department_id,
            CalendarClosure.kind,
        )
        .where(CalendarClosure.end_date >= start, CalendarClosure.start_date <= end)
        .order_by(CalendarClosure.start_date)
    )
    return [rules.Closure(name, s, e, d, k) for name, s, e, d, k in rows]


def set_department_weekdays(
    session: Session, actor: UserSummary, *, department_id: int, weekdays: list[int] | str, now: datetime
) -> DepartmentWeekdaysItem:
    """Set the weekdays a department holds sessions (admins).

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: no such department.
        InvalidInputError: no weekday, or a number outside 1..7.
    """
    authorize(session, actor, Role.ADMIN)
    department = session.get(Department, department_id)
    if department is None:
        raise NotFoundError("No such department.")
    try:
        days = rules.compute_weekdays(weekdays)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None
    row = session.get(DepartmentWeekdays, department_id)
    old = row.weekdays if row is not None else ",".join(map(str, rules.DEFAULT_WEEKDAYS))
    text = ",".join(map(str, days))
    if row is None:
        session.add(
            DepartmentWeekdays(department_id=department_id, weekdays=text, updated_by_id=actor.id, updated_at=now)
        )
    else:
        row.weekdays, row.updated_by_id, row.updated_at = text, actor.id, now
    record_event(
        session,
        actor=actor,
        action="department_weekdays_set",
        now=now,
        entity_type="department",
        entity_id=department_id,
        details={"old": old, "new": text},
    )
    session.flush()
    return DepartmentWeekdaysItem(department_id, department.name, days, True)


def list_department_weekdays(session: Session, actor: UserSummary) -> list[DepartmentWeekdaysItem]:
    """Every department with its session weekdays (Monday to Friday unless set), by name."""
    authorize(session, actor, *ALL_ROLES)
    return list(_weekdays(session).values())


def _weekdays(session: Session) -> dict[int, DepartmentWeekdaysItem]:
    rows = session.execute(
        select(Department.id, Department.name, DepartmentWeekdays.weekdays)
        .outerjoin(DepartmentWeekdays, DepartmentWeekdays.department_id == Department.id)
        .order_by(Department.name)
    )
    return {
        int(pk): DepartmentWeekdaysItem(
            int(pk), name, rules.compute_weekdays(days) if days else rules.DEFAULT_WEEKDAYS, days is not None
        )
        for pk, name, days in rows
    }


def department_weekdays(session: Session) -> dict[int, DepartmentWeekdaysItem]:
    """department id -> its session weekdays (for the monitor)."""
    return _weekdays(session)


def closure_warnings(session: Session, rows: pd.DataFrame) -> tuple[str, ...]:
    """`row N: 2026-12-25 is a holiday (Christmas Day)` for import rows dated on a closure of their department.

    `rows` has the validated columns `row`, `session_date` and `department_id`. At most MAX_WARNINGS rows
    are named, then one line says how many more.
    """
    if rows.empty:
        return ()
    dates = pd.to_datetime(rows["session_date"]).dt.date
    closures = closures_between(session, min(dates), max(dates))
    if not closures:
        return ()
    found: dict[int, str] = {}  # a row on two closures is named once, for the first
    departments = rows["department_id"]
    for closure in closures:
        on = (dates >= closure.start) & (dates <= closure.end)
        if closure.department_id is not None:
            on &= departments == closure.department_id
        kind = "a holiday" if closure.kind == CalendarDayKind.HOLIDAY else "in a term break"
        for number, day in zip(rows.loc[on, "row"].tolist(), dates[on].tolist(), strict=True):
            found.setdefault(int(number), f"row {int(number)}: {day:%Y-%m-%d} is {kind} ({closure.name})")
    lines = [found[number] for number in sorted(found)]
    more = len(lines) - MAX_WARNINGS
    return tuple(lines[:MAX_WARNINGS]) + ((f"… and {more} more row(s) dated on a closure",) if more > 0 else ())
