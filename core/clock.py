"""The one place the edges read the wall clock (naive UTC, as stored)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Current time as naive UTC, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def local_date(now: datetime, timezone: str) -> date:
    """The calendar date of a naive-UTC `now` in `timezone` (its UTC date if the zone is unknown)."""
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        return now.date()
    return now.replace(tzinfo=UTC).astimezone(zone).date()
