"""Helpers shared by the job functions: the session factory type and the engine behind it.

A job's programme-local date is `core.clock.programme_date(now, settings.timezone)`.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

SessionFactory = sessionmaker[Session]


def engine_of(session_factory: SessionFactory) -> Engine:
    """The engine a sessionmaker is bound to."""
    bind = session_factory.kw.get("bind")
    if not isinstance(bind, Engine):
        raise TypeError("the session factory is not bound to an engine")
    return bind
