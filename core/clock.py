"""The one clock: the only place the portal reads the wall clock.

`utcnow()` is the instant (naive UTC, the form every timestamp column stores) and `today()` is
the programme's calendar date in `TIMEZONE`. Nothing else calls `date.today()` or
`datetime.now()`.

Tests (and demos) can move the clock in one place: `PORTAL_TODAY=YYYY-MM-DD` in the environment
shifts every reading by whole days so that the programme's today is that date, while the time of
day keeps running. It is refused in production, where the wall clock is the only truth.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from core.config import get_settings

TODAY_OVERRIDE_ENV = "PORTAL_TODAY"


def _wall_clock() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _zone(timezone: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(timezone)
    except (KeyError, ValueError):
        return None


def local_date(now: datetime, timezone: str) -> date:
    """The calendar date of a naive-UTC `now` in `timezone` (its UTC date if the zone is unknown)."""
    zone = _zone(timezone)
    if zone is None:
        return now.date()
    return now.replace(tzinfo=UTC).astimezone(zone).date()


@lru_cache(maxsize=8)
def _offset(override: str, timezone: str) -> timedelta:
    """Whole days between the wall clock's programme date and the overriding date."""
    wanted = date.fromisoformat(override)
    return _days_to(wanted, _wall_clock(), timezone)


def _days_to(day: date, now: datetime, timezone: str) -> timedelta:
    return timedelta(days=(day - local_date(now, timezone)).days)


def _timezone() -> str:
    return get_settings().timezone


def utcnow() -> datetime:
    """Current time as naive UTC, the form every timestamp column stores."""
    now = _wall_clock()
    override = os.environ.get(TODAY_OVERRIDE_ENV)
    if override:
        # Checked on every reading, before the settings are read (a production configuration may
        # not even load) and outside the cache (an offset cached earlier must not get through).
        if os.environ.get("PORTAL_ENV") == "production":
            raise RuntimeError(f"{TODAY_OVERRIDE_ENV} is for tests and demos; unset it in production")
        now += _offset(override, _timezone())
    return now


def today(timezone: str | None = None) -> date:
    """The programme's calendar date now (in `timezone`, by default the `TIMEZONE` setting)."""
    return local_date(utcnow(), timezone or _timezone())


def programme_date(now: datetime, timezone: str | None = None) -> date:
    """The programme's calendar date at the naive-UTC instant `now`."""
    return local_date(now, timezone or _timezone())


def programme_time(moment: datetime, timezone: str | None = None) -> datetime:
    """The naive-UTC instant `moment` as the programme's wall-clock time (naive, in `TIMEZONE`)."""
    zone = _zone(timezone or _timezone())
    if zone is None:
        return moment
    return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def at_programme_date(day: date, now: datetime, timezone: str | None = None) -> datetime:
    """`now` moved by whole days so that its programme date is `day` (its UTC time of day kept).

    This is what "run as if today were `day`" means for a job or the CLI: the result is still a
    naive-UTC instant, and `programme_date()` of it is `day`.
    """
    zone = timezone or _timezone()
    shifted = now + _days_to(day, now, zone)
    return shifted + _days_to(day, shifted, zone)  # a DST change on the way can move the local date by one
