"""Shared drawing of logbook progress (issue 17): one trainee's bars, used by Progress, the trainee home and Logbook."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.calendar import short_period
from core.dto import TraineeProgress, UserSummary
from core.services.training.progress import on_track_frame
from portal import loaders, tables, widgets
from portal.widgets import plain


def progress_bars(progress: TraineeProgress, *, heading: str | None = "Logbook progress this training year") -> None:
    """Progress bars per target with what is still needed, and the verdict."""
    if heading:
        st.subheader(heading)
    year = f"Training year {progress.training_year}" if progress.training_year else "No training year set"
    st.caption(
        f"{year} ({short_period(progress.window_start, progress.window_end)}, "
        f"{100 * progress.elapsed_share:.0f}% of it gone). Only approved entries count."
    )
    if progress.behind:
        st.error(f"Behind: {plain(progress.summary.removeprefix('behind: '))}", icon="⚠️")
    elif progress.targets:
        st.success("On track.", icon="✅")
    else:
        st.info(plain(progress.summary[:1].upper() + progress.summary[1:]) + ".", icon="ℹ️")
    for target in progress.targets:
        needed = "done" if target.still_needed == 0 else f"{target.still_needed} still needed"
        st.progress(
            target.share,
            text=f"{plain(target.label)}: {target.approved} of {target.minimum} approved ({needed})",
        )


def dashboard_progress(
    user: UserSummary,
    *,
    department_id: int | None,
    today: date,
    training_year: int | None = None,
    cohort: str | None = None,
) -> None:
    """The dashboard's Progress tab: the share of trainees on track by department and training year."""
    st.caption(
        "Trainees on track against their training year's logbook targets (approved entries only); behind = a "
        "target under its share once the checkpoint of the year has passed. The Progress page lists who."
    )
    found = loaders.training.progress_list(user, today, department_id, training_year, cohort)
    share = on_track_frame(found)
    if share.empty:
        widgets.empty_state("No logbook targets apply to these trainees yet.", "Admins set them on Training years.")
        return
    tables.show(share, width="stretch")
    widgets.download_buttons(share, name="progress-on-track", key="dashboard.progress.download")
    widgets.link_to("/progress", "Open Progress: who is behind and why")


def dashboard_results(
    user: UserSummary, *, department: str | None, training_year: int | None = None, cohort: str | None = None
) -> None:
    """The dashboard's Results tab: pass rate and mean by department, score distribution per assessment."""
    st.caption("Published and frozen results only; pass rate = passed / results, pooled over the rows shown.")
    by_department = loaders.training.results_by_department(user, department, training_year, cohort)
    if by_department.empty:
        widgets.empty_state("No published results in your view yet.")
        return
    st.subheader("Pass rate and mean by department")
    tables.show(by_department, width="stretch")
    widgets.download_buttons(by_department, name="results-by-department", key="dashboard.results.download")
    st.subheader("Score distribution per assessment")
    bands = loaders.training.score_distribution(user, department, training_year, cohort)
    tables.show(bands, width="stretch")
    widgets.download_buttons(bands, name="score-distribution", key="dashboard.results.bands.download")


def training_filters(user: UserSummary, *, key: str) -> tuple[int | None, str | None]:
    """Training year and cohort pickers kept in the URL (`year`, `cohort`); (None, None) means everyone."""
    years = list(range(1, int(str(loaders.settings.runtime_settings().get("training_years", 5))) + 1))
    cohorts = loaders.training.cohorts(user)
    left, right = st.columns(2)
    year_options = [0, *years]
    year = left.selectbox(
        "Training year",
        year_options,
        format_func=lambda y: f"Year {y}" if y else "All years",
        index=widgets.url_index(year_options, "year"),
        key=f"{key}.year",
    )
    cohort_options = ["", *cohorts]
    cohort = right.selectbox(
        "Cohort",
        cohort_options,
        format_func=lambda c: c or "All cohorts",
        index=widgets.url_index(cohort_options, "cohort"),
        key=f"{key}.cohort",
    )
    widgets.set_url_params(year=year or None, cohort=cohort or None)
    return year or None, cohort or None
