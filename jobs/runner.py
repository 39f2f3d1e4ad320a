"""The one code path every job run takes (scheduler, Run now button, `python -m portal run-job`).

It records the run (job, scheduled time, start, end, status, counts, error), and turns any
failure into a recorded, logged 'failed' run: a job never takes the scheduler down with it.
"""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.clock import utcnow
from core.config import Settings, get_settings
from core.dto import JobRunSummary
from core.errors import InvalidInputError
from core.rules.schedule import JOB_NAMES
from core.rules.values import JobRunStatus, JobTrigger
from core.services.operations.jobs import finish_job_run, start_job_run
from jobs.attendance_alerts import run_attendance_alerts_job
from jobs.backup import run_nightly_backup
from jobs.cleanup import run_weekly_cleanup
from jobs.common import SessionFactory
from jobs.eligibility import run_monthly_eligibility
from jobs.heartbeat import run_heartbeat
from jobs.mail import Mailer
from jobs.outbox import run_send_outbox
from jobs.reminders import run_daily_reminders
from jobs.reports import run_weekly_leadership_pack

log = logging.getLogger("jobs")

JobFunction = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: JobFunction
    title: str
    # Heartbeats would swamp the history (1,440 a day): only their failures are recorded.
    records_runs: bool = True

    @property
    def supports_dry_run(self) -> bool:
        return "dry_run" in inspect.signature(self.func).parameters

    @property
    def uses_mailer(self) -> bool:
        return "mailer" in inspect.signature(self.func).parameters

    @property
    def names_its_author(self) -> bool:
        """The job writes something that says who made it (the pack's cover and archive row)."""
        return "triggered_by" in inspect.signature(self.func).parameters


JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in (
        JobSpec("monthly_eligibility", run_monthly_eligibility, "Eligibility snapshots for last month"),
        JobSpec("weekly_leadership_pack", run_weekly_leadership_pack, "Leadership pack (PDF) into the archive"),
        JobSpec("daily_reminders", run_daily_reminders, "Pending-verification reminders and escalations"),
        JobSpec("weekly_cleanup", run_weekly_cleanup, "Retention cleanup"),
        JobSpec("nightly_backup", run_nightly_backup, "Database backup"),
        JobSpec("heartbeat", run_heartbeat, "Scheduler heartbeat", records_runs=False),
        JobSpec("send_outbox", run_send_outbox, "Send queued e-mails (outbox)"),
        JobSpec("attendance_alerts", run_attendance_alerts_job, "Attendance alerts and missing-attendance digest"),
    )
}
assert tuple(JOBS) == JOB_NAMES
_REPORTED = frozenset({JobRunStatus.SKIPPED, JobRunStatus.PARTIAL, JobRunStatus.FAILED})


def get_job(name: str) -> JobSpec:
    """The job called `name`.

    Raises:
        InvalidInputError: no such job (the message lists the jobs).
    """
    spec = JOBS.get(name)
    if spec is None:
        raise InvalidInputError(f"Unknown job '{name}'. Jobs: {', '.join(JOBS)}.")
    return spec


def execute_job(
    name: str,
    session_factory: SessionFactory,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    trigger: JobTrigger = JobTrigger.MANUAL,
    scheduled_for: datetime | None = None,
    dry_run: bool = False,
    triggered_by: str = "system",
    instance: str | None = None,
    mailer: Mailer | None = None,
    options: dict[str, Any] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> JobRunSummary:
    """Run one job now and record the run; failures are recorded and logged, never raised.

    `now` is the job's "as of" time (default: the clock). Returns the recorded run; status
    'skipped' without an id when another sidecar already ran this scheduled time.

    Raises:
        InvalidInputError: unknown job, or a dry run of a job that has none.
    """
    spec = get_job(name)
    if dry_run and not spec.supports_dry_run:
        dry_capable = ", ".join(n for n, s in JOBS.items() if s.supports_dry_run)
        raise InvalidInputError(f"'{name}' has no dry run (only: {dry_capable}).")
    settings = settings or get_settings()
    now = now or clock()
    kwargs: dict[str, Any] = {"now": now, "settings": settings, **(options or {})}
    if dry_run:
        kwargs["dry_run"] = True
    if spec.uses_mailer and mailer is not None:
        kwargs["mailer"] = mailer
    if spec.names_its_author:
        kwargs["triggered_by"] = triggered_by
    run_id = None
    if spec.records_runs:
        with session_factory.begin() as session:
            run_id = start_job_run(
                session,
                job_id=name,
                trigger=trigger,
                now=clock(),
                scheduled_for=scheduled_for,
                dry_run=dry_run,
                triggered_by=triggered_by,
                instance=instance,
            )
        if run_id is None:
            log.info("%s at %s already ran elsewhere: skipped", name, scheduled_for)
            return JobRunSummary(
                None,
                name,
                trigger,
                JobRunStatus.SKIPPED,
                clock(),
                scheduled_for=scheduled_for,
                error="this scheduled time already ran",
            )
    started = clock()
    try:
        counts = spec.func(session_factory, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the job edge: record and log every failure, keep the scheduler alive
        log.exception("job %s failed", name)
        return _record_failure(
            session_factory,
            spec,
            run_id,
            exc,
            started=started,
            trigger=trigger,
            scheduled_for=scheduled_for,
            triggered_by=triggered_by,
            instance=instance,
            clock=clock,
        )
    # A job may report its own outcome: skipped, or partial / failed with counts (send_outbox's refused e-mails).
    reported = counts.get("status")
    status = JobRunStatus(reported) if reported in _REPORTED else JobRunStatus.SUCCESS
    error = str(counts.get("error")) if status in (JobRunStatus.PARTIAL, JobRunStatus.FAILED) else None
    if run_id is None:
        return JobRunSummary(None, name, trigger, status, started, clock(), counts=counts, triggered_by=triggered_by)
    with session_factory.begin() as session:
        summary = finish_job_run(session, run_id, status=status, now=clock(), counts=counts, error=error)
    log.info("job %s %s: %s", name, status, counts)
    return summary


def record_failed_run(
    session_factory: SessionFactory,
    name: str,
    exc: Exception,
    *,
    started: datetime,
    trigger: JobTrigger,
    instance: str | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> JobRunSummary:
    """Record a failed run of a job that ran outside execute_job (the sidecar's own heartbeat)."""
    return _record_failure(
        session_factory,
        get_job(name),
        None,
        exc,
        started=started,
        trigger=trigger,
        scheduled_for=None,
        triggered_by="system",
        instance=instance,
        clock=clock,
    )


def _record_failure(
    session_factory: SessionFactory,
    spec: JobSpec,
    run_id: int | None,
    exc: Exception,
    *,
    started: datetime,
    trigger: JobTrigger,
    scheduled_for: datetime | None,
    triggered_by: str,
    instance: str | None,
    clock: Callable[[], datetime],
) -> JobRunSummary:
    error = f"{exc.__class__.__name__}: {exc}\n\n" + "".join(traceback.format_exception(exc))[-4000:]
    try:
        with session_factory.begin() as session:
            if run_id is None:
                run_id = start_job_run(
                    session,
                    job_id=spec.name,
                    trigger=trigger,
                    now=started,
                    scheduled_for=scheduled_for,
                    triggered_by=triggered_by,
                    instance=instance,
                )
            if run_id is not None:
                return finish_job_run(session, run_id, status=JobRunStatus.FAILED, now=clock(), error=error)
    except Exception:  # noqa: BLE001 - the database itself may be what failed; the log still has it
        log.exception("could not record the failure of job %s", spec.name)
    return JobRunSummary(
        run_id,
        spec.name,
        trigger,
        JobRunStatus.FAILED,
        started,
        clock(),
        scheduled_for=scheduled_for,
        error=error,
        triggered_by=triggered_by,
    )
