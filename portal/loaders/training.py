"""Cached reads of training years, requirements, progress and weighted totals."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.dto import PromotionRow, RequirementItem, TraineeProgress, TrainingYearChangeItem, UserSummary
from core.services.results import analytics as results_analytics
from core.services.results import weighted as weighted_service
from core.services.training import progress as progress_service
from core.services.training import requirements as requirements_service
from core.services.training import years as years_service
from portal.db import session_scope


@st.cache_data(ttl=60, show_spinner=False)
def requirements(actor: UserSummary) -> list[RequirementItem]:
    with session_scope() as session:
        return requirements_service.list_requirements(session, actor)


@st.cache_data(ttl=30, show_spinner=False)
def my_progress(actor: UserSummary, today: date) -> TraineeProgress:
    with session_scope() as session:
        return progress_service.get_my_progress(session, actor, today=today)


@st.cache_data(ttl=30, show_spinner=False)
def trainee_progress(actor: UserSummary, trainee_id: int, today: date) -> TraineeProgress:
    with session_scope() as session:
        return progress_service.get_trainee_progress(session, actor, trainee_id=trainee_id, today=today)


@st.cache_data(ttl=30, show_spinner="Loading progress…")
def progress_list(
    actor: UserSummary, today: date, department_id: int | None, training_year: int | None, cohort: str | None
) -> list[TraineeProgress]:
    with session_scope() as session:
        return progress_service.list_progress(
            session, actor, today=today, department_id=department_id, training_year=training_year, cohort=cohort
        )


@st.cache_data(ttl=60, show_spinner=False)
def cohorts(actor: UserSummary) -> list[str]:
    with session_scope() as session:
        return years_service.list_cohorts(session, actor)


@st.cache_data(ttl=30, show_spinner=False)
def year_history(actor: UserSummary) -> list[TrainingYearChangeItem]:
    with session_scope() as session:
        return years_service.list_year_history(session, actor)


@st.cache_data(ttl=30, show_spinner=False)
def promotion_preview(
    actor: UserSummary, department_id: int | None, cohort: str | None, from_year: int | None
) -> list[PromotionRow]:
    with session_scope() as session:
        return years_service.preview_promotion(
            session, actor, department_id=department_id, cohort=cohort, from_year=from_year
        )


@st.cache_data(ttl=30, show_spinner=False)
def weighted_totals(actor: UserSummary, trainee_id: int | None) -> pd.DataFrame:
    with session_scope() as session:
        return weighted_service.list_weighted_totals(session, actor, trainee_id=trainee_id)


@st.cache_data(ttl=60, show_spinner=False)
def results_by_department(
    actor: UserSummary, department: str | None, training_year: int | None = None, cohort: str | None = None
) -> pd.DataFrame:
    with session_scope() as session:
        return results_analytics.results_by_department(
            session, actor, department=department, training_year=training_year, cohort=cohort
        )


@st.cache_data(ttl=60, show_spinner=False)
def score_distribution(
    actor: UserSummary, department: str | None, training_year: int | None = None, cohort: str | None = None
) -> pd.DataFrame:
    with session_scope() as session:
        return results_analytics.score_distribution(
            session, actor, department=department, training_year=training_year, cohort=cohort
        )


def clear() -> None:
    """Forget every cached training read (the invalidation table decides when)."""
    requirements.clear()
    my_progress.clear()
    trainee_progress.clear()
    progress_list.clear()
    cohorts.clear()
    year_history.clear()
    promotion_preview.clear()
    weighted_totals.clear()
    results_by_department.clear()
    score_distribution.clear()
