"""Leader election so that only one sidecar runs jobs, however many are started.

PostgreSQL: a session-level advisory lock on a dedicated connection; it is released when the
process dies (the connection closes), and a standby polling for it takes over.
SQLite: an exclusive `flock` on a file next to the database, also released when the process dies.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, text

log = logging.getLogger("jobs.leader")

# Two 32-bit keys (classid, objid) so that pg_locks shows exactly which lock this is.
LOCK_KEYS = (70_707, 1)


class LeaderLock(Protocol):
    description: str

    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class PostgresAdvisoryLock:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self.description = f"PostgreSQL advisory lock {LOCK_KEYS}"

    def try_acquire(self) -> bool:
        try:
            if self._connection is None:
                self._connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = self._connection.execute(
                text("SELECT pg_try_advisory_lock(:a, :b)"), {"a": LOCK_KEYS[0], "b": LOCK_KEYS[1]}
            ).scalar()
        except Exception:  # noqa: BLE001 - a database outage means "not leader", retried by the caller
            log.exception("could not ask for the scheduler lock")
            self._drop_connection()
            return False
        return bool(got)

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            held = self._connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                    "AND classid = :a AND objid = :b AND granted"
                ),
                {"a": LOCK_KEYS[0], "b": LOCK_KEYS[1]},
            ).scalar()
        except Exception:  # noqa: BLE001 - a lost connection means a lost lock
            log.exception("could not confirm the scheduler lock")
            return False
        return bool(held)

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:a, :b)"), {"a": LOCK_KEYS[0], "b": LOCK_KEYS[1]}
                )
            except Exception:  # noqa: BLE001 - closing the connection releases it anyway
                log.warning("could not unlock explicitly; closing the connection releases the lock")
            self._drop_connection()

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # noqa: BLE001 - already broken
                log.debug("lock connection already closed")
            self._connection = None


class FileLock:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None
        self.description = f"lock file {path}"

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def make_leader_lock(engine: Engine) -> LeaderLock:
    """The right lock for the database behind `engine`."""
    if engine.dialect.name == "postgresql":
        return PostgresAdvisoryLock(engine)
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("the scheduler needs a file or server database, not an in-memory one")
    return FileLock(Path(database).with_name(Path(database).name + ".scheduler.lock"))
