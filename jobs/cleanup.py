"""weekly_cleanup: delete what is past retention (per-table settings); a dry run only counts."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from core.config import Settings
from core.services.operations.retention import purge_expired
from jobs.common import SessionFactory

log = logging.getLogger(__name__)


def run_weekly_cleanup(
    session_factory: SessionFactory, *, now: datetime, settings: Settings | None = None, dry_run: bool = False
) -> dict[str, Any]:
    """Purge expired notifications, report files, job runs, heartbeats and (very old) audit events."""
    with session_factory.begin() as session:
        # Report files are rows too (stored_files): they go in the same transaction as their archive rows.
        result = purge_expired(session, now=now, dry_run=dry_run)
    counts: dict[str, Any] = dict(result.counts)
    log.info("weekly_cleanup%s: %s (cutoffs %s)", " (dry run)" if dry_run else "", counts, result.cutoffs)
    return counts
