"""The scheduled jobs' names and the syntax of schedule overrides (pure).

An override text is `job=WHEN; job=WHEN`, where WHEN is a 5-field crontab in the programme's
timezone (`0 9 * * mon-fri`) or an interval (`every 30s`, `every 5m`, `every 12h`).
"""

from __future__ import annotations

import re

JOB_NAMES = (
    "monthly_eligibility",
    "weekly_leadership_pack",
    "daily_reminders",
    "weekly_cleanup",
    "nightly_backup",
    "heartbeat",
    "send_outbox",
    "attendance_alerts",
)

_INTERVAL = re.compile(r"^every\s+(\d+)\s*([smhd])$", re.IGNORECASE)
_CRON_FIELD = re.compile(r"^[0-9a-z*/,\-?]+$", re.IGNORECASE)
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def compute_interval_seconds(when: str) -> int | None:
    """Seconds of an `every N<unit>` spec; None when `when` is not an interval."""
    match = _INTERVAL.match(when.strip())
    if not match:
        return None
    return int(match[1]) * UNIT_SECONDS[match[2].lower()]


def compute_schedule_overrides(text: object) -> dict[str, str]:
    """Parse override text into {job: when}.

    Raises:
        ValueError: unknown job, repeated job, or a WHEN that is neither a crontab nor an interval.
    """
    overrides: dict[str, str] = {}
    for part in str(text or "").replace("\n", ";").split(";"):
        if not part.strip():
            continue
        name, sep, when = part.partition("=")
        name, when = name.strip().lower(), " ".join(when.split())
        if not sep or not when:
            raise ValueError(f"'{part.strip()}' must look like job=WHEN")
        if name not in JOB_NAMES:
            raise ValueError(f"unknown job '{name}' (jobs: {', '.join(JOB_NAMES)})")
        if name in overrides:
            raise ValueError(f"'{name}' is given twice")
        seconds = compute_interval_seconds(when)
        if seconds is not None:
            if seconds < 1:
                raise ValueError(f"'{name}': the interval must be at least 1 second")
            overrides[name] = when.lower()
            continue
        fields = when.split(" ")
        if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
            raise ValueError(
                f"'{name}={when}' is neither a 5-field crontab (minute hour day month weekday) nor 'every N[s|m|h|d]'"
            )
        overrides[name] = when.lower()
    return overrides


def compute_schedule_override_text(value: object) -> str:
    """Validate override text and return it normalised (the stored form of the setting)."""
    return "; ".join(f"{name}={when}" for name, when in compute_schedule_overrides(value).items())
