"""Progress: logbook progress against the training-year targets (trainees: their own; supervisors:
their trainees with who is behind; admins and leadership: everyone, with the share on track), and
the annual-review portfolio PDF."""

import streamlit as st

from core import clock
from core.config import get_settings
from core.dto import TraineeProgress, UserSummary
from core.rules.access import ADMIN, LEADERSHIP, SUPERVISOR, TRAINEE
from core.services.training import portfolio as portfolio_service
from core.services.training.progress import on_track_frame, progress_frame, progress_summary_frame
from portal import actions, auth, loaders, tables, widgets
from portal.progress_views import progress_bars

ROLES = (ADMIN, SUPERVISOR, LEADERSHIP, TRAINEE)
PORTFOLIO_ROLES = (ADMIN, SUPERVISOR, TRAINEE)


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("📈 Training progress")
    today = clock.today()
    if user.role == TRAINEE:
        progress = loaders.training.my_progress(user, today)
        progress_bars(progress)
        _section_portfolio(user, progress)
        return
    department_id, training_year, cohort = _filters(user)
    found = loaders.training.progress_list(user, today, department_id, training_year, cohort)
    if not found:
        widgets.empty_state("No active trainees match these filters.")
        return
    behind = [p for p in found if p.behind]
    st.metric("Behind", f"{len(behind)} of {len(found)}")
    if user.role != SUPERVISOR:
        st.subheader("On track by department and training year")
        share = on_track_frame(found)
        if share.empty:
            widgets.empty_state("No logbook targets apply to these trainees yet.", "Admins set them on Training years.")
        else:
            tables.show(share, width="stretch")
            widgets.download_buttons(share, name="progress-on-track", key="progress.share.download")
    st.subheader("Trainees (behind first)")
    table = progress_summary_frame(found)
    tables.show(table, width="stretch")
    widgets.download_buttons(table, name="training-progress", key="progress.download")
    st.caption("One row per trainee and target, with what is still needed:")
    widgets.download_buttons(progress_frame(found), name="training-progress-targets", key="progress.targets.download")
    _section_trainee(user, found)


def _filters(user: UserSummary) -> tuple[int | None, int | None, str | None]:
    departments = dict(loaders.dashboards.options(user).departments)
    years = list(range(1, int(str(loaders.settings.runtime_settings().get("training_years", 5))) + 1))
    cohorts = loaders.training.cohorts(user)
    left, middle, right = st.columns(3)
    dept_ids = [0, *departments]
    department = left.selectbox(
        "Department",
        dept_ids,
        format_func=lambda i: departments.get(i, "All departments"),
        index=widgets.url_index(dept_ids, "dept"),
        key="progress.dept",
    )
    year_options = [0, *years]
    year = middle.selectbox(
        "Training year",
        year_options,
        format_func=lambda y: f"Year {y}" if y else "All years",
        index=widgets.url_index(year_options, "year"),
        key="progress.year",
    )
    cohort_options = ["", *cohorts]
    cohort = right.selectbox(
        "Cohort",
        cohort_options,
        format_func=lambda c: c or "All cohorts",
        index=widgets.url_index(cohort_options, "cohort"),
        key="progress.cohort",
    )
    widgets.set_url_params(dept=department or None, year=year or None, cohort=cohort or None)
    return department or None, year or None, cohort or None


def _section_trainee(user: UserSummary, found: list[TraineeProgress]) -> None:
    by_id = {p.trainee_id: p for p in found}
    chosen = st.selectbox(
        "Open a trainee",
        list(by_id),
        index=widgets.url_index(list(by_id), "trainee", None),
        placeholder="Choose a trainee…",
        format_func=lambda i: f"{by_id[i].trainee_name} ({'behind' if by_id[i].behind else 'on track'})",
        key="progress.trainee",
    )
    widgets.set_url_params(trainee=chosen)
    if chosen is None:
        return
    progress_bars(by_id[chosen], heading=by_id[chosen].trainee_name)
    if user.role in PORTFOLIO_ROLES:
        _section_portfolio(user, by_id[chosen])


def _section_portfolio(user: UserSummary, progress: TraineeProgress) -> None:
    st.subheader("Annual-review portfolio")
    if progress.training_year is None:
        st.info("A portfolio needs a training year; the programme office sets it.", icon="ℹ️")
        return
    years = list(range(progress.training_year, 0, -1))
    year = st.selectbox("Training year", years, key=f"progress.portfolio.year.{progress.trainee_id}")
    st.caption(
        "Logbook against the targets with the supervisor's latest feedback, attendance by term, results with "
        "weighted totals and a summary line. Its QR code links to the public verification page; it is kept in "
        "the report archive."
    )
    if not st.button("Generate portfolio (PDF)", key=f"progress.portfolio.go.{progress.trainee_id}", type="primary"):
        return
    with st.spinner("Building the portfolio…"):
        made = actions.run(
            lambda session, now: portfolio_service.generate_portfolio(
                session, user, trainee_id=progress.trainee_id, training_year=year, now=now, settings=get_settings()
            ),
            affects=actions.Write.REPORT,
            done=lambda p: f"Portfolio ready: {p.file_name}",
            rerun=False,  # the download button below needs this run's PDF
        )
    if made is None:
        return
    st.download_button(
        "⬇️ Download portfolio",
        data=made.content,
        file_name=made.file_name,
        mime="application/pdf",
        key=f"progress.portfolio.download.{progress.trainee_id}",
        on_click="ignore",
    )
