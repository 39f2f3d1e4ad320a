"""daily_reminders: supervisor digests (>7 days pending) and admin escalations (>14 days)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from core.clock import programme_date
from core.config import Settings, get_settings
from core.services.logbook.reminders import send_pending_reminders
from jobs.common import SessionFactory

log = logging.getLogger(__name__)


def run_daily_reminders(
    session_factory: SessionFactory, *, now: datetime, settings: Settings | None = None
) -> dict[str, Any]:
    """Send today's reminders once (a second run the same day sends nothing).

    Their e-mails are queued in the outbox in the same transaction and sent by send_outbox, which
    retries until the server accepts them: a failed SMTP day is no longer a lost reminder.
    """
    settings = settings or get_settings()
    with session_factory.begin() as session:
        result = send_pending_reminders(session, now=now, day=programme_date(now, settings.timezone))
    counts = {
        "digests": result.digests,
        "escalations": result.escalations,
        "already_sent_today": result.already_sent,
        "pending_over_7_days": result.pending_over_7_days,
        "pending_over_14_days": result.pending_over_14_days,
    }
    log.info("daily_reminders: %s", counts)
    return counts
