"""Audit retention: never under 7 years (setting, cleanup), and on PostgreSQL a trigger guards the table."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.db import make_session_factory
from core.errors import InvalidInputError
from core.models import AuditEvent, Setting
from core.rules.settings import AUDIT_RETENTION_FLOOR_DAYS
from core.services.operations.retention import purge_expired
from core.services.settings import update_setting
from tests.factories import NOW, actor, make_user


def test_the_setting_refuses_less_than_seven_years_with_a_clear_message(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    with pytest.raises(InvalidInputError) as refused:
        update_setting(session, admin, key="retention_audit_days", value=365, now=NOW)
    assert "at least 2557 days (7 years)" in refused.value.message
    assert update_setting(session, admin, key="retention_audit_days", value=3000, now=NOW) == 3000
    assert AUDIT_RETENTION_FLOOR_DAYS == 2557


def test_cleanup_keeps_young_events_even_if_a_shorter_value_was_stored(session: Session) -> None:
    session.add(Setting(key="retention_audit_days", value=30, updated_at=NOW))  # stored before the floor existed
    session.add(AuditEvent(occurred_at=NOW - timedelta(days=400), action="a_year_old"))
    session.flush()
    assert purge_expired(session, now=NOW).counts["audit_events"] == 0
    assert session.scalar(select(func.count()).where(AuditEvent.action == "a_year_old")) == 1


@pytest.mark.postgres
def test_postgresql_refuses_update_and_young_deletes_of_audit_events(committed_engine: Engine) -> None:
    if committed_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: the trigger is PostgreSQL's")
    factory = make_session_factory(committed_engine)
    now = utcnow()  # the trigger compares with the database's clock
    with factory.begin() as session:
        session.add(AuditEvent(occurred_at=now - timedelta(days=10), action="young"))
        session.add(AuditEvent(occurred_at=now - timedelta(days=AUDIT_RETENTION_FLOOR_DAYS + 2), action="ancient"))
    with pytest.raises(DBAPIError, match="append-only"), factory.begin() as session:
        session.execute(update(AuditEvent).values(action="rewritten"))
    with pytest.raises(DBAPIError, match="cannot be deleted"), factory.begin() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.action == "young"))
    with factory.begin() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.action == "ancient"))
        assert session.scalars(select(AuditEvent.action)).all() == ["young"]
        assert (
            session.execute(text("SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_events_guard'")).scalar() == 1
        )


# Exports, downloads, Run now and backups are audited (issue 14, item 5) ----------------------------


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_report_generation_and_each_download_are_audited_with_the_viewer(session: Session, tmp_path: Path) -> None:
    from core.services.reports.archive import get_report_file
    from core.services.reports.exports import generate_logbook_summary

    admin = actor(session, make_user(session, "admin"))
    item = generate_logbook_summary(session, admin, now=NOW, period="2026-11", file_format="csv")
    [generated] = _events(session, "report_generated")
    assert (generated.actor_id, generated.entity_type, generated.entity_id) == (admin.id, "report_run", str(item.id))
    assert generated.details["format"] == "csv" and generated.details["params"]["period"] == "2026-11"  # type: ignore[index]
    assert _events(session, "report_downloaded") == []
    leader = actor(session, make_user(session, "leadership"))
    for viewer in (admin, leader):
        get_report_file(session, viewer, item.id, now=NOW)
    downloads = _events(session, "report_downloaded")
    assert [(e.actor_id, e.entity_id) for e in downloads] == [(admin.id, str(item.id)), (leader.id, str(item.id))]
    assert downloads[0].details["file"] == item.file_name  # type: ignore[index]


def test_an_issued_document_download_is_audited_and_a_refused_one_is_not(session: Session) -> None:
    from core.config import Settings
    from core.errors import NotFoundError
    from core.services.documents import requests as documents

    trainee = actor(session, make_user(session, "trainee"))
    admin = actor(session, make_user(session, "admin"))
    item = documents.request_document(session, trainee, kind="bonafide", details="visa", now=NOW)
    documents.decide_document_request(session, admin, request_id=item.id, approve=True, now=NOW)
    settings = Settings(public_base_url="https://portal.example.org")
    documents.complete_document_request(session, admin, request_id=item.id, now=NOW, settings=settings)
    other = actor(session, make_user(session, "trainee"))
    with pytest.raises(NotFoundError):
        documents.get_document_file(session, other, request_id=item.id, now=NOW)
    assert _events(session, "document_downloaded") == []
    name, _ = documents.get_document_file(session, trainee, request_id=item.id, now=NOW)
    [served] = _events(session, "document_downloaded")
    assert (served.actor_id, served.entity_id, served.details["file"]) == (trainee.id, str(item.id), name)  # type: ignore[index]


def test_a_backup_is_audited(committed_engine: Engine, tmp_path: Path) -> None:
    from core.config import Settings
    from jobs.backup import run_nightly_backup

    factory = make_session_factory(committed_engine)
    url = committed_engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, backup_dir=tmp_path / "backups", backup_keep=2)
    result = run_nightly_backup(factory, now=NOW, settings=settings)
    with factory() as session:
        [event] = _events(session, "backup_written" if result["file"] else "backup_skipped")
    assert event.actor_username == "system" and event.details["status"] == result["status"]  # type: ignore[index]
    if result["file"]:
        assert event.entity_id == Path(result["file"]).name and event.details["bytes"] == result["bytes"]  # type: ignore[index]
