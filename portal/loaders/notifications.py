"""Cached reads of the inbox: unread counts and notifications."""

from __future__ import annotations

import streamlit as st

from core.dto import (
    NotificationItem,
    UserSummary,
)
from core.rules.values import EmailEvent, Role
from core.services import notifications as notification_service
from core.services import outbox as outbox_service
from portal.db import session_scope


@st.cache_data(ttl=30, show_spinner=False)
def unread_count(user_id: int) -> int:
    with session_scope() as session:
        return notification_service.count_unread(
            session, UserSummary(id=user_id, username="", full_name="", role=Role.TRAINEE)
        )


@st.cache_data(ttl=30, show_spinner=False)
def notifications(actor: UserSummary) -> list[NotificationItem]:
    with session_scope() as session:
        return notification_service.list_notifications(session, actor)


def email_preferences(actor: UserSummary) -> dict[EmailEvent, bool]:
    """The actor's e-mail choices, read now (not cached: one small query, fresh right after saving)."""
    with session_scope() as session:
        return outbox_service.get_email_preferences(session, actor)


def clear() -> None:
    """Forget every cached notifications read (the invalidation table decides when)."""
    unread_count.clear()
    notifications.clear()
