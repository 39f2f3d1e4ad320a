"""Settings updates through their one entry point, update_settings: validate all, write the changed, audit each."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dto import SettingChange, SettingsUpdate, UserSummary
from core.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from core.models import AuditEvent, Setting
from core.services import settings as settings_service
from tests.factories import NOW, actor, make_user


@pytest.fixture
def admin(session: Session) -> UserSummary:
    return actor(session, make_user(session, "admin"))


def _form(session: Session, **typed: str) -> SettingsUpdate:
    """Every setting as the form shows it, with `typed` typed over some of them."""
    shown = {
        key: settings_service.setting_text(value) for key, value in settings_service.get_all_settings(session).items()
    }
    return SettingsUpdate(shown | typed)


def _stored(session: Session) -> dict[str, object]:
    return {row.key: row.value for row in session.scalars(select(Setting))}


def _audited(session: Session) -> list[tuple[str | None, object]]:
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "setting_updated").order_by(AuditEvent.id))
    return [(e.entity_id, e.details) for e in events]


def test_one_invalid_value_writes_nothing_at_all(session: Session, admin: UserSummary) -> None:
    request = _form(session, attendance_threshold="80", upload_max_mb="0", logbook_categories="case, audit")
    with pytest.raises(InvalidInputError) as refused:
        settings_service.update_settings(session, admin, request, now=NOW)
    assert refused.value.message == "Largest attendance upload, in MB: must be between 1 and 500."
    assert _stored(session) == {} and _audited(session) == []
    assert settings_service.get_setting(session, "attendance_threshold") == 75.0


def test_every_invalid_value_is_listed(session: Session, admin: UserSummary) -> None:
    request = _form(session, attendance_threshold="101", upload_max_mb="lots", retention_audit_days="30")
    with pytest.raises(InvalidInputError) as refused:
        settings_service.update_settings(session, admin, request, now=NOW)
    assert refused.value.message == "3 settings are not valid; nothing was saved."
    assert refused.value.errors == [
        "Attendance % needed for exam eligibility (0–100): must be between 0 and 100.",
        "Largest attendance upload, in MB: must be a whole number between 1 and 500.",
        "Days to keep audit events (at least 7 years): must be at least 2557 days (7 years): "
        "the audit trail is kept for 7 years.",
    ]
    assert _stored(session) == {}


def test_only_changed_settings_are_written_and_audited_and_returned(session: Session, admin: UserSummary) -> None:
    request = _form(session, attendance_threshold="80", logbook_categories="Case, Audit", upload_max_mb=" 50 ")
    changes = settings_service.update_settings(session, admin, request, now=NOW)
    # " 50 " validates to the stored 50: typed differently, but not a change.
    assert changes == (
        SettingChange("attendance_threshold", 75.0, 80.0),
        SettingChange("logbook_categories", ["case", "procedure", "teaching", "other"], ["Case", "Audit"]),
    )
    assert _stored(session) == {"attendance_threshold": 80.0, "logbook_categories": ["Case", "Audit"]}
    assert _audited(session) == [
        ("attendance_threshold", {"old": 75.0, "new": 80.0}),
        ("logbook_categories", {"old": ["case", "procedure", "teaching", "other"], "new": ["Case", "Audit"]}),
    ]
    row = session.get(Setting, "attendance_threshold")
    assert row is not None and (row.updated_at, row.updated_by_id) == (NOW, admin.id)
    assert settings_service.update_settings(session, admin, _form(session), now=NOW) == ()  # the form as shown
    assert len(_audited(session)) == 2


def test_unknown_keys_and_non_admins_are_refused_before_anything_is_written(
    session: Session, admin: UserSummary
) -> None:
    with pytest.raises(NotFoundError, match="no_such_key"):
        settings_service.update_settings(
            session, admin, SettingsUpdate({"attendance_threshold": 80, "no_such_key": 1}), now=NOW
        )
    leadership = actor(session, make_user(session, "leadership"))
    with pytest.raises(PermissionDeniedError):
        settings_service.update_settings(session, leadership, SettingsUpdate({"attendance_threshold": 80}), now=NOW)
    assert _stored(session) == {} and _audited(session) == []


def test_update_setting_is_the_same_entry_point_for_one_key(session: Session, admin: UserSummary) -> None:
    assert settings_service.update_setting(session, admin, key="verify_token_hours", value="12", now=NOW) == 12
    assert settings_service.update_setting(session, admin, key="verify_token_hours", value=12, now=NOW) == 12
    assert _audited(session) == [("verify_token_hours", {"old": 48, "new": 12})]  # the second was no change
