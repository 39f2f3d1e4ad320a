"""Cached reads of users, departments and supervisors."""

from __future__ import annotations

import streamlit as st

from core.dto import (
    UserSummary,
)
from core.services.users import accounts as user_service
from core.services.users import departments as department_service
from portal.db import session_scope


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


def clear() -> None:
    """Forget every cached users read (the invalidation table decides when)."""
    departments.clear()
    supervisors.clear()
    users.clear()
