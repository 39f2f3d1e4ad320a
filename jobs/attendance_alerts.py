"""attendance_alerts: announce the attendance levels trainees crossed this period, and the missing-attendance digest."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from core.clock import programme_date
from core.config import Settings, get_settings
from core.services.attendance.alerts import run_attendance_alerts
from core.services.attendance.monitor import send_missing_digest
from core.services.training.alerts import run_progress_alerts
from jobs.common import SessionFactory

log = logging.getLogger(__name__)


def run_attendance_alerts_job(
    session_factory: SessionFactory, *, now: datetime, settings: Settings | None = None
) -> dict[str, Any]:
    """One transaction: level crossings (each announced once), digests, and the admins' missing-attendance digest.

    Idempotent for a day: levels already announced are stored, and digests carry a per-day key.
    """
    settings = settings or get_settings()
    today = programme_date(now, settings.timezone)
    with session_factory.begin() as session:
        counts: dict[str, Any] = dict(run_attendance_alerts(session, now=now, today=today))
        counts["missing_attendance_departments"] = send_missing_digest(session, now=now, timezone=settings.timezone)
        # Issue 17: trainees behind on their logbook targets join the at-risk alerts.
        counts.update(run_progress_alerts(session, now=now, today=today))
    log.info("attendance_alerts: %s", counts)
    return counts
