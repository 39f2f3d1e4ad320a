"""The Attendance page with real-world files (issue 12): a corrupt workbook, the mapping step, the
preview of changes and the single-record correction, through AppTest on a real database."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core.models import AttendanceRecord, AuditEvent, ImportBatch, Setting, User
from tests.factories import actor, make_attendance, make_department, make_user, make_xlsx
from tests.ui.conftest import PageRunner, UiDatabase

PAGE = "pages.attendance"


def _people(ui_db: UiDatabase) -> dict:  # type: ignore[type-arg]
    with ui_db.factory.begin() as session:
        department = make_department(session, "Ward")
        trainee = make_user(session, "trainee", department=department)
        admin = make_user(session, "admin")
        return {"admin": actor(session, admin), "trainee": actor(session, trainee), "trainee_id": trainee.id}


def _count(ui_db: UiDatabase, model: type) -> int:
    with ui_db.factory.begin() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, content, "application/octet-stream"))
    return at.run()


def test_a_corrupt_workbook_shows_a_clear_error_and_keeps_the_page(run_page: PageRunner, ui_db: UiDatabase) -> None:
    people = _people(ui_db)
    good = make_xlsx([["trainee_id", "session_date", "session", "status"], ["X", "2026-11-02", "AM", "P"]])
    at = _upload(run_page(PAGE, people["admin"]), "broken.xlsx", good[: len(good) - 40])
    assert not at.exception
    assert any("could not be read" in e.value or "damaged" in e.value for e in at.error)
    assert at.title[0].value == "🗓️ Attendance"  # the page is still there
    assert _count(ui_db, ImportBatch) == 0
    with ui_db.factory.begin() as session:
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.action.like("attendance%"))) == (
            "attendance_import_refused"
        )


def test_unknown_headers_get_a_mapping_step_and_the_mapping_can_be_saved(
    run_page: PageRunner, ui_db: UiDatabase
) -> None:
    people = _people(ui_db)
    reg = people["trainee"].registration_number
    content = f"Who,When,Which,What\n{reg},02/11/2026,AM,P\n".encode()
    at = _upload(run_page(PAGE, people["admin"]), "other.csv", content)
    assert not at.exception
    assert at.selectbox(key="attendance.map.0.trainee_id").value == "(not in the file)"
    for name, column in (("trainee_id", "Who"), ("session_date", "When"), ("session", "Which"), ("status", "What")):
        at.selectbox(key=f"attendance.map.0.{name}").set_value(column)
    at.button(key="attendance.map.apply.0").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["To insert"] == "1"
    changes = at.dataframe[0].value
    assert changes[["Session date", "Old status", "New status"]].iloc[0].tolist() == [  # headers in words
        "2026-11-02",
        "(new row)",
        "present",
    ]
    at.text_input(key="attendance.map.name.0").input("other system").run()
    at.button(key="attendance.map.save.0").click().run()
    assert not at.exception
    with ui_db.factory.begin() as session:
        stored = session.get(Setting, "attendance_mappings")
        assert stored is not None
        assert stored.value == "other system: Who=trainee_id, When=session_date, Which=session, What=status"


def test_an_admin_corrects_one_record_with_a_reason(run_page: PageRunner, ui_db: UiDatabase) -> None:
    people = _people(ui_db)
    with ui_db.factory.begin() as session:
        trainee = session.get(User, people["trainee_id"])
        assert trainee is not None
        record_id = make_attendance(session, trainee, date(2026, 11, 2), "absent").id
    at = run_page(PAGE, people["admin"])
    at.text_input(key="attendance.fix.trainee").input(str(people["trainee"].registration_number))
    at.date_input(key="attendance.fix.date").set_value(date(2026, 11, 2))
    at.run()
    assert not at.exception
    status_box = next(s for s in at.selectbox if s.label == "New status")
    status_box.set_value("late")
    reason_box = next(t for t in at.text_input if t.label.startswith("Reason"))
    submit = next(b for b in at.button if b.label == "Save correction")
    submit.click().run()
    assert any("reason is required" in e.value for e in at.error)
    status_box = next(s for s in at.selectbox if s.label == "New status")
    status_box.set_value("late")
    reason_box = next(t for t in at.text_input if t.label.startswith("Reason"))
    reason_box.input("Signed in late, register says so")
    next(b for b in at.button if b.label == "Save correction").click().run()
    assert not at.exception
    with ui_db.factory.begin() as session:
        record = session.get(AttendanceRecord, record_id)
        assert record is not None and record.status == "late"
        assert session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "attendance_record_corrected"
