"""The whole schedule in one table, overridable by the `job_schedule` setting.

Times are in the programme's timezone (TIMEZONE, default UTC). Every job is registered with a
stable id, max_instances=1 and coalesce=True (missed runs collapse into one catch-up run).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.config import Settings
from core.rules.schedule import compute_interval_seconds, compute_schedule_overrides
from core.services.settings import get_setting
from jobs.common import SessionFactory

log = logging.getLogger("jobs.schedule")

# Stored by reference in the job store, so a restarted sidecar finds the same callable.
ENTRY_POINT = "jobs.sidecar:run_scheduled"


@dataclass(frozen=True)
class ScheduledJob:
    id: str
    when: str  # a crontab (minute hour day month weekday) or "every N[s|m|h|d]"
    description: str
    # How late a missed run may still start (None: however late). Catch-up runs are coalesced.
    misfire_grace_seconds: int | None


SCHEDULE: tuple[ScheduledJob, ...] = (
    ScheduledJob("monthly_eligibility", "0 1 1 * *", "1st of the month 01:00: snapshot last month's eligibility", None),
    ScheduledJob(
        "weekly_leadership_pack",
        "0 7 * * mon",
        "Monday 07:00: leadership pack into the archive (and e-mail)",
        12 * 3600,
    ),
    ScheduledJob(
        "daily_reminders", "0 8 * * *", "Daily 08:00: supervisor digests (>7 days) and escalations (>14 days)", 8 * 3600
    ),
    ScheduledJob("weekly_cleanup", "0 3 * * sun", "Sunday 03:00: delete what is past retention", None),
    ScheduledJob("nightly_backup", "0 2 * * *", "Nightly 02:00: database backup, keep the last BACKUP_KEEP", 12 * 3600),
    ScheduledJob("heartbeat", "every 1m", "Every minute: scheduler heartbeat", 30),
    ScheduledJob("send_outbox", "every 1m", "Every minute: send queued e-mails, retry failures with backoff", 60),
    ScheduledJob(
        "attendance_alerts",
        "0 6 * * mon",
        "Monday 06:00: attendance levels crossed (trainees, supervisor and admin digests), missing-attendance digest",
        12 * 3600,
    ),
)
JOB_OPTIONS: dict[str, Any] = {"max_instances": 1, "coalesce": True}


def effective_schedule(overrides: dict[str, str] | None = None) -> tuple[ScheduledJob, ...]:
    """The schedule table with the setting's overrides applied."""
    overrides = overrides or {}
    return tuple(replace(job, when=overrides.get(job.id, job.when)) for job in SCHEDULE)


def build_trigger(when: str, timezone: tzinfo) -> BaseTrigger:
    """An APScheduler trigger for a crontab or `every N<unit>` spec.

    Raises:
        ValueError: the crontab is not valid.
    """
    seconds = compute_interval_seconds(when)
    if seconds is not None:
        return IntervalTrigger(seconds=seconds, timezone=timezone)
    return CronTrigger.from_crontab(when, timezone=timezone)


def trigger_key(trigger: BaseTrigger) -> tuple[str, ...]:
    """What makes two triggers the same schedule (an interval's start date does not)."""
    if isinstance(trigger, IntervalTrigger):
        return ("interval", str(trigger.interval.total_seconds()), str(trigger.timezone))
    return (trigger.__class__.__name__, str(trigger), str(getattr(trigger, "timezone", "")))


def sync_jobs(scheduler: BaseScheduler, schedule: tuple[ScheduledJob, ...], timezone: str) -> dict[str, str]:
    """Make the scheduler's jobs match `schedule`, keeping the stored next run time of unchanged jobs.

    Call it with the job store open (scheduler started paused): replacing an unchanged job would
    recompute its next run from now and silently drop a run missed while the sidecar was down.
    Returns {job id: what changed}.
    """
    tz = ZoneInfo(timezone)
    changes: dict[str, str] = {}
    wanted = {job.id for job in schedule}
    for job in schedule:
        try:
            trigger = build_trigger(job.when, tz)
        except ValueError as exc:
            default = next(j for j in SCHEDULE if j.id == job.id)
            log.error("bad schedule for %s (%r: %s); using the default %r", job.id, job.when, exc, default.when)
            trigger = build_trigger(default.when, tz)
        options = {**JOB_OPTIONS, "misfire_grace_time": job.misfire_grace_seconds}
        existing = scheduler.get_job(job.id)
        if existing is None:
            scheduler.add_job(
                ENTRY_POINT, trigger=trigger, args=[job.id], id=job.id, name=job.id, replace_existing=True, **options
            )
            changes[job.id] = "added"
            continue
        if trigger_key(existing.trigger) != trigger_key(trigger):
            scheduler.reschedule_job(job.id, trigger=trigger)
            changes[job.id] = f"rescheduled to {job.when}"
        current = {
            "max_instances": existing.max_instances,
            "coalesce": existing.coalesce,
            "misfire_grace_time": existing.misfire_grace_time,
        }
        if current != options or existing.func_ref != ENTRY_POINT or list(existing.args) != [job.id]:
            scheduler.modify_job(job.id, func=ENTRY_POINT, args=[job.id], **options)
            changes.setdefault(job.id, "options updated")
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            scheduler.remove_job(job.id)
            changes[job.id] = "removed"
    return changes


def read_overrides(session_factory: SessionFactory) -> dict[str, str]:
    """The `job_schedule` setting as {job: when}; an unreadable value is logged and ignored."""
    with session_factory() as session:
        text = get_setting(session, "job_schedule")
    try:
        return compute_schedule_overrides(text)
    except ValueError as exc:
        log.error("ignoring the job_schedule setting: %s", exc)
        return {}


def register_jobs(scheduler: BaseScheduler, session_factory: SessionFactory, settings: Settings) -> dict[str, str]:
    """Sync the scheduler with the schedule table plus the stored overrides (see `sync_jobs`)."""
    return sync_jobs(scheduler, effective_schedule(read_overrides(session_factory)), settings.timezone)


def next_fire_times(overrides: dict[str, str], timezone: str, now: datetime) -> dict[str, str | None]:
    """When each job would next run per the schedule (for display when no sidecar reports it)."""
    tz = ZoneInfo(timezone)
    aware = now.replace(tzinfo=UTC).astimezone(tz)
    times: dict[str, str | None] = {}
    for job in effective_schedule(overrides):
        try:
            fire = build_trigger(job.when, tz).get_next_fire_time(None, aware)
        except ValueError:
            fire = None
        times[job.id] = fire.isoformat(timespec="seconds") if fire else None
    return times
