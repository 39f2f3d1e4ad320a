"""Attendance upload and eligibility pages through AppTest, with a real database behind them."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.dto import UserSummary
from core.models import AttendanceRecord, AuditEvent, EligibilitySnapshot, ImportBatch, User
from core.services.attendance.imports import import_attendance
from portal import charts
from portal.widgets import plain
from tests.factories import actor, make_attendance, make_department, make_user
from tests.ui.conftest import PageRunner, UiDatabase

PAGE = "pages.attendance"
ELIGIBILITY = "pages.eligibility"


def _people(ui_db: UiDatabase) -> dict:  # type: ignore[type-arg]
    with ui_db.factory.begin() as session:
        department = make_department(session, "Surgery")
        supervisor = make_user(session, "supervisor", department=department)
        mine = make_user(session, "trainee", department=department, supervisor=supervisor)
        other = make_user(session, "trainee", department=department)
        admin = make_user(session, "admin")
        return {
            "admin": actor(session, admin),
            "supervisor": actor(session, supervisor),
            "mine": actor(session, mine),
            "other": actor(session, other),
        }


def _count(ui_db: UiDatabase, model: type) -> int:
    with ui_db.factory.begin() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _attend(ui_db: UiDatabase, who: UserSummary, *sessions: tuple[date, str, str]) -> None:
    """Record (date, status, slot) sessions for `who`, committed."""
    with ui_db.factory.begin() as session:
        trainee = session.get(User, who.id)
        assert trainee is not None
        for day, status, slot in sessions:
            make_attendance(session, trainee, day, status, slot=slot)


def _upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, content, "text/csv"))
    return at.run()


def test_file_with_errors_lists_every_problem_by_row_and_offers_no_import(
    run_page: PageRunner, ui_db: UiDatabase
) -> None:
    people = _people(ui_db)
    reg = people["mine"].registration_number
    content = (
        f"trainee_id,session_date,session,status\n{reg},2026-11-02,AM,P\nNOBODY,2026-11-02,AM,P\n"
        f"{reg},2026-11-02,AM,absent\n"
    ).encode()
    at = _upload(run_page(PAGE, people["admin"]), "sheet.csv", content)
    assert not at.exception
    assert any("2 problem(s)" in e.value for e in at.error)
    problems = at.table[0].value
    assert problems["row"].tolist() == [3, 4]
    assert "unknown trainee_id 'NOBODY'" in problems["problem"].iloc[0]
    assert problems["problem"].iloc[1] == "duplicate of row 2"
    assert not [b for b in at.button if b.label == "Import"]
    assert _count(ui_db, AttendanceRecord) == 0
    assert _count(ui_db, ImportBatch) == 0
    with ui_db.factory.begin() as session:
        assert (
            session.scalar(select(AuditEvent.action).where(AuditEvent.action.like("attendance%")))
            == "attendance_import_refused"
        )


def test_valid_file_previews_counts_then_imports_and_appears_in_history(
    run_page: PageRunner, ui_db: UiDatabase
) -> None:
    people = _people(ui_db)
    reg = people["mine"].registration_number
    content = f"trainee_id,session_date,session,status\n{reg},2026-11-02,AM,P\n{reg},2026-11-02,PM,late\n".encode()
    name = "good [x](https://evil.example/x).csv"  # a file name is typed by a person: shown as typed
    at = _upload(run_page(PAGE, people["admin"]), name, content)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Rows in file": "2", "To insert": "2", "To update": "0", "Unchanged": "0"}
    assert _count(ui_db, AttendanceRecord) == 0, "the preview writes nothing"
    at.button(key="attendance.import").click().run()
    assert not at.exception
    assert any(plain(f"({name}): inserted 2") in s.value for s in at.success), [s.value for s in at.success]
    assert _count(ui_db, AttendanceRecord) == 2
    history = at.dataframe[0].value
    assert history["file"].tolist() == [name]
    assert history[["inserted", "updated", "unchanged"]].iloc[0].tolist() == [2, 0, 0]


def test_a_refused_import_shows_the_error_and_writes_nothing(run_page: PageRunner, ui_db: UiDatabase) -> None:
    people = _people(ui_db)
    reg = people["mine"].registration_number
    content = f"trainee_id,session_date,session,status\n{reg},2026-11-02,AM,P\n".encode()
    at = _upload(run_page(PAGE, people["admin"]), "good.csv", content)
    assert at.button(key="attendance.import")
    with ui_db.factory.begin() as session:  # the admin is deactivated while the preview is on screen
        admin = session.get(User, people["admin"].id)
        assert admin is not None
        admin.is_active = False
    at.button(key="attendance.import").click().run()
    assert not at.exception
    assert at.error, "the refusal is shown"
    assert not [s for s in at.success if "Imported batch" in s.value]
    assert any(s.label == "Importing: problems found" for s in at.status)
    assert (_count(ui_db, AttendanceRecord), _count(ui_db, ImportBatch)) == (0, 0)
    with ui_db.factory.begin() as session:
        imported = session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance_imported")).all()
    assert imported == []


def test_same_file_again_warns_first_and_needs_confirmation(run_page: PageRunner, ui_db: UiDatabase) -> None:
    people = _people(ui_db)
    content = f"trainee_id,session_date,session,status\n{people['mine'].registration_number},2026-11-02,AM,P\n".encode()
    with ui_db.factory.begin() as session:
        import_attendance(session, people["admin"], content=content, file_name="first.csv", now=utcnow())
    at = _upload(run_page(PAGE, people["admin"]), "again.csv", content)
    assert any(
        "already imported as " + plain("batch #1 (first.csv") in w.value for w in at.warning
    )  # shown as plain text
    assert at.button(key="attendance.import").disabled
    at.checkbox(key="attendance.import_again").check().run()
    assert not at.button(key="attendance.import").disabled


def test_undo_from_history_removes_the_batch_rows(run_page: PageRunner, ui_db: UiDatabase) -> None:
    people = _people(ui_db)
    content = f"trainee_id,session_date,session,status\n{people['mine'].registration_number},2026-11-02,AM,P\n".encode()
    with ui_db.factory.begin() as session:
        batch_id = import_attendance(
            session, people["admin"], content=content, file_name="a.csv", now=utcnow()
        ).batch_id
    at = run_page(PAGE, people["admin"])
    at.selectbox(key="attendance.undo_batch.0").select(batch_id).run()
    at.button(key="attendance.undo").click().run()  # asks first (tests/ui/test_confirmations.py)
    at.button(key="attendance.undo.confirm").click().run()
    assert not at.exception
    assert _count(ui_db, AttendanceRecord) == 0
    assert any(plain(f"Undid batch #{batch_id}") in s.value for s in at.success)
    assert at.dataframe[0].value["state"].tolist() == ["undone"]


def test_supervisor_cannot_import_rows_of_someone_elses_trainee(run_page: PageRunner, ui_db: UiDatabase) -> None:
    people = _people(ui_db)
    content = (
        f"trainee_id,session_date,session,status\n{people['mine'].registration_number},2026-11-02,AM,P\n"
        f"{people['other'].registration_number},2026-11-02,AM,P\n"
    ).encode()
    at = _upload(run_page(PAGE, people["supervisor"]), "team.csv", content)
    problems = at.table[0].value
    assert problems["row"].tolist() == [3]
    assert "is not one of your trainees" in problems["problem"].iloc[0]
    assert _count(ui_db, AttendanceRecord) == 0


def test_eligibility_table_is_scoped_to_the_viewer_with_a_heat_map_for_the_trainee(
    run_page: PageRunner, ui_db: UiDatabase
) -> None:
    people = _people(ui_db)
    statuses = ("present", "present", "absent", "late")
    _attend(ui_db, people["mine"], *((date(2026, 3, day), status, "AM") for day, status in enumerate(statuses, 1)))
    _attend(ui_db, people["other"], (date(2026, 3, 1), "absent", "AM"))
    admin = run_page(ELIGIBILITY, people["admin"], query={"period": "2026-Q1"})
    assert not admin.exception
    table = admin.dataframe[0].value
    assert sorted(table["Registration"]) == sorted(
        [people["mine"].registration_number, people["other"].registration_number]
    )
    row = table[table["Registration"] == people["mine"].registration_number].iloc[0]
    assert (row["Sessions"], row["Attended"], row["%"], row["Eligible"]) == (4, 3, 75.0, "yes")
    trainee = run_page(ELIGIBILITY, people["mine"], query={"period": "2026-Q1"})
    assert trainee.dataframe[0].value["Registration"].tolist() == [people["mine"].registration_number]
    assert trainee.get("plotly_chart"), "a trainee sees their own calendar heat map"
    supervisor = run_page(ELIGIBILITY, people["supervisor"], query={"period": "2026-Q1"})
    assert supervisor.dataframe[0].value["Registration"].tolist() == [people["mine"].registration_number]


def test_heat_map_colours_each_day_by_its_worst_status_and_lists_every_session(
    run_page: PageRunner, ui_db: UiDatabase
) -> None:
    people = _people(ui_db)
    _attend(
        ui_db,
        people["mine"],
        (date(2026, 3, 2), "excused", "AM"),
        (date(2026, 3, 3), "late", "AM"),
        (date(2026, 3, 4), "present", "AM"),
        (date(2026, 3, 4), "absent", "PM"),
        (date(2026, 3, 5), "absent", "AM"),
        (date(2026, 3, 6), "present", "AM"),
    )  # Monday to Friday
    at = run_page(ELIGIBILITY, people["mine"], query={"period": "2026-03"})
    assert not at.exception
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    heatmap, *legend = figure["data"]
    assert heatmap["x"] == ["02 Mar 2026"] and heatmap["y"][:5] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    colours = charts.STATUS_COLOURS
    assert [(t["name"], t["marker"]["color"]) for t in legend] == [(k.capitalize(), v) for k, v in colours.items()]
    scale = heatmap["colorscale"]

    def colour(z: int) -> str:
        fraction = (z - heatmap["zmin"]) / (heatmap["zmax"] - heatmap["zmin"])
        return next(c for (low, c), (high, _) in zip(scale, scale[1:], strict=False) if low <= fraction <= high)

    days = [row[0] for row in heatmap["z"][:5]]
    assert [colour(z) for z in days] == [colours[s] for s in ("excused", "late", "absent", "absent", "present")]
    assert colour(days[0]) != colour(days[3]), "excused and absent look different"
    assert colour(days[1]) != colour(days[4]), "late and present look different"
    assert [row[0] for row in heatmap["text"][:5]] == ["E", "L", "A", "A", "P"]
    assert heatmap["customdata"][2][0].endswith("absent<br>AM: present<br>PM: absent")
    assert heatmap["z"][5][0] is None and heatmap["z"][6][0] is None


def test_admin_saves_a_snapshot_idempotently(run_page: PageRunner, ui_db: UiDatabase) -> None:
    people = _people(ui_db)
    at = run_page(ELIGIBILITY, people["admin"], query={"period": "2026-03"})
    at.button(key="eligibility.snapshot").click().run()
    assert not at.exception
    assert "Saved 2 trainees for 2026-03" in at.session_state["app.flash"][1]  # shown after the rerun
    at.button(key="eligibility.snapshot").click().run()
    assert _count(ui_db, EligibilitySnapshot) == 2
    leadership_view = run_page(ELIGIBILITY, people["supervisor"], query={"period": "2026-03"})
    assert not [b for b in leadership_view.button if b.key == "eligibility.snapshot"]
