"""The reports page: generate with progress into the archive, scoped archive, downloads."""

from __future__ import annotations

from sqlalchemy import select

from core import clock
from core.models import AuditEvent, ReportRun
from core.services.stored_files import read_file
from portal.widgets import plain
from tests.factories import actor, make_attendance, make_department, make_entry, make_user
from tests.ui.conftest import PageRunner, UiDatabase


def _people(ui_db: UiDatabase):  # type: ignore[no-untyped-def]
    with ui_db.factory.begin() as session:
        department = make_department(session)
        supervisor = make_user(session, "supervisor", department=department)
        other = make_user(session, "supervisor", department=department)
        mine = make_user(session, "trainee", department=department, supervisor=supervisor)
        theirs = make_user(session, "trainee", department=department, supervisor=other)
        today = clock.today()
        for trainee in (mine, theirs):
            make_attendance(session, trainee, today.replace(day=1), "present")
            make_entry(session, trainee, case_date=today.replace(day=1))
        return {
            "admin": actor(session, make_user(session, "admin")),
            "leadership": actor(session, make_user(session, "leadership")),
            "supervisor": actor(session, supervisor),
            "other": actor(session, other),
            "mine": mine.full_name,
            "theirs": theirs.full_name,
        }


def test_generating_a_pack_shows_progress_and_lands_in_the_archive(
    run_page: PageRunner, ui_db: UiDatabase, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REPORT_DIR", str(tmp_path / "reports"))
    people = _people(ui_db)
    at = run_page("pages.reports", people["admin"])
    assert not at.exception
    at.button(key="FormSubmitter:reports.generate-Generate").click().run()
    assert not at.exception, at.exception
    assert any("Generated leadership-pack-" in s.label for s in at.status)
    assert any("ready" in s.value for s in at.success)
    with ui_db.factory() as session:
        run = session.scalars(select(ReportRun)).one()
        pdf = read_file(session, run.file_id) if run.file_id else None
    assert run.kind == "leadership_pack" and run.created_by_username == people["admin"].username
    assert pdf is not None and pdf.startswith(b"%PDF")
    assert not (tmp_path / "reports").exists()  # kept in the database, not on this replica's disk


def test_bad_period_is_refused_with_a_message_and_nothing_archived(
    run_page: PageRunner, ui_db: UiDatabase, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REPORT_DIR", str(tmp_path / "reports"))
    people = _people(ui_db)
    at = run_page("pages.reports", people["admin"])
    at.radio(key="reports.kind").set_value("logbook_summary").run()
    at.text_input(key="reports.period").input("2026-13")
    at.button(key="FormSubmitter:reports.generate-Generate").click().run()
    assert not at.exception
    assert any(plain("month must be 01..12") in e.value for e in at.error)
    with ui_db.factory() as session:
        assert session.scalars(select(ReportRun)).all() == []


def test_archive_is_scoped_to_the_viewer(run_page: PageRunner, ui_db: UiDatabase, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REPORT_DIR", str(tmp_path / "reports"))
    people = _people(ui_db)
    at = run_page("pages.reports", people["supervisor"])
    at.radio(key="reports.kind").set_value("logbook_summary").run()
    at.text_input(key="reports.period").input(str(clock.today().year))
    at.selectbox(key="reports.format").set_value("csv")
    at.button(key="FormSubmitter:reports.generate-Generate").click().run()
    assert not at.exception
    with ui_db.factory() as session:
        run = session.scalars(select(ReportRun)).one()
        content = (read_file(session, run.file_id) or b"").decode("utf-8-sig") if run.file_id else ""
    assert people["mine"] in content and people["theirs"] not in content

    for viewer, sees in (("supervisor", True), ("admin", True), ("other", False), ("leadership", False)):
        page = run_page("pages.reports", people[viewer], query={"reports.tab": "Archive"})
        assert not page.exception
        frames = [d.value for d in page.dataframe]
        listed = bool(frames) and run.file_name in set(frames[0]["file"])
        assert listed == sees, viewer


def test_showing_the_archive_is_not_downloading_a_report(run_page: PageRunner, ui_db: UiDatabase) -> None:
    """The archive preselects the newest report: only a click on its button is a download (report_downloaded)."""
    people = _people(ui_db)
    at = run_page("pages.reports", people["supervisor"])
    at.radio(key="reports.kind").set_value("logbook_summary").run()
    at.text_input(key="reports.period").input(str(clock.today().year))
    at.selectbox(key="reports.format").set_value("csv")
    at.button(key="FormSubmitter:reports.generate-Generate").click().run()
    assert not at.exception and at.get("download_button")  # the new report's button
    for _ in range(2):
        archive = run_page("pages.reports", people["supervisor"], query={"reports.tab": "Archive"})
        assert not archive.exception and archive.get("download_button")
    with ui_db.factory() as session:
        events = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("report_%"))).all()
    assert events == ["report_generated"]
