"""Server-side sign-in sessions: the cookie carries a random id, this table says whether it still signs anyone in.

Sign-in starts a row; sign-out ends it; a password reset, deactivation or role change ends every row of
that user; rows expire after COOKIE_EXPIRY_DAYS and the weekly cleanup deletes them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.models import User, UserSession
from core.services.audit import record_event

# last_seen_at is refreshed at most this often, so every script run does not write.
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionItem:
    """One of a user's live sessions, as My account lists it."""

    id: int
    started_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    client: str | None
    current: bool


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start_session(
    session: Session, user_id: int, *, now: datetime, lifetime: timedelta, client: str | None = None
) -> str:
    """Record a new session for `user_id` and return its random id (to put in the signed cookie)."""
    session_id = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=_hash(session_id),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            client=(client or None) and client[:200],
        )
    )
    session.flush()
    return session_id


def resolve_session(session: Session, session_id: str, username: str, *, now: datetime) -> int | None:
    """The user id behind a live session of `username`, or None (ended, expired, unknown, other user, inactive)."""
    row = session.execute(
        select(UserSession, User.username, User.is_active)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == _hash(session_id))
    ).one_or_none()
    if row is None:
        return None
    record, owner, active = row
    if record.ended_at is not None or record.expires_at <= now or owner != username or not active:
        return None
    if now - record.last_seen_at >= SEEN_EVERY:
        record.last_seen_at = now
        session.flush()
    return record.user_id


def end_session(session: Session, actor: UserSummary | None, session_id: str, *, now: datetime) -> bool:
    """Sign-out: end this one session (audited). False when it was not live."""
    ended = session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _hash(session_id), UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason="sign_out")
        .execution_options(synchronize_session=False)
    )
    record_event(session, actor=actor, action="sign_out", now=now, entity_type="user", entity_id=actor and actor.id)
    return bool(ended.rowcount)  # type: ignore[attr-defined]


def end_all_sessions(
    session: Session, user_id: int, *, reason: str, now: datetime, actor: UserSummary | None = None
) -> int:
    """End every live session of `user_id` (audited when any ended); returns how many ended."""
    ended = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None), UserSession.expires_at > now)
        .values(ended_at=now, ended_reason=reason[:40])
        .execution_options(synchronize_session=False)
    )
    count = int(ended.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        record_event(
            session,
            actor=actor,
            actor_username=None if actor else "system",
            action="sessions_revoked",
            now=now,
            entity_type="user",
            entity_id=user_id,
            details={"reason": reason, "sessions": count},
        )
    return count


def sign_out_everywhere(session: Session, actor: UserSummary, *, now: datetime) -> int:
    """End every session of the actor, this one included; returns how many ended."""
    if actor.id is None:
        return 0
    return end_all_sessions(session, actor.id, reason="sign_out_everywhere", now=now, actor=actor)


def list_active_sessions(
    session: Session, actor: UserSummary, *, now: datetime, current: str | None = None
) -> list[SessionItem]:
    """The actor's own live sessions, newest first (`current` marks this browser's)."""
    current_hash = _hash(current) if current else None
    rows = session.scalars(
        select(UserSession)
        .where(UserSession.user_id == actor.id, UserSession.ended_at.is_(None), UserSession.expires_at > now)
        .order_by(UserSession.created_at.desc(), UserSession.id.desc())
    )
    return [
        SessionItem(r.id, r.created_at, r.last_seen_at, r.expires_at, r.client, r.token_hash == current_hash)
        for r in rows
    ]


def purge_sessions_condition(now: datetime) -> ColumnElement[bool]:
    """Sessions the weekly cleanup deletes: expired, or ended."""
    return or_(UserSession.expires_at <= now, UserSession.ended_at.is_not(None))


def delete_expired_sessions(session: Session, *, now: datetime) -> int:
    """Delete expired and ended sessions; returns how many."""
    result = session.execute(
        delete(UserSession).where(purge_sessions_condition(now)).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
