"""Cached dashboard read models. The viewer (their scope) is a cache argument of every loader; `today` too, so the cached figures roll over at midnight."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.clock import utcnow
from core.dto import (
    AtRiskList,
    ComplianceBreakdown,
    DashboardFilters,
    DashboardOptions,
    DashboardOverview,
    TraineeHome,
    TurnaroundSummary,
    UserSummary,
)
from core.services.dashboards import analytics as analytics_service
from core.services.dashboards import overview as overview_service
from core.services.dashboards import trainee_home as trainee_home_service
from core.services.dashboards import trainees as trainee_analytics_service
from portal.db import session_scope


@st.cache_data(ttl=300, show_spinner=False)
def options(viewer: UserSummary) -> DashboardOptions:
    with session_scope() as session:
        return analytics_service.dashboard_options(session, viewer)


@st.cache_data(ttl=120, show_spinner="Loading the overview…")
def overview(viewer: UserSummary, filters: DashboardFilters, today: date, running: bool = False) -> DashboardOverview:
    """The overview cards: complete months by default, the running period with `running`."""
    with session_scope() as session:
        return overview_service.get_overview(
            session, viewer, filters=filters, today=today, now=utcnow(), running=running
        )


@st.cache_data(ttl=120, show_spinner=False)
def logbook_trend(viewer: UserSummary, filters: DashboardFilters) -> pd.DataFrame:
    with session_scope() as session:
        return analytics_service.logbook_trend(session, viewer, filters=filters)


@st.cache_data(ttl=120, show_spinner=False)
def compliance(viewer: UserSummary, filters: DashboardFilters, by: str) -> ComplianceBreakdown:
    """Compliance per "department" or per "supervisor"."""
    with session_scope() as session:
        if by == "supervisor":
            return analytics_service.compliance_by_supervisor(session, viewer, filters=filters)
        return analytics_service.compliance_by_department(session, viewer, filters=filters)


@st.cache_data(ttl=120, show_spinner=False)
def compliance_trend(viewer: UserSummary, filters: DashboardFilters, today: date | None = None) -> pd.DataFrame:
    with session_scope() as session:
        return analytics_service.compliance_trend(session, viewer, filters=filters, today=today)


@st.cache_data(ttl=120, show_spinner=False)
def turnaround(viewer: UserSummary, filters: DashboardFilters) -> TurnaroundSummary:
    with session_scope() as session:
        return analytics_service.verification_turnaround(session, viewer, filters=filters)


@st.cache_data(ttl=120, show_spinner=False)
def pending_ageing(viewer: UserSummary, filters: DashboardFilters, today: date) -> pd.DataFrame:
    """Aged at the moment of reading (whole days since submission, as the Approvals queue)."""
    with session_scope() as session:
        return analytics_service.pending_ageing(session, viewer, filters=filters, now=utcnow())


@st.cache_data(ttl=120, show_spinner=False)
def attendance(viewer: UserSummary, filters: DashboardFilters) -> pd.DataFrame:
    with session_scope() as session:
        return analytics_service.attendance_by_department(session, viewer, filters=filters)


@st.cache_data(ttl=120, show_spinner=False)
def attendance_trend(viewer: UserSummary, filters: DashboardFilters) -> pd.DataFrame:
    with session_scope() as session:
        return analytics_service.attendance_trend(session, viewer, filters=filters)


@st.cache_data(ttl=120, show_spinner=False)
def at_risk(viewer: UserSummary, filters: DashboardFilters, today: date) -> AtRiskList:
    with session_scope() as session:
        return trainee_analytics_service.at_risk(session, viewer, filters=filters, today=today)


@st.cache_data(ttl=120, show_spinner=False)
def trainees(viewer: UserSummary, filters: DashboardFilters) -> pd.DataFrame:
    with session_scope() as session:
        return trainee_analytics_service.department_trainees(session, viewer, filters=filters)


@st.cache_data(ttl=120, show_spinner=False)
def trainee_detail(
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


@st.cache_data(ttl=120, show_spinner=False)
def trainee_home(viewer: UserSummary, today: date) -> TraineeHome:
    """The signed-in trainee's own home figures (attendance this quarter, logbook by status, results)."""
    with session_scope() as session:
        return trainee_home_service.get_trainee_home(session, viewer, today=today, now=utcnow())


def clear() -> None:
    """Forget every cached dashboards read (the invalidation table decides when)."""
    options.clear()
    overview.clear()
    logbook_trend.clear()
    compliance.clear()
    compliance_trend.clear()
    turnaround.clear()
    pending_ageing.clear()
    attendance.clear()
    attendance_trend.clear()
    at_risk.clear()
    trainees.clear()
    trainee_detail.clear()
    trainee_home.clear()
