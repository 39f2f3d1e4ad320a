"""Helpers shared by CLI commands: the engine, the session factory and the acting user."""

from __future__ import annotations

import sys

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.db import make_engine, make_session_factory
from core.dto import UserSummary
from core.errors import NotFoundError
from core.services.auth import get_signed_in_user


def engine_for(settings: Settings) -> Engine:
    return make_engine(settings)


def session_factory_for(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(engine_for(settings))


def acting_user(session: Session, username: str) -> UserSummary:
    """The active user named by `--as`.

    Raises:
        NotFoundError: no active user with that username.
    """
    user = get_signed_in_user(session, username)
    if user is None:
        raise NotFoundError(f"No active user '{username}' (given with --as).")
    return user


def write_bytes(content: bytes) -> None:
    """Write a file's exact bytes (a CSV with its BOM) to standard output."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (some test captures): the same characters
        sys.stdout.write(content.decode("utf-8"))
        return
    buffer.write(content)
    buffer.flush()
