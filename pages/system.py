"""System: database status, scheduler heartbeat, jobs (Run now, history), backups, retention and settings (admins)."""

from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from core.config import get_settings
from core.dto import HeartbeatItem, JobRunSummary, SettingChange, SettingsUpdate, UserSummary
from core.rules.access import ADMIN
from core.rules.settings import SETTING_SPECS
from core.rules.values import JobRunStatus
from core.services import settings as settings_service
from portal import actions, auth, confirm, loaders, operations, state, tables, widgets

ROLES = (ADMIN,)
CLEANUP_JOB = "weekly_cleanup"
RETENTION_NAMES = {
    "notifications": "notifications",
    "report_runs": "archived reports",
    "report_files": "report files",
    "job_runs": "job-run history rows",
    "audit_events": "audit events",
    "scheduler_heartbeats": "scheduler heartbeats",
    "user_sessions": "ended sign-in sessions",
}
TABS = ("Scheduler & jobs", "Job history", "Backups & retention", "Settings")


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("⚙️ System")
    status = loaders.operations.database_status()
    (st.success if status.database_ok and status.at_head else st.error)(status.message)
    st.caption(f"Database: `{status.database_url}`")
    tabs = st.tabs(TABS, key="system.tab", bind="query-params")
    for tab, section in zip(tabs, (_section_scheduler, _section_history, _section_backups, _settings), strict=True):
        with tab:
            section(user)


def _settings(user: UserSummary) -> None:
    st.subheader("Settings")
    st.caption(
        "Retention (days per table) and the job schedule overrides are here too; the scheduler "
        "applies schedule changes within a minute."
    )
    values = loaders.settings.runtime_settings()
    with st.form("system.settings"):
        edited: dict[str, object] = {}
        for key, spec in SETTING_SPECS.items():
            shown = settings_service.setting_text(values[key])
            edited[key] = st.text_input(spec.description, value=shown, key=f"system.setting.{key}")
        if st.form_submit_button("Save settings", type="primary"):
            # One transaction for the whole form: one bad value and nothing is saved. The threshold
            # changes "% eligible" and the at-risk list, so settings clear the dashboards too.
            actions.run(
                lambda session, now: settings_service.update_settings(session, user, SettingsUpdate(edited), now=now),
                affects=actions.Write.SETTINGS,
                done=_saved,
                rerun=False,
            )


def _saved(changes: tuple[SettingChange, ...]) -> str:
    return f"Saved {len(changes)} setting(s)."


STALE_AFTER = timedelta(minutes=5)


def _section_scheduler(user: UserSummary) -> None:
    beats = loaders.operations.heartbeats()
    leader = next((b for b in beats if b.role == "leader"), None)
    _heartbeat_status(leader, beats)
    live = leader is not None and widgets.seconds_since(leader.beat_at) <= STALE_AFTER.total_seconds()
    last = loaders.operations.last_job_runs(user)
    st.subheader("Jobs")
    st.caption(
        "Times are in the programme timezone (TIMEZONE = "
        f"{get_settings().timezone}). Next runs come from the running scheduler"
        + ("." if live else "; with no live scheduler they are what the schedule says.")
    )
    for row in operations.schedule_table():
        job = str(row["job"])
        next_run = (leader.next_runs.get(job) if live and leader else None) or row["next_run"]
        run = last.get(job)
        cols = st.columns([3, 2, 3, 3, 2], vertical_alignment="center")
        cols[0].markdown(f"**{job}**  \n{operations.JOB_DESCRIPTIONS.get(job, '')}")
        cols[1].code(str(row["when"]), language=None)
        if job == "heartbeat" and leader is not None:
            cols[2].markdown(f"Last: 💓 {leader.beat_at:%Y-%m-%d %H:%M:%S}")
        else:
            cols[2].markdown(_last_run_text(run))
        cols[3].markdown(f"Next: {_when(next_run)}")
        if job == CLEANUP_JOB:  # it deletes: the click asks first, with the counts
            confirm.ask_button("Run now", key=f"system.run.{job}", container=cols[4])
        elif cols[4].button("Run now", key=f"system.run.{job}", width="stretch"):
            _run_now(user, job)
    _confirm_cleanup(user)
    _outbox_status()


def _confirm_cleanup(user: UserSummary) -> None:
    key = f"system.run.{CLEANUP_JOB}"
    if not confirm.asking(key):
        return
    counts = loaders.operations.retention_preview()
    total = sum(counts.values())
    detail = ", ".join(f"{n:,} {RETENTION_NAMES.get(table, table)}" for table, n in counts.items() if n)
    if confirm.confirmed(
        key,
        f"Run {CLEANUP_JOB} now? It deletes {total:,} rows past retention"
        + (f": {detail}." if detail else " (nothing is past retention now)."),
        confirm=f"Yes, delete {total:,} rows",
    ):
        _run_now(user, CLEANUP_JOB)


def _outbox_status() -> None:
    mail = loaders.operations.outbox_counts()
    text = f"E-mail outbox: {mail.queued} queued, {mail.sent} sent, {mail.failed} failed (given up after retries)."
    if mail.oldest_queued is not None:
        text += f" Oldest queued since {mail.oldest_queued:%Y-%m-%d %H:%M} UTC."
    (st.error if mail.failed else st.caption)(text)


def _heartbeat_status(leader: HeartbeatItem | None, beats: list[HeartbeatItem]) -> None:
    if leader is None:
        st.warning(
            "No scheduler is running: no heartbeat has been recorded. Start one with `python -m jobs` "
            "(see the README). Jobs can still be run by hand below.",
            icon="⏸️",
        )
    else:
        age = widgets.seconds_since(leader.beat_at)
        text = f"Scheduler heartbeat {age:,.0f} s ago from `{leader.instance}` (running since {leader.started_at:%Y-%m-%d %H:%M} UTC)."
        if age > STALE_AFTER.total_seconds():
            st.error(f"Stale: the last {text} Is the sidecar down?", icon="🚨")
        else:
            st.success(text, icon="💓")
    standby = [
        b.instance
        for b in beats
        if b.role == "standby" and widgets.seconds_since(b.beat_at) <= STALE_AFTER.total_seconds()
    ]
    if standby:
        st.caption(f"Standby sidecar(s), ready to take over: {', '.join(standby)}")


RUN_ICONS: dict[str, str] = {
    JobRunStatus.SUCCESS: "✅",
    JobRunStatus.FAILED: "❌",
    JobRunStatus.PARTIAL: "⚠️",
    JobRunStatus.RUNNING: "⏳",
    JobRunStatus.SKIPPED: "⏭️",
}


def _last_run_text(run: JobRunSummary | None) -> str:
    if run is None:
        return "Last: never"
    icon = RUN_ICONS.get(run.status, "")
    return f"Last: {icon} {run.status} {run.started_at:%Y-%m-%d %H:%M}"


def _when(value: str | None) -> str:
    if not value:
        return "—"
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M %Z").strip()
    except ValueError:
        return value


def _run_now(user: UserSummary, job: str, *, dry_run: bool = False) -> None:
    def outcome(summary: JobRunSummary) -> str:
        if summary.status == "failed":
            first = (summary.error or "").splitlines()[0] if summary.error else ""
            return f"{job} failed: {first}. See the job history."
        counts = ", ".join(f"{k}={v}" for k, v in (summary.counts or {}).items())
        return f"{job}{' (dry run)' if dry_run else ''}: {summary.status}. {counts}"

    def remember(summary: JobRunSummary) -> None:
        st.session_state[state.SYSTEM_LAST_JOB] = summary.id

    with st.spinner(f"Running {job}…"):
        # The job runner records the run in its own transactions, exactly as the scheduler does.
        actions.run_outside(
            lambda _now: operations.run_job_now(user, job, dry_run=dry_run),
            affects=actions.Write.JOB_RUN,
            done=outcome,
            kind=lambda summary: "error" if summary.status == "failed" else "success",
            after=remember,
        )


def _section_history(user: UserSummary) -> None:
    jobs = ["", *operations.JOB_TITLES]
    current = widgets.url_param("job", "")
    cols = st.columns([3, 2])
    job = cols[0].selectbox(
        "Job",
        jobs,
        index=jobs.index(current) if current in jobs else 0,
        format_func=lambda j: j or "All jobs",
        key="system.history_job",
    )
    failed_only = cols[1].toggle("Failures only", key="system.history_failed")
    widgets.set_url_params(job=job)
    frame = loaders.operations.job_runs(user, job or None, failed_only)
    if frame.empty:
        widgets.empty_state("No job runs recorded yet.", "Runs appear here when the scheduler or Run now runs a job.")
        return
    st.caption(
        f"{len(frame)} run(s), newest first (history kept {loaders.settings.runtime_settings()['retention_job_runs_days']} days)."
    )
    shown = frame.assign(error=frame["error"].map(lambda e: e.splitlines()[0] if e else ""))
    tables.show(shown.drop(columns=["instance"]), hide_index=True, width="stretch")
    widgets.download_buttons(frame, name="job-runs", key="system.history_download")
    failures = frame[frame["status"].isin([JobRunStatus.FAILED, JobRunStatus.PARTIAL])].head(20)
    for _, run in failures.iterrows():
        with st.expander(f"❌ {run['job']} run #{run['id']} at {run['started_at']:%Y-%m-%d %H:%M}"):
            st.code(run["error"] or "(no error text)", language=None)


def _section_backups(user: UserSummary) -> None:
    settings = get_settings()
    st.subheader("Backups")
    st.caption(
        f"`nightly_backup` writes to `{settings.backup_dir}` and keeps the last {settings.backup_keep} "
        "(BACKUP_DIR, BACKUP_KEEP). SQLite: online backup API; PostgreSQL: `pg_dump -Fc` when installed."
    )
    files = loaders.operations.backups(str(settings.backup_dir))
    if files:
        frame = pd.DataFrame(
            [
                {"file": f.name, "size_mb": round(f.size_bytes / 1_048_576, 2), "written_at": f.modified_at}
                for f in files
            ]
        )
        tables.show(frame, hide_index=True, width="stretch")
    else:
        widgets.empty_state("No backups yet.", "Press Run now on nightly_backup to make one.")
    st.subheader("Retention")
    values = loaders.settings.runtime_settings()
    tables.show(
        pd.DataFrame(
            [
                {"what": "Notifications", "days": values["retention_notifications_days"]},
                {"what": "Report files (archive)", "days": values["retention_report_files_days"]},
                {"what": "Job-run history", "days": values["retention_job_runs_days"]},
                {"what": "Audit events (never younger than this)", "days": values["retention_audit_days"]},
            ]
        ),
        hide_index=True,
    )
    st.caption(
        "Attendance, logbook entries, results and eligibility snapshots are never deleted by retention. "
        "Change the days under Settings."
    )
    if st.button("Preview the next cleanup (dry run)", key="system.cleanup_preview"):
        _run_now(user, "weekly_cleanup", dry_run=True)


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
