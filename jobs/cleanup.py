"""weekly_cleanup: delete what is past retention (per-table settings); a dry run only counts."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from core.config import Settings, get_settings
from core.services.operations.retention import purge_expired
from core.services.reports.archive import remove_archived_files
from jobs.common import SessionFactory

log = logging.getLogger(__name__)


def run_weekly_cleanup(
    session_factory: SessionFactory, *, now: datetime, settings: Settings | None = None, dry_run: bool = False
) -> dict[str, Any]:
    """Purge expired notifications, report files, job runs, heartbeats and (very old) audit events."""
    settings = settings or get_settings()
    with session_factory.begin() as session:
        result = purge_expired(session, now=now, dry_run=dry_run)
    # Files go only after the rows are gone for good, so a rollback never leaves rows without files.
    files_removed = 0 if dry_run else remove_archived_files(settings.report_dir, result.files)
    counts: dict[str, Any] = {**result.counts, "report_files": len(result.files) if dry_run else files_removed}
    log.info("weekly_cleanup%s: %s (cutoffs %s)", " (dry run)" if dry_run else "", counts, result.cutoffs)
    return counts
