"""Cached reads of assessments, results, change requests and result history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.dto import (
    AssessmentSummary,
    ChangeRequestItem,
    UserSummary,
)
from core.services.results import assessments as results_service
from core.services.results import changes as result_changes_service
from portal.db import session_scope


@st.cache_data(ttl=60, show_spinner=False)
def assessments(actor: UserSummary) -> list[AssessmentSummary]:
    with session_scope() as session:
        return list(results_service.list_assessments(session, actor))


@st.cache_data(ttl=60, show_spinner=False)
def group_weights(actor: UserSummary) -> pd.DataFrame:
    with session_scope() as session:
        return results_service.list_group_weights(session, actor)


@st.cache_data(ttl=30, show_spinner="Loading results…")
def review_grid(actor: UserSummary, assessment_id: int) -> pd.DataFrame:
    with session_scope() as session:
        return results_service.get_review_grid(session, actor, assessment_id=assessment_id)


@st.cache_data(ttl=30, show_spinner="Loading results…")
def visible_results(actor: UserSummary) -> pd.DataFrame:
    with session_scope() as session:
        return results_service.results_frame(session, actor)


@st.cache_data(ttl=30, show_spinner=False)
def change_requests(actor: UserSummary, status: str | None) -> list[ChangeRequestItem]:
    with session_scope() as session:
        return list(result_changes_service.list_change_requests(session, actor, status=status))


@st.cache_data(ttl=30, show_spinner=False)
def result_history(actor: UserSummary, result_id: int) -> pd.DataFrame:
    with session_scope() as session:
        return result_changes_service.get_result_history(session, actor, result_id=result_id)


def clear() -> None:
    """Forget every cached results read (the invalidation table decides when)."""
    assessments.clear()
    group_weights.clear()
    review_grid.clear()
    visible_results.clear()
    change_requests.clear()
    result_history.clear()
