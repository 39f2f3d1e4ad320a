"""The programme calendar and the missing-attendance monitor on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInputError, PermissionDeniedError
from core.models import AuditEvent, Notification
from core.services.attendance import imports, monitor
from core.services.attendance import programme_calendar as calendar
from tests.factories import NOW, actor, make_attendance, make_department, make_user

# Week of Mon 2 Nov 2026 .. Sun 8 Nov; week of Mon 9 Nov. Days up to yesterday (Friday 13th) are counted.
TODAY = date(2026, 11, 14)


def test_the_monitor_expects_department_weekdays_minus_holidays(session: Session) -> None:
    surgery, medicine = make_department(session), make_department(session)
    admin = actor(session, make_user(session, "admin"))
    ana = make_user(session, "trainee", department=surgery)
    ben = make_user(session, "trainee", department=medicine)
    calendar.add_closure(
        session, admin, name="Diwali", kind="holiday", start=date(2026, 11, 9), end=date(2026, 11, 9), now=NOW
    )
    calendar.add_closure(
        session,
        admin,
        name="Surgery audit week",
        kind="term_break",
        start=date(2026, 11, 11),
        end=date(2026, 11, 12),
        department_id=surgery.id,
        now=NOW,
    )
    calendar.set_department_weekdays(session, admin, department_id=medicine.id, weekdays=[1, 3], now=NOW)
    for day in (2, 3, 4, 5, 10, 13):
        make_attendance(session, ana, date(2026, 11, day))
    make_attendance(session, ben, date(2026, 11, 4))  # Wednesday; Monday 2nd and Wednesday 11th missing
    grid = monitor.missing_attendance(session, admin, period="2026-11-02..2026-11-30", today=TODAY)
    assert grid.end == date(2026, 11, 13)  # today's sessions may not be uploaded yet: not missing
    cells = {(r["department_id"], r["week"]): r for r in grid.cells.to_dict("records")}
    first, second = cells[(surgery.id, date(2026, 11, 2))], cells[(surgery.id, date(2026, 11, 9))]
    assert (first["expected"], first["covered"], first["missing_dates"]) == (5, 4, "2026-11-06")
    # 9th: programme holiday; 11th-12th: Surgery's own term break; so 10th and 13th, both recorded.
    assert (second["expected"], second["covered"], second["missing"]) == (2, 2, 0)
    med_first, med_second = cells[(medicine.id, date(2026, 11, 2))], cells[(medicine.id, date(2026, 11, 9))]
    assert (med_first["expected"], med_first["missing_dates"]) == (2, "2026-11-02")
    assert (med_second["expected"], med_second["missing_dates"]) == (1, "2026-11-11")  # the 9th is a holiday


def test_the_monitor_shows_a_supervisor_only_their_departments(session: Session) -> None:
    mine, other = make_department(session), make_department(session)
    supervisor = make_user(session, "supervisor", department=mine)
    make_user(session, "trainee", department=mine, supervisor=supervisor)
    grid = monitor.missing_attendance(session, actor(session, supervisor), period="2026-11", today=TODAY)
    assert set(grid.cells["department_id"]) == {mine.id}
    assert other.id not in set(grid.cells["department_id"])
    with pytest.raises(PermissionDeniedError):
        monitor.missing_attendance(
            session, actor(session, make_user(session, "trainee")), period="2026-11", today=TODAY
        )


def test_closures_and_weekdays_are_validated_and_audited(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    department = make_department(session)
    with pytest.raises(InvalidInputError, match="after it ends"):
        calendar.add_closure(
            session, admin, name="x", kind="holiday", start=date(2026, 1, 2), end=date(2026, 1, 1), now=NOW
        )
    with pytest.raises(InvalidInputError, match="name"):
        calendar.add_closure(
            session, admin, name=" ", kind="holiday", start=date(2026, 1, 1), end=date(2026, 1, 1), now=NOW
        )
    with pytest.raises(InvalidInputError, match="weekday"):
        calendar.set_department_weekdays(session, admin, department_id=department.id, weekdays=[], now=NOW)
    with pytest.raises(PermissionDeniedError):
        calendar.add_closure(
            session,
            actor(session, make_user(session, "supervisor")),
            name="x",
            kind="holiday",
            start=date(2026, 1, 1),
            end=date(2026, 1, 1),
            now=NOW,
        )
    item = calendar.add_closure(
        session, admin, name="New Year", kind="holiday", start=date(2026, 1, 1), end=date(2026, 1, 1), now=NOW
    )
    assert [c.name for c in calendar.list_closures(session, admin, start=date(2026, 1, 1), end=date(2026, 1, 31))] == [
        "New Year"
    ]
    assert calendar.delete_closure(session, admin, closure_id=item.id, now=NOW) == "New Year"
    assert calendar.list_closures(session, admin) == []
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "calendar_closure")))
    assert actions == {"calendar_closure_added", "calendar_closure_deleted"}


def test_an_import_row_on_a_holiday_is_a_warning_in_the_preview(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    department = make_department(session)
    ana = make_user(session, "trainee", department=department)
    calendar.add_closure(
        session, admin, name="Diwali", kind="holiday", start=date(2026, 11, 9), end=date(2026, 11, 9), now=NOW
    )
    content = (
        f"trainee_id,session_date,session,status\n{ana.registration_number},2026-11-06,AM,P\n"
        f"{ana.registration_number},2026-11-09,AM,P\n"
    ).encode()
    preview = imports.preview_attendance_import(session, admin, content=content, file_name="n.csv", now=NOW)
    assert preview.accepted and preview.warnings == ("row 3: 2026-11-09 is a holiday (Diwali)",)
    done = imports.import_attendance(session, admin, content=content, file_name="n.csv", now=NOW)
    assert done.imported and done.inserted == 2 and done.warnings == preview.warnings


def test_the_missing_attendance_digest_names_departments_once_a_day(session: Session) -> None:
    admin_user = make_user(session, "admin")
    department = make_department(session)
    ana = make_user(session, "trainee", department=department)
    for day in (9, 10, 11, 12):
        make_attendance(session, ana, date(2026, 11, day))
    now = datetime(2026, 11, 16, 6, 0)  # Monday: the week looked at is 9-15 Nov; Friday 13th has no record
    assert monitor.send_missing_digest(session, now=now) >= 1
    assert monitor.send_missing_digest(session, now=now) == 0  # already sent today
    notes = session.scalars(
        select(Notification.body).where(
            Notification.user_id == admin_user.id, Notification.kind == "missing_attendance_digest"
        )
    ).all()
    assert len(notes) == 1 and notes[0] is not None
    assert f"{department.name}: 1 session day(s) without records (2026-11-13)" in notes[0]
