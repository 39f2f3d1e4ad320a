"""Audit retention: never under 7 years (setting, cleanup), and on PostgreSQL a trigger guards the table."""

from datetime import timedelta

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
