"""The /system additions: heartbeat status, Run now, job history with errors, backups and retention."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import select

from core.clock import utcnow
from core.models import AuditEvent, JobRun, Setting
from jobs.heartbeat import run_heartbeat
from portal.widgets import plain
from tests.factories import actor, make_user
from tests.ui.conftest import PageRunner, UiDatabase


@pytest.fixture
def admin(ui_db: UiDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REPORT_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "backups"))
    with ui_db.factory.begin() as session:
        return actor(session, make_user(session, "admin"))


def _texts(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join([e.value for e in at.error] + [w.value for w in at.warning] + [s.value for s in at.success])


def test_heartbeat_states_none_fresh_and_stale(run_page: PageRunner, ui_db: UiDatabase, admin) -> None:  # type: ignore[no-untyped-def]
    at = run_page("pages.system", admin)
    assert not at.exception
    assert "No scheduler is running" in _texts(at)
    run_heartbeat(
        ui_db.factory,
        now=utcnow(),
        instance="box:7",
        role="leader",
        next_runs={"daily_reminders": "2030-01-02T08:00:00+00:00"},
    )
    st.cache_data.clear()  # loaders cache for 15 s; a new page load in the same process would reuse them
    at = run_page("pages.system", admin)
    assert "Scheduler heartbeat" in _texts(at) and "box:7" in _texts(at)
    assert any("2030-01-02 08:00" in m.value for m in at.markdown)  # next run from the live scheduler
    run_heartbeat(ui_db.factory, now=utcnow() - timedelta(minutes=6), instance="box:7", role="leader")
    st.cache_data.clear()
    at = run_page("pages.system", admin)
    assert any(e.value.startswith("Stale") for e in at.error)


def test_run_now_records_a_manual_run_and_shows_it_in_the_history(
    run_page: PageRunner, ui_db: UiDatabase, admin
) -> None:  # type: ignore[no-untyped-def]
    at = run_page("pages.system", admin)
    assert [b.label for b in at.button if b.key and b.key.startswith("system.run.")] == [
        "Run now"
    ] * 8  # six jobs, send_outbox and attendance_alerts
    at.button(key="system.run.daily_reminders").click().run()
    assert not at.exception
    with ui_db.factory() as session:
        run = session.scalars(select(JobRun)).one()
    assert (run.job_id, run.trigger, run.triggered_by, run.status) == (
        "daily_reminders",
        "manual",
        admin.username,
        "success",
    )
    kind, message = at.session_state["app.flash"]
    assert kind == "success" and message.startswith("daily_reminders: success")
    history = at.dataframe[0].value
    # Shown for people: the job in words, the admin by name.
    assert list(history["job"]) == ["Daily reminders"] and list(history["by"]) == [admin.full_name]


def test_failed_runs_show_their_error_and_the_failure_filter_keeps_to_the_url(
    run_page: PageRunner, ui_db: UiDatabase, admin
) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    with ui_db.factory.begin() as session:
        session.add(
            JobRun(
                job_id="nightly_backup",
                trigger="schedule",
                scheduled_for=now,
                started_at=now,
                finished_at=now,
                status="failed",
                error="RuntimeError: pg_dump failed (1): disk full",
            )
        )
        session.add(
            JobRun(
                job_id="daily_reminders",
                trigger="schedule",
                scheduled_for=now,
                started_at=now,
                finished_at=now,
                status="success",
                counts={"digests": 2},
            )
        )
    at = run_page("pages.system", admin, query={"job": "nightly_backup"})
    assert not at.exception
    history = at.dataframe[0].value
    assert list(history["job"]) == ["Nightly backup"] and "disk full" in history["error"].iloc[0]
    assert any("disk full" in c.value for c in at.code)


def test_backups_listed_and_retention_dry_run_deletes_nothing(run_page: PageRunner, ui_db: UiDatabase, admin) -> None:  # type: ignore[no-untyped-def]
    at = run_page("pages.system", admin)
    at.button(key="system.run.nightly_backup").click().run()
    assert not at.exception
    st.cache_data.clear()
    at = run_page("pages.system", admin)
    frames = [d.value for d in at.dataframe]
    assert any("file" in f.columns and f["file"].iloc[0].startswith("portal-") for f in frames)
    retention = next(f for f in frames if "days" in f.columns)
    assert list(retention["days"]) == [90, 365, 180, 2557]
    at.button(key="system.cleanup_preview").click().run()
    with ui_db.factory() as session:
        cleanup = session.scalars(select(JobRun).where(JobRun.job_id == "weekly_cleanup")).one()
    assert cleanup.dry_run and cleanup.status == "success"


def _save_settings(at, **typed: str):  # type: ignore[no-untyped-def]
    for key, text in typed.items():
        at.text_input(key=f"system.setting.{key}").input(text)
    return next(b for b in at.button if b.label == "Save settings").click().run()


def test_settings_with_one_bad_value_show_the_error_and_save_nothing(
    run_page: PageRunner, ui_db: UiDatabase, admin
) -> None:  # type: ignore[no-untyped-def]
    at = _save_settings(run_page("pages.system", admin), attendance_threshold="80", upload_max_mb="0")
    assert not at.exception
    assert [e.value for e in at.error if "upload" in e.value] == [
        plain("Largest attendance upload, in MB: must be between 1 and 500.")
    ]
    assert not [s for s in at.success if "Saved" in s.value]
    with ui_db.factory() as session:
        assert session.scalars(select(Setting)).all() == []
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "setting_updated")).all() == []


def test_settings_save_writes_the_changed_ones_and_says_how_many(
    run_page: PageRunner, ui_db: UiDatabase, admin
) -> None:  # type: ignore[no-untyped-def]
    at = _save_settings(run_page("pages.system", admin), attendance_threshold="80", upload_max_mb="50")
    assert not at.exception and not at.error
    assert any(s.value == plain("Saved 1 setting(s).") for s in at.success)
    with ui_db.factory() as session:
        assert {row.key: row.value for row in session.scalars(select(Setting))} == {"attendance_threshold": 80.0}


def test_the_scheduler_tab_shows_the_outbox_and_a_given_up_message_as_an_error(
    run_page: PageRunner, ui_db: UiDatabase, admin
) -> None:  # type: ignore[no-untyped-def]
    from core.services import outbox

    with ui_db.factory.begin() as session:
        outbox.queue_mail(session, to="waiting@example.org", subject="Waiting", body="b", now=utcnow())
    at = run_page("pages.system", admin)
    assert any("E-mail outbox: 1 queued, 0 sent, 0 failed" in c.value for c in at.caption)
    with ui_db.factory.begin() as session:
        failed = outbox.queue_mail(session, to="gone@example.org", subject="Gone", body="b", now=utcnow())
        for _ in range(outbox.MAX_ATTEMPTS):
            outbox.mark_attempt_failed(session, failed, now=utcnow(), error="ConnectionRefusedError")
    st.cache_data.clear()
    at = run_page("pages.system", admin)
    assert "E-mail outbox: 1 queued, 0 sent, 1 failed" in _texts(at)
