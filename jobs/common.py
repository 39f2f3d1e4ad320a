"""Helpers shared by the job functions: programme-local dates and the engine behind a factory."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

SessionFactory = sessionmaker[Session]


def programme_today(now: datetime, timezone: str) -> date:
    """The programme-local calendar date at `now` (naive UTC)."""
    return now.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).date()


def engine_of(session_factory: SessionFactory) -> Engine:
    """The engine a sessionmaker is bound to."""
    bind = session_factory.kw.get("bind")
    if not isinstance(bind, Engine):
        raise TypeError("the session factory is not bound to an engine")
    return bind
