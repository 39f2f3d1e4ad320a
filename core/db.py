"""Engine and session factory construction; the caller owns every transaction."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.files import private_dir, private_file


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the web app read while the scheduler or an import writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _private_sqlite(path: Path) -> None:
    """The database file holds password hashes: 0600 (with its WAL and shared-memory files), in a 0700 directory if new."""
    if not path.parent.exists():
        private_dir(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        private_file(part)


def make_engine(settings: Settings | str) -> Engine:
    """Build an engine for the settings' DATABASE_URL (or a URL given directly)."""
    url = settings if isinstance(settings, str) else settings.database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        on_disk = bool(path) and path != ":memory:" and not path.startswith("file:")
        if on_disk:
            _private_sqlite(Path(path))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        if on_disk:
            # SQLite creates the file (and its -wal/-shm) with the umask's mode; tighten them once connected.
            event.listen(engine, "connect", lambda *_: _private_sqlite(Path(path)))
        return engine
    # libpq TCP keepalives: a client notices a vanished server (or a dead network path) within ~10 s.
    keepalives = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3}
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args=keepalives)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a sessionmaker whose objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)
