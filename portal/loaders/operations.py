"""Cached reads of job runs, scheduler heartbeats and backups."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core.clock import utcnow
from core.dto import (
    HeartbeatItem,
    JobRunSummary,
    SystemStatus,
    UserSummary,
)
from core.services import outbox as outbox_service
from core.services.operations import backups as backup_service
from core.services.operations import jobs as job_service
from core.services.operations import retention as retention_service
from core.services.operations.backups import BackupFile
from core.services.operations.system import check_database
from core.services.outbox import OutboxCounts
from portal.db import get_engine, session_scope


@st.cache_data(ttl=15, show_spinner=False)
def job_runs(actor: UserSummary, job_id: str | None, failed_only: bool) -> pd.DataFrame:
    with session_scope() as session:
        return job_service.list_job_runs(session, actor, job_id=job_id, failed_only=failed_only)


@st.cache_data(ttl=15, show_spinner=False)
def last_job_runs(actor: UserSummary) -> dict[str, JobRunSummary]:
    with session_scope() as session:
        return job_service.last_runs(session, actor)


@st.cache_data(ttl=15, show_spinner=False)
def heartbeats() -> list[HeartbeatItem]:
    with session_scope() as session:
        return job_service.list_heartbeats(session)


@st.cache_data(ttl=30, show_spinner=False)
def backups(backup_dir: str) -> list[BackupFile]:
    return backup_service.list_backups(Path(backup_dir))


@st.cache_data(ttl=15, show_spinner=False)
def outbox_counts() -> OutboxCounts:
    with session_scope() as session:
        return outbox_service.count_outbox(session)


@st.cache_data(ttl=15, show_spinner=False)
def retention_preview() -> dict[str, int]:
    """Rows the weekly cleanup would delete now, per table (its dry run: counts only, nothing deleted).

    Admins only: the System page that reads it is an admin page.
    """
    with session_scope() as session:
        return retention_service.purge_expired(session, now=utcnow(), dry_run=True).counts


def database_status() -> SystemStatus:
    """Reachability and migration state of the app's database, checked now (not cached)."""
    return check_database(get_engine())


def clear() -> None:
    """Forget every cached operations read (the invalidation table decides when)."""
    job_runs.clear()
    last_job_runs.clear()
    heartbeats.clear()
    backups.clear()
    outbox_counts.clear()
    retention_preview.clear()
