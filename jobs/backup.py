"""nightly_backup: a consistent copy of the database in BACKUP_DIR, keeping the last BACKUP_KEEP."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from core.config import Settings, get_settings
from core.services.audit import record_event
from core.services.operations.backups import backup_database
from jobs.common import SessionFactory, engine_of

log = logging.getLogger(__name__)


def run_nightly_backup(
    session_factory: SessionFactory, *, now: datetime, settings: Settings | None = None
) -> dict[str, Any]:
    """SQLite: the backup API; PostgreSQL: pg_dump -Fc (or a 'skipped' status without pg_dump)."""
    settings = settings or get_settings()
    result = backup_database(
        engine_of(session_factory), backup_dir=settings.backup_dir, keep=settings.backup_keep, now=now
    )
    log.info("nightly_backup: %s", result.message)
    with session_factory.begin() as session:  # a backup holds every record: its writing is audited
        record_event(
            session,
            actor=None,
            actor_username="system",
            action="backup_written" if result.path else "backup_skipped",
            now=now,
            entity_type="backup",
            entity_id=Path(result.path).name if result.path else None,
            details={"status": str(result.status), "bytes": result.size_bytes, "removed_old": result.removed},
        )
    return {
        "status": result.status,
        "file": result.path or "",
        "bytes": result.size_bytes,
        "removed_old": result.removed,
        "message": result.message,
    }
