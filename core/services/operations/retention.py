"""Retention: delete what is past its retention window, per table, with a dry run.

Only notifications, archived report files, job-run history, stale scheduler heartbeats, expired or
ended sign-in sessions and audit events older than the audit retention (never under 7 years) are ever deleted. Attendance, logbook entries,
results and eligibility snapshots are records of the programme and are never touched here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from core.models import AuditEvent, JobRun, Notification, ReportRun, SchedulerHeartbeat, UserSession
from core.rules.settings import AUDIT_RETENTION_FLOOR_DAYS
from core.rules.values import JobRunStatus
from core.services.audit import record_event
from core.services.sessions import purge_sessions_condition
from core.services.settings import get_setting
from core.services.stored_files import delete_files

HEARTBEAT_RETENTION = timedelta(days=7)


@dataclass(frozen=True)
class PurgeResult:
    """Rows deleted (or, in a dry run, that would be) per table; `report_files` counts the archived files."""

    counts: dict[str, int]
    cutoffs: dict[str, str]
    dry_run: bool


def purge_expired(session: Session, *, now: datetime, dry_run: bool = False) -> PurgeResult:
    """Delete rows past retention (settings `retention_*_days`); a dry run only counts them.

    An expired report's file (its stored_files row) goes with it, in the same transaction.
    """
    cutoffs = {
        "notifications": now - timedelta(days=int(get_setting(session, "retention_notifications_days"))),
        "report_runs": now - timedelta(days=int(get_setting(session, "retention_report_files_days"))),
        "job_runs": now - timedelta(days=int(get_setting(session, "retention_job_runs_days"))),
        # Never younger than the 7-year floor, even if an old row stored a shorter value.
        "audit_events": now
        - timedelta(days=max(AUDIT_RETENTION_FLOOR_DAYS, int(get_setting(session, "retention_audit_days")))),
        "scheduler_heartbeats": now - HEARTBEAT_RETENTION,
    }
    targets: dict[str, tuple[Any, ColumnElement[bool]]] = {
        "notifications": (Notification, Notification.created_at < cutoffs["notifications"]),
        "report_runs": (ReportRun, ReportRun.created_at < cutoffs["report_runs"]),
        # A still-running row is never history yet.
        "job_runs": (JobRun, (JobRun.started_at < cutoffs["job_runs"]) & (JobRun.status != JobRunStatus.RUNNING)),
        "audit_events": (AuditEvent, AuditEvent.occurred_at < cutoffs["audit_events"]),
        "scheduler_heartbeats": (SchedulerHeartbeat, SchedulerHeartbeat.beat_at < cutoffs["scheduler_heartbeats"]),
        # Sign-in sessions past COOKIE_EXPIRY_DAYS, or ended (signed out, revoked): nothing signs in with them.
        "user_sessions": (UserSession, purge_sessions_condition(now)),
    }
    file_ids = [
        file_id
        for file_id in session.scalars(
            select(ReportRun.file_id).where(targets["report_runs"][1], ReportRun.file_id.is_not(None))
        )
        if file_id is not None
    ]
    counts: dict[str, int] = {}
    for table, (model, condition) in targets.items():
        if dry_run:
            counts[table] = int(session.scalar(select(func.count()).select_from(model).where(condition)) or 0)
        else:
            result = session.execute(delete(model).where(condition).execution_options(synchronize_session=False))
            counts[table] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    # After the rows that reference them (file_id is ON DELETE SET NULL, so either order is safe).
    counts["report_files"] = len(file_ids) if dry_run else delete_files(session, file_ids)
    shown_cutoffs = {table: cutoff.isoformat(sep=" ", timespec="seconds") for table, cutoff in cutoffs.items()}
    if not dry_run:
        record_event(
            session,
            actor=None,
            actor_username="system",
            action="retention_cleanup",
            now=now,
            details={"deleted": counts, "cutoffs": shown_cutoffs},
        )
    return PurgeResult(counts=counts, cutoffs=shown_cutoffs, dry_run=dry_run)
