"""Leave, condonation, calendar and missing-attendance screens driven through their real widgets (AppTest)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from core import calendar, clock
from core.dto import UserSummary
from core.models import CalendarClosure, Condonation, DepartmentWeekdays, LeaveRequest, User
from core.services.attendance import leave
from portal.widgets import plain
from tests.factories import NOW, actor, make_attendance, make_department, make_user
from tests.ui.conftest import PageRunner, UiDatabase


def _people(ui_db: UiDatabase) -> tuple[UserSummary, UserSummary, UserSummary, int]:
    with ui_db.factory.begin() as session:
        department = make_department(session, "Surgery")
        supervisor = make_user(session, "supervisor", department=department)
        trainee = make_user(session, "trainee", department=department, supervisor=supervisor)
        return (
            actor(session, make_user(session, "admin")),
            actor(session, make_user(session, "admin")),
            actor(session, trainee),
            department.id,
        )


def test_a_trainee_requests_leave_through_the_form(run_page: PageRunner, ui_db: UiDatabase) -> None:
    _admin, _admin2, trainee, _ = _people(ui_db)
    at = run_page("pages.leave", trainee)
    assert not at.exception
    today = clock.today()
    at.selectbox(key="leave.new.type").select("medical")
    at.date_input(key="leave.new.start").set_value(today - timedelta(days=3))
    at.date_input(key="leave.new.end").set_value(today - timedelta(days=1))
    at.text_area(key="leave.new.reason").input("Influenza")
    at.button(key="FormSubmitter:leave.new-Submit leave").click().run()
    assert not at.exception
    flash = at.session_state["app.flash"]
    assert flash[0] == "success" and "medical" in flash[1] and "(3 days)" in flash[1]
    with ui_db.factory() as session:
        stored = session.scalars(select(LeaveRequest)).one()
        assert (stored.trainee_id, stored.status, stored.reason) == (trainee.id, "pending", "Influenza")


def test_bad_leave_shows_the_problem_and_writes_nothing(run_page: PageRunner, ui_db: UiDatabase) -> None:
    _admin, _admin2, trainee, _ = _people(ui_db)
    at = run_page("pages.leave", trainee)
    today = clock.today()
    at.date_input(key="leave.new.start").set_value(today)
    at.date_input(key="leave.new.end").set_value(today - timedelta(days=2))
    at.text_area(key="leave.new.reason").input("x")
    at.button(key="FormSubmitter:leave.new-Submit leave").click().run()
    assert any("after it ends" in e.value for e in at.error)
    with ui_db.factory() as session:
        assert session.scalars(select(LeaveRequest)).first() is None


def test_an_admin_approves_and_rejects_leave(run_page: PageRunner, ui_db: UiDatabase) -> None:
    admin, _admin2, trainee, _ = _people(ui_db)
    with ui_db.factory.begin() as session:
        first = leave.request_leave(
            session,
            trainee,
            trainee_id=trainee.id or 0,
            leave_type="medical",
            start=date(2026, 3, 2),
            end=date(2026, 3, 4),
            reason="flu",
            now=NOW,
            attachment=("note.pdf", b"%PDF-1.4 note"),
        )
        second = leave.request_leave(
            session,
            trainee,
            trainee_id=trainee.id or 0,
            leave_type="other",
            start=date(2026, 3, 9),
            end=date(2026, 3, 9),
            reason="wedding",
            now=NOW,
        )
    at = run_page("pages.leave", admin)
    assert not at.exception
    offered = [b.label for b in at.get("download_button") if plain("note.pdf") in str(b.label)]
    assert offered  # the document is offered, its (uploaded) file name as plain text
    at.button(key=f"leave.reject.{second.id}").click().run()
    assert any("needs a comment" in e.value for e in at.error)
    at.button(key=f"leave.approve.{first.id}").click().run()
    assert not at.exception
    assert at.session_state["app.flash"][1].startswith(f"Leave #{first.id} approved")
    at.text_input(key=f"leave.comment.{second.id}").input("Not study leave")
    at.button(key=f"leave.reject.{second.id}").click().run()
    with ui_db.factory() as session:
        statuses = dict(session.execute(select(LeaveRequest.id, LeaveRequest.status)).all())
    assert statuses == {first.id: "approved", second.id: "rejected"}


def test_a_condonation_is_asked_by_one_admin_and_decided_by_another(run_page: PageRunner, ui_db: UiDatabase) -> None:
    admin, admin2, trainee, _ = _people(ui_db)
    at = run_page("pages.leave", admin)
    at.selectbox(key="leave.condone.trainee").select_index(0)
    at.text_input(key="leave.condone.period").input("2026-Q1")
    at.text_area(key="leave.condone.reason").input("Bereavement")
    at.button(key="FormSubmitter:leave.condone-Ask a second admin").click().run()
    assert not at.exception
    with ui_db.factory() as session:
        asked = session.scalars(select(Condonation)).one()
    assert asked.status == "pending"
    at = run_page("pages.leave", admin)
    assert all(b.key != f"leave.condone.approve.{asked.id}" for b in at.button)  # not for the requester
    at = run_page("pages.leave", admin2)
    at.button(key=f"leave.condone.approve.{asked.id}").click().run()
    assert not at.exception
    with ui_db.factory() as session:
        assert session.get_one(Condonation, asked.id).status == "approved"


def test_supervisors_read_leave_but_cannot_decide(run_page: PageRunner, ui_db: UiDatabase) -> None:
    admin, _admin2, trainee, _ = _people(ui_db)
    with ui_db.factory.begin() as session:
        item = leave.request_leave(
            session,
            admin,
            trainee_id=trainee.id or 0,
            leave_type="medical",
            start=date(2026, 3, 2),
            end=date(2026, 3, 2),
            reason="flu",
            now=NOW,
        )
    with ui_db.factory() as session:
        supervisor = actor(session, session.scalars(select(User).where(User.role == "supervisor")).one())
    at = run_page("pages.leave", supervisor)
    assert not at.exception
    assert all(b.key != f"leave.approve.{item.id}" for b in at.button)
    assert at.dataframe  # the leave list is shown


def test_the_calendar_page_adds_a_holiday_and_sets_weekdays(run_page: PageRunner, ui_db: UiDatabase) -> None:
    admin, _admin2, trainee, department_id = _people(ui_db)
    at = run_page("pages.programme_calendar", admin)
    assert not at.exception
    at.text_input(key="calendar.new.name").input("Founders' Day")
    at.date_input(key="calendar.new.start").set_value(date(2026, 11, 9))
    at.date_input(key="calendar.new.end").set_value(date(2026, 11, 9))
    at.button(key="FormSubmitter:calendar.new-Add to the calendar").click().run()
    assert not at.exception
    assert "Founders' Day added" in at.session_state["app.flash"][1]
    at.multiselect(key=f"calendar.weekdays.days.{department_id}").unselect(5)
    at.button(key="calendar.weekdays.save").click().run()
    assert not at.exception
    with ui_db.factory() as session:
        closure = session.scalars(select(CalendarClosure)).one()
        assert (closure.name, closure.start_date, closure.department_id) == ("Founders' Day", date(2026, 11, 9), None)
        assert session.get_one(DepartmentWeekdays, department_id).weekdays == "1,2,3,4"
    at = run_page("pages.programme_calendar", trainee)
    assert at.session_state["auth.user"] == trainee and not at.text_input  # stopped: not for trainees


def test_the_attendance_page_shows_the_missing_attendance_monitor(run_page: PageRunner, ui_db: UiDatabase) -> None:
    admin, _admin2, trainee, _ = _people(ui_db)
    # The previous quarter is over whatever today is (on the 1st of a quarter this one has no
    # session day yet): records on four weekdays of its second week, none on the Wednesday.
    previous = calendar.quarter_of(calendar.add_months(clock.today(), -3))
    monday = previous.start + timedelta(days=7 - previous.start.weekday())
    with ui_db.factory.begin() as session:
        user = session.get_one(User, trainee.id)
        for offset in range(5):
            if offset != 2:
                make_attendance(session, user, monday + timedelta(days=offset))
    at = run_page("pages.attendance", admin)
    assert not at.exception
    at.selectbox(key="attendance.monitor.period").select(previous.label).run()
    assert not at.exception
    at.selectbox(key="attendance.monitor.department").select("Surgery").run()
    assert not at.exception
    assert any("session day(s) without records" in m.value for m in at.markdown)
    missing = at.table[0].value.set_index("Week of")["Missing dates"]
    week = f"{monday:%d %b %Y}"
    assert week in missing.index  # the planted week lacks its Wednesday only
    wednesday = monday + timedelta(days=2)
    assert str(missing[week]).count(",") == 0 and wednesday.strftime("%d") in str(missing[week])
