"""Irreversible actions ask first (issue 18): one click on Publish all, Freeze all, Undo batch or the
cleanup's Run now changes nothing and shows how many rows the action affects; the explicit
confirmation does it; Cancel forgets the question."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.dto import UserSummary
from core.models import AttendanceRecord, JobRun, Notification, Result
from core.rules.values import NotificationKind
from core.services.attendance.imports import import_attendance
from core.services.notifications import notify
from core.services.results import assessments as results_service
from core.services.results import scores as result_scores_service
from portal.widgets import plain
from tests.factories import NOW, actor, make_department, make_user
from tests.ui.conftest import PageRunner, UiDatabase


def _button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; have {[b.label for b in at.button]}"
    return matches[0]


def _asked(at: AppTest, *words: str) -> bool:
    """The question is shown (as plain text: its words escaped for Markdown)."""
    return any(all(plain(w) in x.value for w in words) for x in at.warning)


def _count(ui_db: UiDatabase, model: type) -> int:
    with ui_db.factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def admin(ui_db: UiDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> UserSummary:
    monkeypatch.setenv("REPORT_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "backups"))
    with ui_db.factory.begin() as session:
        return actor(session, make_user(session, "admin"))


def _assessment_with_drafts(ui_db: UiDatabase, admin: UserSummary) -> int:
    with ui_db.factory.begin() as session:
        department = make_department(session)
        trainees = [make_user(session, "trainee", department=department) for _ in range(3)]
        created = results_service.create_assessment(
            session,
            admin,
            title="Year 1 OSCE",
            department_id=department.id,
            assessment_date=date(2026, 10, 1),
            max_score=100,
            pass_mark=50,
            weight=100,
            group_name="Year 1",
            now=NOW,
        )
        result_scores_service.save_scores(
            session,
            admin,
            assessment_id=created.id,
            scores={t.registration_number: 60.0 + i for i, t in enumerate(trainees)},
            now=NOW,
        )
        return created.id


def _states(ui_db: UiDatabase, assessment_id: int) -> list[str]:
    with ui_db.factory() as session:
        return sorted(session.scalars(select(Result.state).where(Result.assessment_id == assessment_id)))


def test_publish_all_and_freeze_all_need_an_explicit_confirmation(
    run_page: PageRunner, ui_db: UiDatabase, admin: UserSummary
) -> None:
    assessment = _assessment_with_drafts(ui_db, admin)
    at = run_page("pages.results", admin)
    at.button(key="results.publish_all").click().run()
    assert not at.exception
    assert _states(ui_db, assessment) == ["draft"] * 3  # one click did nothing
    assert _asked(at, "Publish all 3 draft results of Year 1 OSCE?")
    at.button(key="results.publish_all.cancel").click().run()
    assert not _asked(at, "Publish all")  # Cancel forgets the question
    at.button(key="results.publish_all").click().run()
    _button(at, "Yes, publish 3 results").click().run()
    assert not at.exception
    assert _states(ui_db, assessment) == ["published"] * 3

    at.button(key="results.freeze_all").click().run()
    assert _states(ui_db, assessment) == ["published"] * 3
    assert _asked(at, "Freeze all 3 published results of Year 1 OSCE?", "This cannot be undone.")
    _button(at, "Yes, freeze 3 results").click().run()
    assert not at.exception
    assert _states(ui_db, assessment) == ["frozen"] * 3


def test_undoing_an_import_asks_first_with_the_rows_it_changes(
    run_page: PageRunner, ui_db: UiDatabase, admin: UserSummary
) -> None:
    with ui_db.factory.begin() as session:
        department = make_department(session)
        numbers = [make_user(session, "trainee", department=department).registration_number for _ in range(2)]
        content = "trainee_id,session_date,session,status\n" + "".join(f"{n},2026-11-02,AM,P\n" for n in numbers)
        batch = import_attendance(session, admin, content=content.encode(), file_name="week-45.csv", now=utcnow())
    at = run_page("pages.attendance", admin)
    at.selectbox(key="attendance.undo_batch.0").select(batch.batch_id).run()
    at.button(key="attendance.undo").click().run()
    assert not at.exception
    assert _count(ui_db, AttendanceRecord) == 2  # one click did nothing
    assert _asked(at, f"Undo batch #{batch.batch_id} (week-45.csv)? It removes 2 inserted rows and restores 0")
    _button(at, f"Yes, undo batch #{batch.batch_id}").click().run()
    assert not at.exception
    assert _count(ui_db, AttendanceRecord) == 0
    assert any(plain(f"Undid batch #{batch.batch_id}") in s.value for s in at.success)


def test_the_cleanup_run_now_asks_first_with_what_it_deletes(
    run_page: PageRunner, ui_db: UiDatabase, admin: UserSummary
) -> None:
    old = utcnow() - timedelta(days=400)
    with ui_db.factory.begin() as session:
        for title, when in (("Old", old), ("Older", old - timedelta(days=1)), ("New", utcnow())):
            notify(session, user_id=admin.id, kind=NotificationKind.REMINDER_DIGEST, title=title, now=when)
    at = run_page("pages.system", admin)
    at.button(key="system.run.weekly_cleanup").click().run()
    assert not at.exception
    assert _count(ui_db, Notification) == 3 and _count(ui_db, JobRun) == 0  # one click did nothing
    assert _asked(at, "Run weekly_cleanup now? It deletes 2 rows past retention: 2 notifications.")
    _button(at, "Yes, delete 2 rows").click().run()
    assert not at.exception
    with ui_db.factory() as session:
        assert list(session.scalars(select(Notification.title))) == ["New"]
        run = session.scalars(select(JobRun).where(JobRun.job_id == "weekly_cleanup")).one()
        assert not run.dry_run
