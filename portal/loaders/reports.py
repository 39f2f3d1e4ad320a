"""Cached reads of the report archive."""

from __future__ import annotations

import streamlit as st

from core.dto import (
    ReportFile,
    ReportRunItem,
    UserSummary,
)
from core.services.reports import archive as report_service
from portal.db import session_scope


@st.cache_data(ttl=30, show_spinner=False)
def report_runs(actor: UserSummary) -> list[ReportRunItem]:
    with session_scope() as session:
        return report_service.list_report_runs(session, actor)


def report_file(actor: UserSummary, run_id: int) -> ReportFile:
    """One archived file's bytes for its download button, if the actor may see it (NotFoundError otherwise).

    Not cached: files can be large, and each is read only while its download is on screen.
    """
    with session_scope() as session:
        return report_service.get_report_file(session, actor, run_id)


def clear() -> None:
    """Forget every cached reports read (the invalidation table decides when)."""
    report_runs.clear()
