"""Job-run history and the scheduler heartbeat (written by the sidecar, read by /system and `check`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.dto import HeartbeatItem, JobRunSummary, UserSummary
from core.errors import NotFoundError
from core.models import JobRun, SchedulerHeartbeat
from core.repositories import users as users_repo
from core.rules.values import JobRunStatus, JobTrigger, Role, SchedulerRole
from core.services.access import authorize

HEARTBEAT_STALE_AFTER = timedelta(minutes=5)


def start_job_run(
    session: Session,
    *,
    job_id: str,
    trigger: JobTrigger,
    now: datetime,
    scheduled_for: datetime | None = None,
    dry_run: bool = False,
    triggered_by: str | None = None,
    instance: str | None = None,
) -> int | None:
    """Record that a job started; returns the run id, or None if this scheduled time already ran."""
    if scheduled_for is not None:
        taken = session.scalar(select(JobRun.id).where(JobRun.job_id == job_id, JobRun.scheduled_for == scheduled_for))
        if taken is not None:
            return None
    run = JobRun(
        job_id=job_id,
        trigger=trigger,
        scheduled_for=scheduled_for,
        started_at=now,
        status=JobRunStatus.RUNNING,
        dry_run=dry_run,
        triggered_by=triggered_by,
        instance=instance,
    )
    try:
        # The unique (job_id, scheduled_for) key is the last line of defence against a double run.
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        return None
    return run.id


def finish_job_run(
    session: Session,
    run_id: int,
    *,
    status: JobRunStatus,
    now: datetime,
    counts: dict[str, Any] | None = None,
    error: str | None = None,
) -> JobRunSummary:
    """Close a run with its outcome.

    Raises:
        NotFoundError: no such run.
    """
    run = session.get(JobRun, run_id)
    if run is None:
        raise NotFoundError(f"No job run {run_id}.")
    run.status = status
    run.finished_at = now
    run.counts = counts
    run.error = error
    session.flush()
    return _summary(run)


def mark_interrupted_runs(session: Session, *, now: datetime) -> int:
    """Fail scheduled runs left 'running' by a sidecar that died; called by a new leader."""
    result = session.execute(
        update(JobRun)
        .where(JobRun.status == JobRunStatus.RUNNING, JobRun.trigger == JobTrigger.SCHEDULE)
        .values(status=JobRunStatus.FAILED, finished_at=now, error="interrupted: the scheduler stopped during the run")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def list_job_runs(
    session: Session, actor: UserSummary, *, job_id: str | None = None, failed_only: bool = False, limit: int = 500
) -> pd.DataFrame:
    """Job-run history, newest first (admins).

    Raises:
        PermissionDeniedError: the actor is not an admin.
    """
    authorize(session, actor, Role.ADMIN)
    stmt = (
        select(
            JobRun.id,
            JobRun.job_id,
            JobRun.status,
            JobRun.trigger,
            JobRun.triggered_by,
            JobRun.scheduled_for,
            JobRun.started_at,
            JobRun.finished_at,
            JobRun.dry_run,
            JobRun.counts,
            JobRun.error,
            JobRun.instance,
        )
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(limit)
    )
    if job_id:
        stmt = stmt.where(JobRun.job_id == job_id)
    if failed_only:
        stmt = stmt.where(JobRun.status.in_((JobRunStatus.FAILED, JobRunStatus.PARTIAL)))
    rows = session.execute(stmt).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "id",
            "job",
            "status",
            "trigger",
            "by",
            "scheduled_for",
            "started_at",
            "finished_at",
            "dry_run",
            "counts",
            "error",
            "instance",
        ],
    )
    frame["seconds"] = [
        round((f - s).total_seconds(), 1) if f is not None and s is not None else None
        for s, f in zip(frame["started_at"], frame["finished_at"], strict=True)
    ]
    frame["counts"] = frame["counts"].map(_format_counts)
    frame["error"] = frame["error"].fillna("")
    names = users_repo.names_by_username(session, (str(b) for b in frame["by"].dropna()))
    frame["by"] = [names.get(str(b), b) for b in frame["by"]]  # people by name ("system" stays)
    return frame


def last_runs(session: Session, actor: UserSummary) -> dict[str, JobRunSummary]:
    """The most recent run of each job (admins).

    Raises:
        PermissionDeniedError: the actor is not an admin.
    """
    authorize(session, actor, Role.ADMIN)
    latest = select(JobRun.job_id, func.max(JobRun.id).label("last_id")).group_by(JobRun.job_id).subquery()
    runs = session.scalars(select(JobRun).join(latest, JobRun.id == latest.c.last_id))
    return {run.job_id: _summary(run) for run in runs}


def get_job_run(session: Session, run_id: int) -> JobRunSummary:
    """One run by id.

    Raises:
        NotFoundError: no such run.
    """
    run = session.get(JobRun, run_id)
    if run is None:
        raise NotFoundError(f"No job run {run_id}.")
    return _summary(run)


def record_heartbeat(
    session: Session,
    *,
    instance: str,
    host: str,
    pid: int,
    role: SchedulerRole,
    started_at: datetime,
    now: datetime,
    timezone: str,
    next_runs: dict[str, str | None] | None = None,
) -> None:
    """Insert or refresh this sidecar's heartbeat row."""
    row = session.get(SchedulerHeartbeat, instance)
    if row is None:
        row = SchedulerHeartbeat(instance=instance, host=host, pid=pid, started_at=started_at)
        session.add(row)
    row.role = role
    row.beat_at = now
    row.timezone = timezone
    row.next_runs = next_runs
    session.flush()


def remove_heartbeat(session: Session, *, instance: str) -> None:
    """Forget a sidecar that shut down cleanly."""
    row = session.get(SchedulerHeartbeat, instance)
    if row is not None:
        session.delete(row)


def list_heartbeats(session: Session) -> list[HeartbeatItem]:
    """Every known sidecar, leader first, freshest first (no personal data: readiness needs no actor)."""
    rows = session.scalars(select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.beat_at.desc()))
    items = [
        HeartbeatItem(
            instance=r.instance,
            role=r.role,
            beat_at=r.beat_at,
            started_at=r.started_at,
            timezone=r.timezone,
            next_runs=dict(r.next_runs or {}),
        )
        for r in rows
    ]
    return sorted(items, key=lambda h: h.role != SchedulerRole.LEADER)


def leader_heartbeat_age(session: Session, *, now: datetime) -> timedelta | None:
    """How long ago the active scheduler last beat (None when none ever has)."""
    last = session.scalar(
        select(func.max(SchedulerHeartbeat.beat_at)).where(SchedulerHeartbeat.role == SchedulerRole.LEADER)
    )
    return None if last is None else now - last


def check_heartbeat(session: Session, *, now: datetime) -> tuple[bool, str]:
    """Readiness: (ok, message) for the active scheduler's heartbeat (stale after 5 minutes)."""
    age = leader_heartbeat_age(session, now=now)
    if age is None:
        return False, "no scheduler heartbeat yet: start the sidecar with `python -m jobs`"
    minutes = age.total_seconds() / 60
    if age > HEARTBEAT_STALE_AFTER:
        return False, f"scheduler heartbeat is stale ({minutes:.1f} minutes old; limit 5)"
    return True, f"scheduler heartbeat fresh ({age.total_seconds():.0f} s old)"


def _format_counts(counts: dict[str, Any] | None) -> str:
    if not counts:
        return ""
    return ", ".join(f"{k}={v}" for k, v in counts.items())


def _summary(run: JobRun) -> JobRunSummary:
    return JobRunSummary(
        id=run.id,
        job_id=run.job_id,
        trigger=run.trigger,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        scheduled_for=run.scheduled_for,
        dry_run=bool(run.dry_run),
        counts=dict(run.counts) if run.counts else None,
        error=run.error,
        triggered_by=run.triggered_by,
    )
