"""Settings, notifications, audit listing and the demo data set."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.demo.seed import seed_demo
from core.errors import InvalidInputError, NotFoundError
from core.models import AttendanceRecord, AuditEvent, Department, LogbookEntry, Setting, User
from core.services import audit as audit_service
from core.services import notifications as notification_service
from core.services import settings as settings_service
from core.services.auth import check_sign_in
from tests.factories import NOW, actor, make_user


def test_threshold_defaults_to_75_and_an_admin_can_change_it_with_audit(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    assert settings_service.get_setting(session, "attendance_threshold") == 75.0
    settings_service.update_setting(session, admin, key="attendance_threshold", value="80", now=NOW)
    assert settings_service.get_setting(session, "attendance_threshold") == 80.0
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "setting_updated")).one()
    assert event.details == {"old": 75.0, "new": 80.0}


def test_bad_setting_value_is_refused_and_nothing_is_stored(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    with pytest.raises(InvalidInputError, match="between 0 and 100"):
        settings_service.update_setting(session, admin, key="attendance_threshold", value=101, now=NOW)
    with pytest.raises(NotFoundError):
        settings_service.update_setting(session, admin, key="no_such_key", value=1, now=NOW)
    assert session.get(Setting, "attendance_threshold") is None


def test_notifications_are_private_counted_and_deduplicated(session: Session) -> None:
    alice, bob = make_user(session, "trainee"), make_user(session, "trainee")
    assert notification_service.notify(session, user_id=alice.id, kind="k", title="one", now=NOW)
    assert notification_service.notify(session, user_id=alice.id, kind="k", title="two", now=NOW, dedupe_key="d1")
    assert not notification_service.notify(session, user_id=alice.id, kind="k", title="again", now=NOW, dedupe_key="d1")
    a, b = actor(session, alice), actor(session, bob)
    assert notification_service.count_unread(session, a) == 2
    assert notification_service.list_notifications(session, b) == []
    assert notification_service.mark_read(session, b, ids=None, now=NOW) == 0
    assert notification_service.mark_read(session, a, ids=None, now=NOW) == 2
    assert notification_service.count_unread(session, a) == 0


def test_audit_log_filters_by_actor_action_and_inclusive_dates(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    other = actor(session, make_user(session, "leadership"))
    audit_service.record_event(session, actor=admin, action="x_test", now=NOW)
    audit_service.record_event(session, actor=other, action="x_test", now=NOW - timedelta(days=3))
    audit_service.record_event(session, actor=other, action="y_test", now=NOW)
    session.flush()
    frame = audit_service.list_audit_events(session, admin, action="x_test")
    assert sorted(frame["actor"]) == sorted([admin.username, other.username])
    frame = audit_service.list_audit_events(
        session, admin, actor_username=other.username, start=NOW.date(), end=NOW.date()
    )
    assert list(frame["action"]) == ["y_test"]
    frame = audit_service.list_audit_events(
        session, admin, action="x_test", start=NOW.date() - timedelta(days=3), end=NOW.date() - timedelta(days=3)
    )
    assert list(frame["actor"]) == [other.username]


def test_demo_data_is_realistic_reproducible_and_loaded_once(session: Session) -> None:
    report = seed_demo(session, password="demo-portal-2026", now=NOW)
    assert report.created
    count = lambda model, *where: session.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
    assert count(Department) == 6
    assert count(User, User.role == "supervisor") == 12
    assert count(User, User.role == "trainee") == 150
    statuses = set(session.scalars(select(LogbookEntry.status).distinct()))
    assert statuses == {"draft", "pending", "approved", "returned", "rejected"}
    first_day = session.scalar(select(func.min(AttendanceRecord.session_date)))
    assert NOW.date() - first_day >= timedelta(days=360) and first_day >= date(NOW.year - 1, 1, 1)
    for username in ("admin", "supervisor", "leadership", "trainee"):
        assert check_sign_in(session, username=username, password="demo-portal-2026", now=NOW)
    trainee = session.scalars(select(User).where(User.username == "trainee")).one()
    assert trainee.supervisor.username == "supervisor"
    assert not seed_demo(session, password="demo-portal-2026", now=NOW).created
    assert count(User, User.role == "trainee") == 150
