"""Cached read loaders: the only place `st.cache_data` appears.

Every argument that limits what a viewer may see (the acting user) is a cache argument, so
cached results are never shared across scopes. Write actions call `<loader>.clear()`.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.clock import utcnow
from core.dto import ApprovalQueue, LogbookEntryItem, LogbookHistoryItem, NotificationItem, UserSummary
from core.services import approvals as approval_service
from core.services import audit as audit_service
from core.services import logbook as logbook_service
from core.services import notifications as notification_service
from core.services import settings as settings_service
from core.services import users as user_service
from portal.db import session_scope


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
        return user_service.list_departments(session)


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
            session, actor, now=utcnow(), trainee_id=trainee_id, department_id=department_id,
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
