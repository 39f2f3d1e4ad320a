"""Cached reads of the report archive."""

from __future__ import annotations

import streamlit as st

from core.dto import (
    ReportRunItem,
    UserSummary,
)
from core.services.reports import archive as report_service
from portal.db import session_scope


@st.cache_data(ttl=30, show_spinner=False)
def report_runs(actor: UserSummary) -> list[ReportRunItem]:
    with session_scope() as session:
        return report_service.list_report_runs(session, actor)


def clear() -> None:
    """Forget every cached reports read (the invalidation table decides when)."""
    report_runs.clear()
