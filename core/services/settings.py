"""Runtime settings stored in the database (threshold, categories, retention...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import get_settings
from core.dto import SettingChange, SettingsUpdate, UserSummary
from core.errors import InvalidInputError, NotFoundError
from core.models import Setting
from core.rules.settings import SETTING_SPECS, compute_setting_value
from core.rules.values import Role
from core.services.access import authorize
from core.services.audit import record_event


def _default(key: str) -> Any:
    """A setting's default: the environment's value where there is one (UPLOAD_MAX_MB), else the built-in one."""
    if key == "upload_max_mb":
        return get_settings().upload_max_mb
    return SETTING_SPECS[key].default


def get_setting(session: Session, key: str) -> Any:
    """Return the stored value of `key`, or its default (for upload_max_mb: the UPLOAD_MAX_MB environment variable).

    Raises:
        NotFoundError: `key` is not a known setting.
    """
    if key not in SETTING_SPECS:
        raise NotFoundError(f"Unknown setting: {key}")
    row = session.get(Setting, key)
    return _default(key) if row is None else row.value


def get_settings_of(session: Session, *keys: str) -> dict[str, Any]:
    """The stored value (or default) of each of `keys`, in one query.

    Raises:
        NotFoundError: a key is not a known setting.
    """
    unknown = [key for key in keys if key not in SETTING_SPECS]
    if unknown:
        raise NotFoundError(f"Unknown setting: {unknown[0]}")
    stored = {row.key: row.value for row in session.scalars(select(Setting).where(Setting.key.in_(keys)))}
    return {key: stored[key] if key in stored else _default(key) for key in keys}


def get_all_settings(session: Session) -> dict[str, Any]:
    """Every known setting with its current value."""
    stored = {row.key: row.value for row in session.scalars(select(Setting))}
    return {key: stored.get(key, _default(key)) for key in SETTING_SPECS}


def setting_text(value: object) -> str:
    """A setting's value as the settings form shows it (lists as comma-separated labels)."""
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def update_settings(
    session: Session, actor: UserSummary, changes: SettingsUpdate, *, now: datetime
) -> tuple[SettingChange, ...]:
    """Validate every new value first, then store and audit only the settings that change (admins).

    All or nothing: one invalid value and nothing is stored. A value given as the same text the form
    shows, or that validates to the stored value, is not a change (no write, no audit event).

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: an unknown key.
        InvalidInputError: one or more values out of range (every problem is listed).
    """
    authorize(session, actor, Role.ADMIN)
    unknown = sorted(key for key in changes.values if key not in SETTING_SPECS)
    if unknown:
        raise NotFoundError(f"Unknown setting: {', '.join(unknown)}")
    stored = get_all_settings(session)
    pending: list[SettingChange] = []
    problems: list[str] = []
    for key, value in changes.values.items():
        old = stored[key]
        if isinstance(value, str) and value == setting_text(old):
            continue
        try:
            clean = compute_setting_value(key, value)
        except ValueError as exc:
            problems.append(f"{SETTING_SPECS[key].description}: {exc}.")
            continue
        if clean != old:
            pending.append(SettingChange(key=key, old=old, new=clean))
    if problems:
        if len(problems) == 1:
            raise InvalidInputError(problems[0])
        raise InvalidInputError(f"{len(problems)} settings are not valid; nothing was saved.", errors=problems)
    for change in pending:
        _store(session, actor, change, now=now)
    session.flush()
    if any(change.key == "leave_types" for change in pending):
        # The attendance roll-up leaves out excluded leave: recompute the months with approved leave.
        from core.services.attendance.leave import refresh_leave_months

        refresh_leave_months(session)
    return tuple(pending)


def update_setting(session: Session, actor: UserSummary, *, key: str, value: Any, now: datetime) -> Any:
    """Validate and store one setting (admins) through `update_settings`; returns its value now.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: unknown key.
        InvalidInputError: the value is out of range.
    """
    update_settings(session, actor, SettingsUpdate({key: value}), now=now)
    return get_setting(session, key)


def _store(session: Session, actor: UserSummary, change: SettingChange, *, now: datetime) -> None:
    row = session.get(Setting, change.key)
    if row is None:
        session.add(Setting(key=change.key, value=change.new, updated_at=now, updated_by_id=actor.id))
    else:
        row.value = change.new
        row.updated_at = now
        row.updated_by_id = actor.id
    record_event(
        session,
        actor=actor,
        action="setting_updated",
        now=now,
        entity_type="setting",
        entity_id=change.key,
        details={"old": change.old, "new": change.new},
    )
