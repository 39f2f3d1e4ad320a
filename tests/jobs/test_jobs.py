"""Each job called directly with a fixed `now`, on a real database that really commits."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings, get_settings
from core.db import make_session_factory
from core.dto import SYSTEM_ACTOR
from core.models import (
    AttendanceRecord,
    AuditEvent,
    EligibilitySnapshot,
    JobRun,
    LogbookEntry,
    Notification,
    OutboxMessage,
    ReportRun,
    SchedulerHeartbeat,
    StoredFile,
)
from core.services.attendance.imports import import_attendance
from core.services.operations.jobs import check_heartbeat
from core.services.reports.archive import store_report
from core.services.stored_files import read_file
from jobs.backup import run_nightly_backup
from jobs.cleanup import run_weekly_cleanup
from jobs.eligibility import run_monthly_eligibility
from jobs.heartbeat import run_heartbeat
from jobs.reminders import run_daily_reminders
from jobs.reports import run_weekly_leadership_pack
from jobs.runner import execute_job
from portal.cli import main as cli_main
from tests.factories import actor, make_attendance, make_department, make_entry, make_user

NOW = datetime(2026, 11, 20, 10, 0, 0)


@pytest.fixture
def factory(committed_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(committed_engine)


@pytest.fixture
def settings(committed_engine: Engine, tmp_path: Path) -> Settings:
    return Settings(
        database_url=committed_engine.url.render_as_string(hide_password=False),
        report_dir=tmp_path / "reports",
        backup_dir=tmp_path / "backups",
        backup_keep=2,
    )


def _count(factory: sessionmaker[Session], model: type, *where: object) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


# monthly_eligibility ---------------------------------------------------------------------------


def test_monthly_eligibility_twice_leaves_one_snapshot_per_active_trainee(factory, settings) -> None:  # type: ignore[no-untyped-def]
    with factory.begin() as session:
        department = make_department(session)
        trainees = [make_user(session, "trainee", department=department) for _ in range(3)]
        make_user(session, "trainee", department=department, active=False)
        for trainee in trainees:
            make_attendance(session, trainee, date(2026, 10, 5), "present")
            make_attendance(session, trainee, date(2026, 10, 6), "absent")
            make_attendance(session, trainee, date(2026, 11, 2), "absent")  # another month: not counted
    run_monthly_eligibility(factory, now=datetime(2026, 11, 1, 1, 0), settings=settings)
    counts = run_monthly_eligibility(factory, now=datetime(2026, 11, 1, 1, 5), settings=settings)
    assert counts["period"] == "2026-10"
    with factory() as session:
        snapshots = session.scalars(select(EligibilitySnapshot)).all()
    assert sorted(s.trainee_id for s in snapshots) == sorted(t.id for t in trainees)
    assert {(s.period, s.sessions, s.attended, float(s.percentage)) for s in snapshots} == {("2026-10", 2, 1, 50.0)}


def test_monthly_eligibility_rerun_after_a_later_upload_updates_in_place(factory, settings) -> None:  # type: ignore[no-untyped-def]
    with factory.begin() as session:
        department = make_department(session)
        trainee = make_user(session, "trainee", department=department)
        admin = actor(session, make_user(session, "admin"))
        make_attendance(session, trainee, date(2026, 10, 5), "absent")
        registration = trainee.registration_number
    run_monthly_eligibility(factory, now=datetime(2026, 11, 1, 1, 0), settings=settings)
    with factory() as session:
        first = session.scalars(select(EligibilitySnapshot)).one()
    assert (first.sessions, first.attended, first.eligible) == (1, 0, False)
    upload = (
        "trainee_id,session_date,session,status\n"
        f"{registration},2026-10-05,AM,present\n{registration},2026-10-06,AM,present\n"
    ).encode()
    with factory.begin() as session:
        report = import_attendance(session, admin, content=upload, file_name="late.csv", now=datetime(2026, 11, 3))
    assert report.imported and report.updated == 1 and report.inserted == 1
    run_monthly_eligibility(factory, now=datetime(2026, 11, 3, 9, 0), settings=settings)
    with factory() as session:
        again = session.scalars(select(EligibilitySnapshot)).one()
    assert again.id == first.id
    assert (again.sessions, again.attended, float(again.percentage), again.eligible) == (2, 2, 100.0, True)


# weekly_cleanup ---------------------------------------------------------------------------------


def _seed_ages(factory: sessionmaker[Session], settings: Settings) -> dict[str, object]:
    with factory.begin() as session:
        department = make_department(session)
        trainee = make_user(session, "trainee", department=department)
        for days in (91, 89):
            session.add(
                Notification(
                    user_id=trainee.id, kind="test", title=f"{days} days old", created_at=NOW - timedelta(days=days)
                )
            )
        old_file = store_report(
            session,
            SYSTEM_ACTOR,
            kind="logbook_summary",
            file_format="csv",
            content=b"old",
            params={"period": "old"},
            now=NOW - timedelta(days=366),
        )
        new_file = store_report(
            session,
            SYSTEM_ACTOR,
            kind="logbook_summary",
            file_format="csv",
            content=b"new",
            params={"period": "new"},
            now=NOW - timedelta(days=364),
        )
        for days in (181, 179):
            session.add(
                JobRun(
                    job_id="daily_reminders",
                    trigger="manual",
                    started_at=NOW - timedelta(days=days),
                    finished_at=NOW - timedelta(days=days),
                    status="success",
                )
            )
        for days in (2558, 2556, 1):
            session.add(AuditEvent(occurred_at=NOW - timedelta(days=days), action=f"old_{days}"))
        # Programme records are never retention's business, however old.
        ancient = NOW - timedelta(days=4000)
        make_attendance(session, trainee, ancient.date(), "present")
        make_entry(session, trainee, status="approved", case_date=ancient.date(), submitted_at=ancient)
        session.add(
            EligibilitySnapshot(
                trainee_id=trainee.id,
                period="2015-06",
                period_start=date(2015, 6, 1),
                period_end=date(2015, 6, 30),
                sessions=1,
                attended=1,
                percentage=100,
                threshold=75,
                eligible=True,
                computed_at=ancient,
            )
        )
    return {"old": old_file, "new": new_file}


def test_cleanup_deletes_at_91_days_and_keeps_89_and_never_touches_programme_records(factory, settings) -> None:  # type: ignore[no-untyped-def]
    files = _seed_ages(factory, settings)
    counts = run_weekly_cleanup(factory, now=NOW, settings=settings)
    assert counts == {
        "notifications": 1,
        "report_runs": 1,
        "job_runs": 1,
        "audit_events": 1,
        "scheduler_heartbeats": 0,
        "user_sessions": 0,
        "report_files": 1,
    }
    with factory() as session:
        assert session.scalars(select(Notification.title)).all() == ["89 days old"]
        assert session.scalars(select(ReportRun.id)).all() == [files["new"].id]  # type: ignore[attr-defined]
        assert sorted(session.scalars(select(AuditEvent.action)).all()) == [
            "old_1",
            "old_2556",
            "report_generated",  # the reports made for the test (issue 14: generation is audited)
            "report_generated",
            "retention_cleanup",
        ]
    assert _stored_contents(factory) == [b"new"]  # the expired report's bytes went with its row
    for model in (AttendanceRecord, LogbookEntry, EligibilitySnapshot):
        assert _count(factory, model) == 1


def _stored_contents(factory: sessionmaker[Session]) -> list[bytes]:
    with factory() as session:
        return sorted(read_file(session, file_id) or b"" for file_id in session.scalars(select(StoredFile.id)))


def test_cleanup_dry_run_counts_the_same_and_deletes_nothing(factory, settings) -> None:  # type: ignore[no-untyped-def]
    _seed_ages(factory, settings)
    before = {m.__name__: _count(factory, m) for m in (Notification, ReportRun, JobRun, AuditEvent)}
    summary = execute_job("weekly_cleanup", factory, now=NOW, settings=settings, dry_run=True)
    assert summary.status == "success" and summary.dry_run
    assert summary.counts == {
        "notifications": 1,
        "report_runs": 1,
        "job_runs": 1,
        "audit_events": 1,
        "scheduler_heartbeats": 0,
        "user_sessions": 0,
        "report_files": 1,
    }
    after = {m.__name__: _count(factory, m) for m in (Notification, ReportRun, AuditEvent)}
    assert after == {k: v for k, v in before.items() if k != "JobRun"}
    assert _stored_contents(factory) == [b"new", b"old"]


def test_cleanup_follows_the_retention_setting(factory, settings) -> None:  # type: ignore[no-untyped-def]
    from core.services.settings import update_setting

    _seed_ages(factory, settings)
    with factory.begin() as session:
        update_setting(session, SYSTEM_ACTOR, key="retention_notifications_days", value=30, now=NOW)
    assert run_weekly_cleanup(factory, now=NOW, settings=settings)["notifications"] == 2


# daily_reminders --------------------------------------------------------------------------------


def test_reminders_send_one_digest_and_one_escalation_per_day(factory, settings) -> None:  # type: ignore[no-untyped-def]
    with factory.begin() as session:
        department = make_department(session)
        supervisor = make_user(session, "supervisor", department=department)
        quiet_supervisor = make_user(session, "supervisor", department=department)
        admins = [make_user(session, "admin") for _ in range(2)]
        trainee = make_user(session, "trainee", department=department, supervisor=supervisor)
        fresh = make_user(session, "trainee", department=department, supervisor=quiet_supervisor)
        make_entry(session, trainee, submitted_at=NOW - timedelta(days=8))
        make_entry(session, trainee, submitted_at=NOW - timedelta(days=15))
        make_entry(session, fresh, submitted_at=NOW - timedelta(days=6))
        make_entry(session, trainee, status="approved", submitted_at=NOW - timedelta(days=30))
        ids = {"supervisor": supervisor.id, "quiet": quiet_supervisor.id, "admins": [a.id for a in admins]}
    first = run_daily_reminders(factory, now=NOW, settings=settings)
    second = run_daily_reminders(factory, now=NOW + timedelta(hours=6), settings=settings)
    assert (first["digests"], first["escalations"], first["pending_over_7_days"]) == (1, 2, 2)
    assert (second["digests"], second["escalations"], second["already_sent_today"]) == (0, 0, 3)
    with factory() as session:
        digest = session.scalars(select(Notification).where(Notification.kind == "reminder_digest")).all()
        escalations = session.scalars(
            select(Notification.user_id).where(Notification.kind == "reminder_escalation")
        ).all()
    assert [n.user_id for n in digest] == [ids["supervisor"]]
    assert "2 logbook entries" in digest[0].title and digest[0].link == "/approvals"
    assert sorted(escalations) == sorted(ids["admins"])  # type: ignore[type-var]
    with factory() as session:
        queued = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    # Queued once, with the in-app notification, for send_outbox to send (and retry).
    assert sorted(m.user_id for m in queued) == sorted([ids["supervisor"], *ids["admins"]])  # type: ignore[type-var]
    assert all(m.status == "queued" and m.link == "/approvals" for m in queued)
    next_day = run_daily_reminders(factory, now=NOW + timedelta(days=1), settings=settings)
    assert (next_day["digests"], next_day["escalations"]) == (1, 2)


# weekly_leadership_pack -------------------------------------------------------------------------


def test_leadership_pack_job_archives_the_pdf_and_emails_leadership(factory, settings) -> None:  # type: ignore[no-untyped-def]
    with factory.begin() as session:
        department = make_department(session)
        trainee = make_user(session, "trainee", department=department)
        make_attendance(session, trainee, date(2026, 11, 2), "present")
        dean = make_user(session, "leadership")
        make_user(session, "leadership", active=False)
        dean_email = dean.email
    counts = run_weekly_leadership_pack(factory, now=NOW, settings=settings)
    with factory() as session:
        run = session.get(ReportRun, counts["report_run_id"])
        assert run is not None and run.kind == "leadership_pack" and run.created_by_username == "system"
        assert run.file_id is not None
        pdf = read_file(session, run.file_id)
    assert pdf is not None and pdf.startswith(b"%PDF")
    assert counts["emails_queued"] == 1
    with factory() as session:
        queued = session.scalars(select(OutboxMessage)).all()
        assert [m.to_address for m in queued] == [dean_email] and queued[0].link == "/reports"
        attachment = queued[0].attachments[0]
        assert attachment.file_name == run.file_name and attachment.mime == "application/pdf"
        assert attachment.content == pdf


def test_a_pack_an_admin_runs_now_names_them_on_the_cover_and_in_the_archive(factory, settings) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    with factory.begin() as session:
        admin = make_user(session, "admin")
        admin_name, admin_username = admin.full_name, admin.username
    summary = execute_job(
        "weekly_leadership_pack", factory, now=NOW, settings=settings, trigger="manual", triggered_by=admin_username
    )
    scheduled = execute_job("weekly_leadership_pack", factory, now=NOW, settings=settings, trigger="scheduler")
    with factory() as session:
        by_admin = session.get(ReportRun, summary.counts["report_run_id"])  # type: ignore[index]
        by_system = session.get(ReportRun, scheduled.counts["report_run_id"])  # type: ignore[index]
        assert by_admin is not None and by_system is not None
        assert (by_admin.created_by_username, by_system.created_by_username) == (admin_username, "system")
        assert by_admin.file_id is not None
        cover = PdfReader(io.BytesIO(read_file(session, by_admin.file_id) or b"")).pages[0].extract_text()
    assert f"{admin_name} ({admin_username})" in " ".join(cover.split())


# nightly_backup ---------------------------------------------------------------------------------


def test_backup_writes_a_restorable_copy_and_keeps_the_last_n(factory, settings, committed_engine) -> None:  # type: ignore[no-untyped-def]
    with factory.begin() as session:
        make_user(session, "admin", username="backup-probe")
    for day in range(3):
        counts = run_nightly_backup(factory, now=NOW + timedelta(days=day), settings=settings)
        assert counts["status"] == "success"
    kept = sorted(p.name for p in settings.backup_dir.iterdir())
    assert len(kept) == 2 and kept[-1] == Path(counts["file"]).name
    newest = settings.backup_dir / kept[-1]
    if committed_engine.dialect.name == "sqlite":
        import sqlite3

        with sqlite3.connect(newest) as copy:
            assert copy.execute("SELECT count(*) FROM users WHERE username = 'backup-probe'").fetchone() == (1,)
    else:
        assert newest.read_bytes().startswith(b"PGDMP")


def test_the_backup_contains_the_report_archive(factory, settings, committed_engine) -> None:  # type: ignore[no-untyped-def]
    content = b"report bytes kept in the database"
    with factory.begin() as session:
        store_report(
            session,
            SYSTEM_ACTOR,
            kind="logbook_summary",
            file_format="csv",
            content=content,
            params={"period": "2026-11"},
            now=NOW,
        )
    counts = run_nightly_backup(factory, now=NOW, settings=settings)
    assert counts["status"] == "success"
    if committed_engine.dialect.name == "sqlite":
        import sqlite3

        with sqlite3.connect(counts["file"]) as copy:
            assert copy.execute("SELECT content FROM stored_files").fetchall() == [(content,)]
    else:
        import subprocess

        data = subprocess.run(
            ["pg_restore", "--data-only", "--table=stored_files", "--file=-", counts["file"]],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert "\\\\x" + content.hex() in data  # the bytea in the dump's COPY data


@pytest.mark.postgres
def test_backup_on_postgresql_without_pg_dump_is_a_clear_skip(factory, settings, committed_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if committed_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    monkeypatch.setenv("PATH", "/nonexistent")
    summary = execute_job("nightly_backup", factory, now=NOW, settings=settings)
    assert summary.status == "skipped"
    assert "pg_dump is not installed" in str(summary.counts["message"])  # type: ignore[index]


# the runner -------------------------------------------------------------------------------------


def test_a_failing_job_is_recorded_and_logged_not_raised(factory, settings, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    broken = settings.model_copy(update={"backup_dir": blocker / "backups"})
    summary = execute_job("nightly_backup", factory, now=NOW, settings=broken)
    assert summary.status == "failed"
    assert "FileExistsError" in (summary.error or "") or "NotADirectoryError" in (summary.error or "")
    with factory() as session:
        run = session.scalars(select(JobRun)).one()
    assert run.status == "failed" and run.finished_at is not None and run.error
    assert "job nightly_backup failed" in caplog.text


def test_a_scheduled_time_runs_once_even_if_fired_twice(factory, settings) -> None:  # type: ignore[no-untyped-def]
    slot = datetime(2026, 11, 20, 8, 0)
    first = execute_job("daily_reminders", factory, now=NOW, settings=settings, trigger="schedule", scheduled_for=slot)
    second = execute_job("daily_reminders", factory, now=NOW, settings=settings, trigger="schedule", scheduled_for=slot)
    assert (first.status, second.status) == ("success", "skipped")
    assert _count(factory, JobRun) == 1


def test_unknown_job_and_dry_run_without_support_are_refused(factory, settings) -> None:  # type: ignore[no-untyped-def]
    from core.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="Unknown job 'nope'"):
        execute_job("nope", factory, now=NOW, settings=settings)
    with pytest.raises(InvalidInputError, match="no dry run"):
        execute_job("nightly_backup", factory, now=NOW, settings=settings, dry_run=True)
    assert _count(factory, JobRun) == 0


# heartbeat and readiness ------------------------------------------------------------------------


def test_heartbeat_is_fresh_for_five_minutes_and_manual_beats_do_not_count(factory, settings) -> None:  # type: ignore[no-untyped-def]
    run_heartbeat(factory, now=NOW, settings=settings)  # a manual beat (CLI) is not a sidecar
    with factory() as session:
        assert check_heartbeat(session, now=NOW)[0] is False
    run_heartbeat(
        factory,
        now=NOW,
        settings=settings,
        instance="host:1",
        role="leader",
        next_runs={"heartbeat": "2026-11-20T10:01:00+00:00"},
    )
    with factory() as session:
        assert check_heartbeat(session, now=NOW + timedelta(minutes=4, seconds=59))[0] is True
        ok, message = check_heartbeat(session, now=NOW + timedelta(minutes=5, seconds=1))
        assert session.get(SchedulerHeartbeat, "host:1").next_runs == {"heartbeat": "2026-11-20T10:01:00+00:00"}
    assert not ok and "stale" in message


def test_a_heartbeat_the_sidecar_cannot_write_is_recorded_as_a_failed_run(tmp_path: Path) -> None:
    from sqlalchemy import text

    from core.db import make_engine
    from core.migrate import upgrade_to_head
    from jobs.sidecar import Sidecar

    # Its own database: the heartbeat table is dropped to make the beat fail for real.
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE scheduler_heartbeats"))
    factory = make_session_factory(engine)
    sidecar = Sidecar(Settings(database_url=url, report_dir=tmp_path / "reports"), engine, factory)
    sidecar._beat_safely("standby")  # must not raise: a failed beat never stops the scheduler
    with factory() as session:
        run = session.scalars(select(JobRun)).one()
    engine.dispose()
    assert (run.job_id, run.status, run.trigger, run.instance) == ("heartbeat", "failed", "scheduler", sidecar.instance)
    assert "scheduler_heartbeats" in (run.error or "")


@pytest.fixture
def cli_env(committed_engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REPORT_DIR", str(settings.report_dir))
    monkeypatch.setenv("BACKUP_DIR", str(settings.backup_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_cli_run_job_dry_run_as_of_prints_counts_and_records_the_run(factory, cli_env, capsys) -> None:  # type: ignore[no-untyped-def]
    with factory.begin() as session:
        user = make_user(session, "trainee")
        session.add(Notification(user_id=user.id, kind="x", title="old", created_at=datetime(2026, 1, 1)))
    assert cli_main(["run-job", "weekly_cleanup", "--dry-run", "--as-of", "2026-06-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("weekly_cleanup (dry run) as of 2026-06-01") and '"notifications": 1' in out
    assert _count(factory, Notification) == 1
    with factory() as session:
        run = session.scalars(select(JobRun)).one()
    assert (run.trigger, run.dry_run, run.status) == ("cli", True, "success")


def test_cli_run_job_refuses_bad_input(cli_env, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        cli_main(["run-job", "weekly_cleanup", "--as-of", "2026-13-01"])
    assert "not a date" in capsys.readouterr().err
    assert cli_main(["run-job", "nightly_backup", "--dry-run"]) == 1
    assert "no dry run" in capsys.readouterr().err


def test_check_fails_on_a_stale_heartbeat_only_when_a_scheduler_is_expected(
    factory, cli_env, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    from core.clock import utcnow

    run_heartbeat(factory, now=utcnow() - timedelta(minutes=6), instance="old:1", role="leader")
    assert cli_main(["check"]) == 0
    monkeypatch.setenv("SCHEDULER_EXPECTED", "true")
    get_settings.cache_clear()
    assert cli_main(["check"]) == 1
    assert "scheduler heartbeat is stale" in capsys.readouterr().out
    run_heartbeat(factory, now=utcnow(), instance="old:1", role="leader")
    assert cli_main(["check"]) == 0


def test_every_job_has_a_function_with_the_documented_signature() -> None:
    import inspect

    from core.rules.schedule import JOB_NAMES
    from jobs.runner import JOBS

    for name in JOB_NAMES:
        parameters = inspect.signature(JOBS[name].func).parameters
        assert list(parameters)[0] == "session_factory" and parameters["now"].kind is inspect.Parameter.KEYWORD_ONLY
    assert os.path.basename(inspect.getfile(JOBS["monthly_eligibility"].func)) == "eligibility.py"
