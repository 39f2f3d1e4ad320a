"""Runtime settings stored in the database (threshold, categories, retention...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.errors import InvalidInputError, NotFoundError
from core.models import Setting
from core.rules.settings import SETTING_SPECS, compute_setting_value
from core.services.access import authorize
from core.services.audit import record_event


def get_setting(session: Session, key: str) -> Any:
    """Return the stored value of `key`, or its default.

    Raises:
        NotFoundError: `key` is not a known setting.
    """
    if key not in SETTING_SPECS:
        raise NotFoundError(f"Unknown setting: {key}")
    row = session.get(Setting, key)
    return SETTING_SPECS[key].default if row is None else row.value


def get_all_settings(session: Session) -> dict[str, Any]:
    """Every known setting with its current value."""
    stored = {row.key: row.value for row in session.scalars(select(Setting))}
    return {key: stored.get(key, spec.default) for key, spec in SETTING_SPECS.items()}


def update_setting(session: Session, actor: UserSummary, *, key: str, value: Any, now: datetime) -> Any:
    """Validate and store a setting (admins), auditing old and new value.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: unknown key.
        InvalidInputError: the value is out of range.
    """
    authorize(session, actor, "admin")
    if key not in SETTING_SPECS:
        raise NotFoundError(f"Unknown setting: {key}")
    try:
        clean = compute_setting_value(key, value)
    except ValueError as exc:
        raise InvalidInputError(f"{SETTING_SPECS[key].description}: {exc}.") from None
    old = get_setting(session, key)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=clean, updated_at=now, updated_by_id=actor.id))
    else:
        row.value = clean
        row.updated_at = now
        row.updated_by_id = actor.id
    record_event(
        session,
        actor=actor,
        action="setting_updated",
        now=now,
        entity_type="setting",
        entity_id=key,
        details={"old": old, "new": clean},
    )
    session.flush()
    return clean
