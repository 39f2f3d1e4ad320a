"""Operations from the web: Run now (the scheduler's own runner) and schedule facts for /system."""

from __future__ import annotations

from datetime import datetime

from core.clock import utcnow
from core.config import get_settings
from core.dto import JobRunSummary, UserSummary
from core.rules.access import ADMIN
from core.rules.values import JobTrigger
from core.services.access import authorize
from core.services.audit import record_event
from jobs.runner import JOBS, execute_job
from jobs.schedule import SCHEDULE, effective_schedule, next_fire_times, read_overrides
from portal.db import get_session_factory, session_scope

JOB_TITLES = {name: spec.title for name, spec in JOBS.items()}
JOB_DESCRIPTIONS = {job.id: job.description for job in SCHEDULE}


def run_job_now(user: UserSummary, name: str, *, dry_run: bool = False) -> JobRunSummary:
    """Run a job now as `user` (admins), recorded like any run; failures come back as a failed run.

    Raises:
        PermissionDeniedError: the user is not an admin.
        InvalidInputError: unknown job, or a dry run the job does not have.
    """
    with session_scope() as session:
        authorize(session, user, ADMIN)
    run = execute_job(
        name,
        get_session_factory(),
        settings=get_settings(),
        trigger=JobTrigger.MANUAL,
        triggered_by=user.username,
        dry_run=dry_run,
    )
    with session_scope() as session:  # who ran what, whatever the outcome (the run row records the rest)
        record_event(
            session,
            actor=user,
            action="job_run_now",
            now=utcnow(),
            entity_type="job_run",
            entity_id=run.id,
            details={"job": name, "dry_run": dry_run, "status": str(run.status)},
        )
    return run


def schedule_table(now: datetime | None = None) -> list[dict[str, str | None]]:
    """Each job's effective schedule and its next run per the schedule (programme timezone)."""
    settings = get_settings()
    overrides = read_overrides(get_session_factory())
    upcoming = next_fire_times(overrides, settings.timezone, now or utcnow())
    return [
        {"job": job.id, "when": job.when, "next_run": upcoming.get(job.id)} for job in effective_schedule(overrides)
    ]
