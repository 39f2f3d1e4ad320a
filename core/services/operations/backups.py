"""Database backups: SQLite's online backup API, or `pg_dump -Fc` on PostgreSQL; keep the last N."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from core.files import private_dir, private_file
from core.rules.values import JobRunStatus

log = logging.getLogger(__name__)

PREFIX = "portal-"
SUFFIXES = (".sqlite3", ".dump")


@dataclass(frozen=True)
class BackupResult:
    status: JobRunStatus  # success, or skipped when there is no way to back up this database
    path: str | None
    size_bytes: int
    removed: int
    message: str


@dataclass(frozen=True)
class BackupFile:
    name: str
    size_bytes: int
    modified_at: datetime


def backup_database(engine: Engine, *, backup_dir: Path, keep: int, now: datetime) -> BackupResult:
    """Write a consistent backup of the database into `backup_dir`, then keep only the newest `keep`.

    Raises:
        RuntimeError: pg_dump exists but failed (its error output is included).
    """
    private_dir(backup_dir)  # backups hold password hashes: 0700 directory, 0600 files
    stamp = now.strftime("%Y%m%dT%H%M%S")
    if engine.dialect.name == "sqlite":
        target = backup_dir / f"{PREFIX}{stamp}.sqlite3"
        _sqlite_backup(engine, target)
    elif engine.dialect.name == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            return BackupResult(
                JobRunStatus.SKIPPED,
                None,
                0,
                0,
                "skipped: pg_dump is not installed; back up PostgreSQL with your provider's tools",
            )
        target = backup_dir / f"{PREFIX}{stamp}.dump"
        _pg_dump(engine, pg_dump, target)
    else:
        return BackupResult(JobRunStatus.SKIPPED, None, 0, 0, f"skipped: no backup method for {engine.dialect.name}")
    removed = _prune(backup_dir, keep)
    size = target.stat().st_size
    return BackupResult(JobRunStatus.SUCCESS, str(target), size, removed, f"wrote {target.name} ({size:,} bytes)")


def list_backups(backup_dir: Path) -> list[BackupFile]:
    """Backups in `backup_dir`, newest first."""
    if not backup_dir.is_dir():
        return []
    files = [p for p in backup_dir.iterdir() if p.name.startswith(PREFIX) and p.suffix in SUFFIXES]
    return [
        BackupFile(p.name, p.stat().st_size, datetime.fromtimestamp(p.stat().st_mtime))
        for p in sorted(files, key=lambda p: p.name, reverse=True)
    ]


def _sqlite_backup(engine: Engine, target: Path) -> None:
    partial = target.with_suffix(".partial")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    private_file(partial)
    destination = sqlite3.connect(partial)
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        # The backup API copies a consistent snapshot while other connections keep writing.
        source.backup(destination)
    finally:
        destination.close()
        raw.close()
    private_file(partial)
    partial.replace(target)


def _pg_dump(engine: Engine, pg_dump: str, target: Path) -> None:
    url = engine.url
    env = {**os.environ, "PGPASSWORD": url.password or os.environ.get("PGPASSWORD", "")}
    command = [
        pg_dump,
        "-Fc",
        "--no-owner",
        "-f",
        str(target.with_suffix(".partial")),
        "-h",
        url.host or "localhost",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
        url.database or "postgres",
    ]
    os.close(os.open(target.with_suffix(".partial"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    private_file(target.with_suffix(".partial"))
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        target.with_suffix(".partial").unlink(missing_ok=True)
        raise RuntimeError(f"pg_dump failed ({done.returncode}): {done.stderr.strip()[:500]}")
    private_file(target.with_suffix(".partial"))
    target.with_suffix(".partial").replace(target)


def _prune(backup_dir: Path, keep: int) -> int:
    backups = list_backups(backup_dir)
    removed = 0
    for old in backups[keep:]:
        (backup_dir / old.name).unlink(missing_ok=True)
        removed += 1
    if removed:
        log.info("removed %d old backup(s) from %s", removed, backup_dir)
    return removed
