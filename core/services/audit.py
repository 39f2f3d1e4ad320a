"""The append-only audit trail: record events and read them back (admins)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.models import AuditEvent
from core.repositories import users as users_repo
from core.rules.values import Role
from core.services.access import authorize


def record_event(
    session: Session,
    *,
    actor: UserSummary | None,
    action: str,
    now: datetime,
    entity_type: str | None = None,
    entity_id: object | None = None,
    details: dict[str, Any] | None = None,
    actor_username: str | None = None,
) -> None:
    """Append one audit event (never updated or deleted by the application)."""
    session.add(
        AuditEvent(
            occurred_at=now,
            actor_id=actor.id if actor else None,
            actor_username=actor.username if actor else actor_username,
            action=action,
            entity_type=entity_type,
            entity_id=None if entity_id is None else str(entity_id),
            details=details,
        )
    )


def record_export(
    session: Session, actor: UserSummary, *, table: str, file_name: str, rows: int, now: datetime
) -> None:
    """A table downloaded from a page as CSV or Excel: every export of personal data is audited (issue 14 §5)."""
    record_event(
        session,
        actor=actor,
        action="table_exported",
        now=now,
        entity_type="table",
        entity_id=table,
        details={"file": file_name, "rows": rows},
    )


SHOWN_EVENTS = 5000  # what the audit page lists; its CSV download asks for all (limit=None)


def list_audit_events(
    session: Session,
    actor: UserSummary,
    *,
    actor_username: str | None = None,
    action: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int | None = SHOWN_EVENTS,
) -> pd.DataFrame:
    """Audit events, newest first, filtered by actor, action and inclusive date range (`limit` None: all).

    Raises:
        PermissionDeniedError: the actor is not an admin.
    """
    authorize(session, actor, Role.ADMIN)
    stmt = select(
        AuditEvent.occurred_at,
        AuditEvent.actor_id,
        AuditEvent.actor_username,
        AuditEvent.action,
        AuditEvent.entity_type,
        AuditEvent.entity_id,
        AuditEvent.details,
    )
    if actor_username:
        stmt = stmt.where(AuditEvent.actor_username == actor_username)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if start:
        stmt = stmt.where(AuditEvent.occurred_at >= datetime.combine(start, time.min))
    if end:
        stmt = stmt.where(AuditEvent.occurred_at < datetime.combine(end + timedelta(days=1), time.min))
    stmt = stmt.order_by(AuditEvent.id.desc())
    rows = session.execute(stmt if limit is None else stmt.limit(limit)).all()
    frame = pd.DataFrame(
        rows, columns=["occurred_at", "actor_id", "actor", "action", "entity_type", "entity_id", "details"]
    )
    names = users_repo.names_by_id(session, (int(i) for i in frame["actor_id"].dropna()))
    # People by name; the username (as recorded, also for a deleted or system actor) stays beside it.
    frame.insert(
        1,
        "name",
        [names.get(int(i), "") if pd.notna(i) else "" for i in frame["actor_id"]],
    )
    frame["name"] = [n or (a or "system") for n, a in zip(frame["name"], frame["actor"], strict=True)]
    frame = frame.drop(columns=["actor_id"])
    frame["details"] = frame["details"].map(lambda d: "" if d is None else _format_details(d))
    for column in ("actor", "entity_type", "entity_id"):
        frame[column] = frame[column].fillna("")
    return frame


def list_audit_actions(session: Session, actor: UserSummary) -> list[str]:
    """Distinct audit actions, for the filter.

    Raises:
        PermissionDeniedError: the actor is not an admin.
    """
    authorize(session, actor, Role.ADMIN)
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def _format_details(details: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in details.items())
