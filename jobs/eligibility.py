"""monthly_eligibility: snapshot the previous month's eligibility for every active trainee (idempotent)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from core.calendar import previous_month
from core.clock import programme_date
from core.config import Settings, get_settings
from core.dto import SYSTEM_ACTOR
from core.services.attendance import eligibility as eligibility_service
from jobs.common import SessionFactory

log = logging.getLogger(__name__)


def previous_month_label(now: datetime, timezone: str) -> str:
    """`YYYY-MM` of the month before the programme-local date at `now`."""
    return previous_month(programme_date(now, timezone)).label


def run_monthly_eligibility(
    session_factory: SessionFactory, *, now: datetime, settings: Settings | None = None
) -> dict[str, Any]:
    """One snapshot per active trainee for last month; a re-run updates the same rows in place."""
    settings = settings or get_settings()
    period = previous_month_label(now, settings.timezone)
    with session_factory.begin() as session:
        result = eligibility_service.snapshot_period(session, SYSTEM_ACTOR, period=period, now=now)
        warned = eligibility_service.warn_at_risk_trainees(session, period=period, now=now)
    counts = {"period": period, **dict(result), "at_risk_warned": warned}
    log.info("monthly_eligibility: %s", counts)
    return counts
