"""The in-app inbox every role has."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.dto import NotificationItem, UserSummary
from core.models import Notification, User
from core.rules.access import ALL_ROLES
from core.rules.values import NotificationKind, Role
from core.services.access import authorize
from core.services.outbox import queue_event_mails


def notify(
    session: Session,
    *,
    user_id: int,
    kind: NotificationKind,
    title: str,
    now: datetime,
    body: str | None = None,
    link: str | None = None,
    dedupe_key: str | None = None,
) -> bool:
    """Queue one notification; with `dedupe_key`, at most one ever exists. Returns True if added."""
    if dedupe_key is not None:
        exists = session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key))
        if exists is not None:
            return False
    session.add(
        Notification(
            user_id=user_id,
            kind=kind,
            title=title,
            body=body,
            link=link,
            created_at=now,
            dedupe_key=dedupe_key,
        )
    )
    session.flush()
    # Its e-mail twin, when the user wants this kind by e-mail: queued in the same transaction.
    queue_event_mails(session, [(user_id, kind, title, body, link)], now=now)
    return True


def notify_role(
    session: Session,
    role: Role,
    *,
    kind: NotificationKind,
    title: str,
    now: datetime,
    body: str | None = None,
    link: str | None = None,
    dedupe_prefix: str | None = None,
) -> int:
    """Notify every active user with `role` (at most once per `dedupe_prefix` each); returns how many were added."""
    ids = session.scalars(select(User.id).where(User.role == role, User.is_active.is_(True)).order_by(User.id))
    return sum(
        notify(
            session,
            user_id=user_id,
            kind=kind,
            title=title,
            body=body,
            link=link,
            now=now,
            dedupe_key=f"{dedupe_prefix}:{user_id}" if dedupe_prefix else None,
        )
        for user_id in list(ids)
    )


def count_unread(session: Session, actor: UserSummary) -> int:
    """How many of the actor's notifications are unread."""
    if actor.id is None:
        return 0
    return int(
        session.scalar(select(func.count()).where(Notification.user_id == actor.id, Notification.read_at.is_(None)))
        or 0
    )


def list_notifications(session: Session, actor: UserSummary, *, limit: int = 200) -> list[NotificationItem]:
    """The actor's own notifications, newest first."""
    authorize(session, actor, *ALL_ROLES)
    rows = session.scalars(
        select(Notification)
        .where(Notification.user_id == actor.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return [
        NotificationItem(
            id=n.id,
            created_at=n.created_at,
            kind=n.kind,
            title=n.title,
            body=n.body,
            link=n.link,
            read=n.read_at is not None,
        )
        for n in rows
    ]


def mark_read(session: Session, actor: UserSummary, *, ids: list[int] | None, now: datetime) -> int:
    """Mark the actor's notifications read (all of them when `ids` is None); returns the count."""
    authorize(session, actor, *ALL_ROLES)
    stmt = update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    result = session.execute(stmt.values(read_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
