"""Cached reads of leave requests, condonations and the programme calendar (issue 16)."""

from __future__ import annotations

import streamlit as st

from core.clock import utcnow
from core.dto import ClosureItem, CondonationItem, DepartmentWeekdaysItem, LeaveItem, UserSummary
from core.services.attendance import condonations as condonation_service
from core.services.attendance import leave as leave_service
from core.services.attendance import programme_calendar as calendar_service
from portal.db import session_scope


@st.cache_data(ttl=60, show_spinner=False)
def leave_requests(actor: UserSummary, status: str | None = None) -> list[LeaveItem]:
    with session_scope() as session:
        return leave_service.list_leave(session, actor, status=status)


@st.cache_data(ttl=300, show_spinner=False)
def leave_types(actor: UserSummary) -> dict[str, str]:
    """{type: policy} from the `leave_types` setting (the actor only keys the cache)."""
    with session_scope() as session:
        return {name: str(policy) for name, policy in leave_service.leave_types(session).items()}


def leave_document(actor: UserSummary, leave_id: int) -> tuple[str, str, bytes]:
    """A leave request's supporting document (name, MIME type, bytes); audited, so never cached."""
    with session_scope() as session:
        return leave_service.get_leave_document(session, actor, leave_id=leave_id, now=utcnow())


@st.cache_data(ttl=60, show_spinner=False)
def condonations(actor: UserSummary) -> list[CondonationItem]:
    with session_scope() as session:
        return condonation_service.list_condonations(session, actor)


@st.cache_data(ttl=300, show_spinner=False)
def closures(actor: UserSummary) -> list[ClosureItem]:
    with session_scope() as session:
        return calendar_service.list_closures(session, actor)


@st.cache_data(ttl=300, show_spinner=False)
def department_weekdays(actor: UserSummary) -> list[DepartmentWeekdaysItem]:
    with session_scope() as session:
        return calendar_service.list_department_weekdays(session, actor)


def clear() -> None:
    """Forget every cached leave, condonation and calendar read (the invalidation table decides when)."""
    leave_requests.clear()
    leave_types.clear()
    condonations.clear()
    closures.clear()
    department_weekdays.clear()
