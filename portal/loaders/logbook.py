"""Cached reads of logbook entries and the approval queue."""

from __future__ import annotations

import streamlit as st

from core.clock import utcnow
from core.dto import (
    ApprovalQueue,
    LogbookEntryItem,
    LogbookHistoryItem,
    UserSummary,
)
from core.services.logbook import approvals as approval_service
from core.services.logbook import entries as logbook_service
from portal.db import session_scope


@st.cache_data(ttl=30, show_spinner=False)
def entries(actor: UserSummary, trainee_id: int | None, status: str | None) -> list[LogbookEntryItem]:
    """The newest entries matching the filters, at most `LIST_LIMIT` of them (the screen's cap)."""
    with session_scope() as session:
        return logbook_service.list_entries(
            session, actor, now=utcnow(), trainee_id=trainee_id, status=status, limit=logbook_service.LIST_LIMIT
        )


@st.cache_data(ttl=30, show_spinner=False)
def entries_total(actor: UserSummary, trainee_id: int | None, status: str | None) -> int:
    """How many entries match the filters, however many the screen lists."""
    with session_scope() as session:
        return logbook_service.count_entries(session, actor, trainee_id=trainee_id, status=status)


def all_entries(actor: UserSummary, trainee_id: int | None, status: str | None) -> list[LogbookEntryItem]:
    """Every matching entry, for the full download: not cached, read only when the download is clicked."""
    with session_scope() as session:
        return logbook_service.list_entries(
            session, actor, now=utcnow(), trainee_id=trainee_id, status=status, limit=None
        )


@st.cache_data(ttl=30, show_spinner=False)
def entry(actor: UserSummary, entry_id: int) -> tuple[LogbookEntryItem, list[LogbookHistoryItem]]:
    with session_scope() as session:
        return logbook_service.get_entry(session, actor, entry_id, now=utcnow())


@st.cache_data(ttl=30, show_spinner="Loading the queue…")
def approval_queue(
    actor: UserSummary,
    trainee_id: int | None,
    department_id: int | None,
    older_than_days: int | None,
    training_year: int | None = None,
    cohort: str | None = None,
) -> ApprovalQueue:
    with session_scope() as session:
        return approval_service.get_approval_queue(
            session,
            actor,
            now=utcnow(),
            trainee_id=trainee_id,
            department_id=department_id,
            older_than_days=older_than_days,
            training_year=training_year,
            cohort=cohort,
        )


@st.cache_data(ttl=300, show_spinner=False)
def queue_trainees(actor: UserSummary) -> list[tuple[int, str]]:
    with session_scope() as session:
        return approval_service.list_queue_trainees(session, actor)


def clear() -> None:
    """Forget every cached logbook read (the invalidation table decides when)."""
    entries.clear()
    entries_total.clear()
    entry.clear()
    approval_queue.clear()
    queue_trainees.clear()
