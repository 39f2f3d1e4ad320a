"""Cached read loaders: the only place `st.cache_data` appears.

Every argument that limits what a viewer may see (the acting user) is a cache argument, so
cached results are never shared across scopes. Write actions call `<loader>.clear()`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from core.clock import utcnow
from core.dto import (
    ApprovalQueue,
    AssessmentSummary,
    ChangeRequestItem,
    DashboardFilters,
    DashboardOptions,
    DashboardOverview,
    DocumentRequestItem,
    HeartbeatItem,
    ImportBatchSummary,
    JobRunSummary,
    LogbookEntryItem,
    LogbookHistoryItem,
    NotificationItem,
    ReportRunItem,
    TurnaroundSummary,
    UserSummary,
)
from core.exports import to_csv_bytes
from core.services import analytics as analytics_service
from core.services import analytics_overview as overview_service
from core.services import analytics_trainees as trainee_analytics_service
from core.services import approvals as approval_service
from core.services import attendance_batches as batch_service
from core.services import audit as audit_service
from core.services import backups as backup_service
from core.services import departments as department_service
from core.services import documents as document_service
from core.services import eligibility as eligibility_service
from core.services import jobs as job_service
from core.services import logbook as logbook_service
from core.services import notifications as notification_service
from core.services import reports as report_service
from core.services import result_changes as result_changes_service
from core.services import results as results_service
from core.services import settings as settings_service
from core.services import users as user_service
from core.services.backups import BackupFile
from portal.db import get_session_factory, session_scope


@st.cache_data(ttl=30, show_spinner=False)
def unread_count(user_id: int) -> int:
    with session_scope() as session:
        return notification_service.count_unread(
            session, UserSummary(id=user_id, username="", full_name="", role="trainee")
        )


@st.cache_data(ttl=30, show_spinner=False)
def notifications(actor: UserSummary) -> list[NotificationItem]:
    with session_scope() as session:
        return notification_service.list_notifications(session, actor)


@st.cache_data(ttl=300, show_spinner=False)
def departments() -> list[tuple[int, str]]:
    with session_scope() as session:
        return department_service.list_departments(session)


@st.cache_data(ttl=300, show_spinner=False)
def supervisors() -> list[tuple[int, str, str]]:
    with session_scope() as session:
        return user_service.list_supervisors(session)


@st.cache_data(ttl=60, show_spinner=False)
def users(actor: UserSummary) -> list[UserSummary]:
    with session_scope() as session:
        return user_service.list_users(session, actor)


@st.cache_data(ttl=30, show_spinner="Loading the audit log…")
def audit_events(
    actor: UserSummary, actor_username: str | None, action: str | None, start: date | None, end: date | None
) -> pd.DataFrame:
    with session_scope() as session:
        return audit_service.list_audit_events(
            session, actor, actor_username=actor_username, action=action, start=start, end=end
        )


def audit_csv(
    actor: UserSummary, actor_username: str | None, action: str | None, start: date | None, end: date | None
) -> Callable[[], bytes]:
    """Every matching audit event (no on-screen cap) as formula-safe CSV, built only when downloaded."""
    factory = get_session_factory()  # here, in the script thread: the download runs on another thread

    def build() -> bytes:
        with factory.begin() as session:
            frame = audit_service.list_audit_events(
                session, actor, actor_username=actor_username, action=action, start=start, end=end, limit=None
            )
        return to_csv_bytes(frame)

    return build


@st.cache_data(ttl=60, show_spinner=False)
def audit_actions(actor: UserSummary) -> list[str]:
    with session_scope() as session:
        return audit_service.list_audit_actions(session, actor)


@st.cache_data(ttl=60, show_spinner=False)
def runtime_settings() -> dict[str, object]:
    with session_scope() as session:
        return settings_service.get_all_settings(session)


def clear_user_loaders() -> None:
    """After a user or department change."""
    users.clear()
    departments.clear()
    supervisors.clear()
    audit_events.clear()
    audit_actions.clear()
    clear_dashboard_loaders()  # scope, department and supervisor follow the user record


@st.cache_data(ttl=30, show_spinner=False)
def logbook_entries(actor: UserSummary, trainee_id: int | None, status: str | None) -> list[LogbookEntryItem]:
    with session_scope() as session:
        return logbook_service.list_entries(session, actor, now=utcnow(), trainee_id=trainee_id, status=status)


@st.cache_data(ttl=30, show_spinner=False)
def logbook_entry(actor: UserSummary, entry_id: int) -> tuple[LogbookEntryItem, list[LogbookHistoryItem]]:
    with session_scope() as session:
        return logbook_service.get_entry(session, actor, entry_id, now=utcnow())


@st.cache_data(ttl=30, show_spinner="Loading the queue…")
def approval_queue(
    actor: UserSummary, trainee_id: int | None, department_id: int | None, older_than_days: int | None
) -> ApprovalQueue:
    with session_scope() as session:
        return approval_service.get_approval_queue(
            session,
            actor,
            now=utcnow(),
            trainee_id=trainee_id,
            department_id=department_id,
            older_than_days=older_than_days,
        )


@st.cache_data(ttl=300, show_spinner=False)
def queue_trainees(actor: UserSummary) -> list[tuple[int, str]]:
    with session_scope() as session:
        return approval_service.list_queue_trainees(session, actor)


def clear_logbook_loaders() -> None:
    """After any logbook write: entries, the queue, and everyone's notifications."""
    logbook_entries.clear()
    logbook_entry.clear()
    approval_queue.clear()
    unread_count.clear()
    notifications.clear()
    clear_dashboard_loaders()


@st.cache_data(ttl=60, show_spinner=False)
def assessments(actor: UserSummary) -> list[AssessmentSummary]:
    with session_scope() as session:
        return list(results_service.list_assessments(session, actor))


@st.cache_data(ttl=60, show_spinner=False)
def group_weights(actor: UserSummary) -> pd.DataFrame:
    with session_scope() as session:
        return results_service.list_group_weights(session, actor)


@st.cache_data(ttl=30, show_spinner="Loading results…")
def review_grid(actor: UserSummary, assessment_id: int) -> pd.DataFrame:
    with session_scope() as session:
        return results_service.get_review_grid(session, actor, assessment_id=assessment_id)


@st.cache_data(ttl=30, show_spinner="Loading results…")
def visible_results(actor: UserSummary) -> pd.DataFrame:
    with session_scope() as session:
        return results_service.results_frame(session, actor)


@st.cache_data(ttl=30, show_spinner=False)
def change_requests(actor: UserSummary, status: str | None) -> list[ChangeRequestItem]:
    with session_scope() as session:
        return list(result_changes_service.list_change_requests(session, actor, status=status))


@st.cache_data(ttl=30, show_spinner=False)
def result_history(actor: UserSummary, result_id: int) -> pd.DataFrame:
    with session_scope() as session:
        return result_changes_service.get_result_history(session, actor, result_id=result_id)


@st.cache_data(ttl=30, show_spinner=False)
def document_requests(actor: UserSummary) -> list[DocumentRequestItem]:
    with session_scope() as session:
        return list(document_service.list_document_requests(session, actor))


def clear_results_loaders() -> None:
    """After a score, state, change-request or assessment change."""
    assessments.clear()
    group_weights.clear()
    review_grid.clear()
    visible_results.clear()
    change_requests.clear()
    result_history.clear()
    notifications.clear()
    unread_count.clear()
    audit_events.clear()


def clear_document_loaders() -> None:
    """After a document request changes."""
    document_requests.clear()
    notifications.clear()
    unread_count.clear()
    audit_events.clear()


# Dashboards: the viewer (their scope) is a cache argument of every loader; `today` too, so the
# cached figures roll over at midnight. Writes call clear_dashboard_loaders().
@st.cache_data(ttl=300, show_spinner=False)
def dashboard_options(viewer: UserSummary) -> DashboardOptions:
    with session_scope() as session:
        return analytics_service.dashboard_options(session, viewer)


@st.cache_data(ttl=120, show_spinner="Loading the overview…")
def dashboard_overview(viewer: UserSummary, filters: DashboardFilters, today: date) -> DashboardOverview:
    with session_scope() as session:
        return overview_service.get_overview(session, viewer, filters=filters, today=today)


@st.cache_data(ttl=120, show_spinner=False)
def dashboard_logbook_trend(viewer: UserSummary, filters: DashboardFilters) -> pd.DataFrame:
    with session_scope() as session:
        return analytics_service.logbook_trend(session, viewer, filters=filters)


@st.cache_data(ttl=120, show_spinner=False)
def dashboard_compliance(viewer: UserSummary, filters: DashboardFilters, by: str) -> pd.DataFrame:
    """Compliance per "department" or per "supervisor"."""
    with session_scope() as session:
        if by == "supervisor":
            return analytics_service.compliance_by_supervisor(session, viewer, filters=filters)
        return analytics_service.compliance_by_department(session, viewer, filters=filters)


@st.cache_data(ttl=120, show_spinner=False)
def dashboard_compliance_trend(viewer: UserSummary, filters: DashboardFilters) -> pd.DataFrame:
    with session_scope() as session:
        return analytics_service.compliance_trend(session, viewer, filters=filters)


@st.cache_data(ttl=120, show_spinner=False)
def dashboard_turnaround(viewer: UserSummary, filters: DashboardFilters) -> TurnaroundSummary:
    with session_scope() as session:
        return analytics_service.verification_turnaround(session, viewer, filters=filters)


@st.cache_data(ttl=120, show_spinner=False)
def dashboard_pending_ageing(viewer: UserSummary, filters: DashboardFilters, today: date) -> pd.DataFrame:
    with session_scope() as session:
        return analytics_service.pending_ageing(session, viewer, filters=filters, today=today)


@st.cache_data(ttl=120, show_spinner=False)
def dashboard_attendance(viewer: UserSummary, filters: DashboardFilters) -> pd.DataFrame:
    with session_scope() as session:
        return analytics_service.attendance_by_department(session, viewer, filters=filters)


@st.cache_data(ttl=120, show_spinner=False)
def dashboard_attendance_trend(viewer: UserSummary, filters: DashboardFilters) -> pd.DataFrame:
    with session_scope() as session:
        return analytics_service.attendance_trend(session, viewer, filters=filters)


@st.cache_data(ttl=120, show_spinner=False)
def dashboard_at_risk(viewer: UserSummary, filters: DashboardFilters, today: date) -> pd.DataFrame:
    with session_scope() as session:
        return trainee_analytics_service.at_risk(session, viewer, filters=filters, today=today)


@st.cache_data(ttl=120, show_spinner=False)
def dashboard_trainees(viewer: UserSummary, filters: DashboardFilters) -> pd.DataFrame:
    with session_scope() as session:
        return trainee_analytics_service.department_trainees(session, viewer, filters=filters)


@st.cache_data(ttl=120, show_spinner=False)
def dashboard_trainee_detail(
    viewer: UserSummary, trainee_id: int, filters: DashboardFilters
) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """(name, entries, attendance records) of one trainee in the viewer's scope (NotFoundError otherwise)."""
    with session_scope() as session:
        name = trainee_analytics_service.trainee_name(session, viewer, trainee_id=trainee_id)
        entries = trainee_analytics_service.trainee_entries(session, viewer, trainee_id=trainee_id, filters=filters)
        attendance = trainee_analytics_service.trainee_attendance(
            session, viewer, trainee_id=trainee_id, filters=filters
        )
    return name, entries, attendance


def clear_dashboard_loaders() -> None:
    """After any write that changes dashboard figures: logbook entries, decisions, attendance
    imports or undo, users' department/supervisor/active changes, the attendance threshold."""
    for loader in (
        dashboard_options,
        dashboard_overview,
        dashboard_logbook_trend,
        dashboard_compliance,
        dashboard_compliance_trend,
        dashboard_turnaround,
        dashboard_pending_ageing,
        dashboard_attendance,
        dashboard_attendance_trend,
        dashboard_at_risk,
        dashboard_trainees,
        dashboard_trainee_detail,
    ):
        loader.clear()


@st.cache_data(ttl=30, show_spinner=False)
def import_batches(actor: UserSummary) -> list[ImportBatchSummary]:
    with session_scope() as session:
        return batch_service.list_import_batches(session, actor)


@st.cache_data(ttl=120, show_spinner="Working out eligibility…")
def eligibility_table(
    actor: UserSummary, period: str, threshold: float, department_id: int | None, supervisor_id: int | None
) -> pd.DataFrame:
    with session_scope() as session:
        return eligibility_service.list_eligibility(
            session,
            actor,
            period=period,
            threshold=threshold,
            department_id=department_id,
            supervisor_id=supervisor_id,
        )


@st.cache_data(ttl=120, show_spinner=False)
def trainee_sessions(actor: UserSummary, trainee_id: int, period: str) -> pd.DataFrame:
    with session_scope() as session:
        return eligibility_service.list_trainee_sessions(session, actor, trainee_id=trainee_id, period=period)


@st.cache_data(ttl=120, show_spinner=False)
def eligibility_snapshot(actor: UserSummary, period: str) -> dict[str, object] | None:
    with session_scope() as session:
        return eligibility_service.get_snapshot_summary(session, actor, period=period)


def clear_attendance_loaders() -> None:
    """After an attendance import, an undo or a snapshot."""
    for loader in (
        import_batches,
        eligibility_table,
        trainee_sessions,
        eligibility_snapshot,
        audit_events,
        audit_actions,
    ):
        loader.clear()
    clear_dashboard_loaders()


@st.cache_data(ttl=30, show_spinner=False)
def report_runs(actor: UserSummary) -> list[ReportRunItem]:
    with session_scope() as session:
        return report_service.list_report_runs(session, actor)


@st.cache_data(ttl=15, show_spinner=False)
def job_runs(actor: UserSummary, job_id: str | None, failed_only: bool) -> pd.DataFrame:
    with session_scope() as session:
        return job_service.list_job_runs(session, actor, job_id=job_id, failed_only=failed_only)


@st.cache_data(ttl=15, show_spinner=False)
def last_job_runs(actor: UserSummary) -> dict[str, JobRunSummary]:
    with session_scope() as session:
        return job_service.last_runs(session, actor)


@st.cache_data(ttl=15, show_spinner=False)
def scheduler_heartbeats() -> list[HeartbeatItem]:
    with session_scope() as session:
        return job_service.list_heartbeats(session)


@st.cache_data(ttl=30, show_spinner=False)
def backups(backup_dir: str) -> list[BackupFile]:
    return backup_service.list_backups(Path(backup_dir))


def clear_job_loaders() -> None:
    """After a job ran from the web (it may have written reports, notifications, snapshots...)."""
    for loader in (report_runs, job_runs, last_job_runs, scheduler_heartbeats, backups, runtime_settings):
        loader.clear()
