"""Dashboard: KPIs, 12-month trends, verification compliance and attendance, scoped to the viewer (every role)."""

from datetime import date
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.calendar import add_months, month_label, month_start, period_label
from core.clock import today as programme_today
from core.dto import DashboardFilters, DashboardOptions, KpiCard, UserSummary
from core.rules.access import ALL_ROLES, SUPERVISOR, TRAINEE
from core.services.dashboards import analytics
from core.services.dashboards.analytics import (
    COL_ATTENDANCE,
    COL_COMPLIANCE,
    COL_DEPARTMENT,
    COL_ENTRIES,
    COL_MONTH,
    COL_OPEN,
    COL_REVIEWED,
    COL_SESSIONS,
)
from core.services.dashboards.trainees import COL_TRAINEE_ID
from portal import auth, charts, errors, loaders, progress_views, tables, widgets
from portal.progress_views import progress_bars, training_filters

ROLES = ALL_ROLES
TABS = ("Overview", "Trends", "Compliance", "Attendance", "Trainees", "Progress", "Results")
MONTHS_OFFERED = 24
INVERSE = ("unverified", "pending")  # cards where a rise is bad news
DEPARTMENT_KEY = "dashboard.department"
ALL = 0  # the "everything" choice of an id filter (ids start at 1)


def render() -> None:
    user = auth.require_role(*ROLES)
    today = programme_today()
    st.title("📊 Dashboard")
    if user.role == TRAINEE:
        _trainee_home(user, today)
        return
    options = loaders.dashboards.options(user)
    filters = _filters(user, options, today)
    tabs = st.tabs(TABS, key="dashboard.tab", bind="query-params")
    for tab, section in zip(
        tabs, (_overview, _trends, _compliance, _attendance, _trainees, _progress, _results), strict=True
    ):
        if tab.open:
            with tab:
                section(user, filters, today)


def _trainee_home(user: UserSummary, today: date) -> None:
    """One person's dashboard: my attendance, my logbook, my published results; nothing programme-wide."""
    home = loaders.dashboards.trainee_home(user, today)
    st.caption(f"Your own figures, {widgets.plain(home.name)}.")
    st.subheader(f"My attendance in {home.period_text}" + (" (so far)" if home.period_open else ""))
    cols = widgets.card_grid(3)
    cols[0].metric(
        f"Attendance · {home.attended:,} of {home.sessions:,} sessions", f"{home.percentage:.2f}%", border=True
    )
    cols[1].metric("Threshold", f"{home.threshold:.2f}%", border=True)
    cols[2].metric(
        "Sessions needed",
        "0" if home.eligible else ("out of reach" if home.out_of_reach else f"{home.sessions_needed}"),
        border=True,
    )
    widgets.definitions(
        [
            (
                "Attendance",
                "Present or late / your recorded sessions this quarter (excused counts as a session, not as attended).",
            ),
            ("Threshold", "Set by the programme office."),
            (
                "Sessions needed",
                "Further sessions, all attended, to reach the threshold. Sessions still to come are estimated from "
                "the programme's sessions per day so far this quarter times the days left.",
            ),
        ]
    )
    if home.sessions_left is not None:
        st.caption(
            f"About {home.sessions_left} sessions are left this quarter "
            "(the programme's sessions per day so far × the days left)."
        )
    if home.eligible:
        st.success(f"You are at or above the {home.threshold:g}% threshold this quarter.", icon="✅")
    elif home.out_of_reach:
        st.error(f"The threshold is out of reach this period: {home.forecast}.", icon="⚠️")
    else:
        st.warning(
            f"Attend {home.sessions_needed} more sessions, all of them, to reach the {home.threshold:g}% threshold.",
            icon="📅",
        )
    st.subheader("My logbook")
    for column, (status, count) in zip(widgets.card_grid(len(home.logbook)), home.logbook, strict=True):
        column.metric(status.title(), f"{count:,}", border=True)
    if home.returned:
        st.warning(
            f"**{len(home.returned)} returned {'entry needs' if len(home.returned) == 1 else 'entries need'} "
            "your action**: edit and resubmit.",
            icon="✏️",
        )
        for entry in home.returned:
            note = f" · {widgets.plain(entry.feedback)}" if entry.feedback else ""
            st.markdown(f"- [{widgets.plain(entry.title)}]({entry.link}) · case {entry.case_date:%d %b %Y}{note}")
    progress_bars(loaders.training.my_progress(user, today), heading="My logbook progress this training year")
    st.subheader("My published results")
    if not home.results:
        widgets.empty_state("No published results yet.", "You will be notified in your inbox when one is published.")
        return
    table = pd.DataFrame(
        [
            {
                "Assessment": r.assessment,
                "Date": r.assessment_date,
                "Score": r.score,
                "Max": r.max_score,
                "%": r.percentage,
                "Grade": r.grade,
                "Result": r.result,
                "State": r.state,
            }
            for r in home.results
        ]
    )
    tables.show(table, hide_index=True, width="stretch")


def _progress(user: UserSummary, filters: DashboardFilters, today: date) -> None:
    progress_views.dashboard_progress(
        user,
        department_id=filters.department_id,
        today=today,
        training_year=filters.training_year,
        cohort=filters.cohort,
    )


def _results(user: UserSummary, filters: DashboardFilters, _today: date) -> None:
    departments = dict(loaders.dashboards.options(user).departments)
    chosen = departments.get(filters.department_id) if filters.department_id is not None else None
    progress_views.dashboard_results(
        user, department=chosen, training_year=filters.training_year, cohort=filters.cohort
    )


def _filters(user: UserSummary, options: DashboardOptions, today: date) -> DashboardFilters:
    months = [month_label(add_months(month_start(today), -i)) for i in range(MONTHS_OFFERED - 1, -1, -1)]
    default = analytics.default_filters(today)
    start = _url_choice("from", months, month_label(default.start))
    end = _url_choice("to", months, month_label(default.end))
    columns = st.columns([3, 2, 2])
    period = columns[0].select_slider(
        "Months (case and session dates)",
        options=months,
        value=(min(start, end), max(start, end)),
        key="dashboard.period",
    )
    department = supervisor = None
    if user.role != TRAINEE:
        names = dict(options.departments)
        department = _id_select(columns[1], "Department", names, "dept", "All departments", DEPARTMENT_KEY)
    if options.supervisors:
        names = dict(options.supervisors)
        supervisor = _id_select(columns[2], "Supervisor", names, "sup", "All supervisors", "dashboard.supervisor")
    widgets.set_url_params(**{"from": period[0], "to": period[1], "dept": department, "sup": supervisor})
    training_year, cohort = training_filters(user, key="dashboard")  # `year`, `cohort` in the URL
    st.caption(_scope_note(user))
    return DashboardFilters(
        start=_month(period[0]),
        end=_month(period[1]),
        department_id=department,
        supervisor_id=supervisor,
        training_year=training_year,
        cohort=cohort,
    )


def _url_choice(name: str, choices: list[str], default: str) -> str:
    value = widgets.url_param(name, default)
    return value if value in choices else default


def _id_select(
    column: st.delta_generator.DeltaGenerator, label: str, names: dict[int, str], param: str, everything: str, key: str
) -> int | None:
    raw = widgets.url_param(param)
    current = int(raw) if raw and raw.isdigit() and int(raw) in names else ALL
    choices = [ALL, *names]
    chosen = column.selectbox(
        label,
        choices,
        index=choices.index(current),
        key=key,
        on_change=_forget_trainee,
        format_func=lambda i: everything if i == ALL else names[i],
    )
    return None if chosen in (ALL, None) else int(chosen)


def _month(label: str) -> date:
    return date.fromisoformat(label + "-01")


def _scope_note(user: UserSummary) -> str:
    if user.role == SUPERVISOR:
        return "You see the trainees you supervise. Department and supervisor are each trainee's current ones."
    if user.role == TRAINEE:
        return "You see your own logbook and attendance."
    return "All trainees. Department and supervisor are each trainee's current ones. Filters are kept in the URL."


def _forget_trainee() -> None:
    if "trainee" in st.query_params:
        del st.query_params["trainee"]


def _card(column: st.delta_generator.DeltaGenerator, card: KpiCard) -> None:
    percent = card.unit == "percent"
    value = analytics.DASH if card.value is None else (f"{card.value:.2f}%" if percent else f"{int(card.value):,}")
    change = card.change
    delta: str | int | None = None
    if change is not None:
        delta = 0 if change == 0 else (f"{change:+.2f} pp" if percent else f"{int(change):+,}")
    # The base goes in the label: a value with its base ("66.45% of 1,562 submitted") is cut off on a card.
    label = card.label + (f" · {card.base:,} {card.base_label}" if card.base is not None else "")
    label += " · small base" if card.small_base else ""
    column.metric(
        f":gray[{label}]" if card.small_base else label,
        value,
        delta,
        border=True,
        delta_color="off" if card.small_base else ("inverse" if card.key in INVERSE else "normal"),
        delta_description=card.comparison,
    )


def _card_help(card: KpiCard) -> str:
    return card.help + (f" The base ({card.base_text}) is below the small-base setting." if card.small_base else "")


def _overview(user: UserSummary, filters: DashboardFilters, today: date) -> None:
    running = st.toggle(
        "Show the running period (to date, not compared)",
        value=widgets.url_param("cmp") == "running",
        key="dashboard.running",
    )
    widgets.set_url_params(cmp="running" if running else None)
    overview = loaders.dashboards.overview(user, filters, today, running)
    trend = loaders.dashboards.logbook_trend(user, filters)
    compliance = loaders.dashboards.compliance_trend(user, filters)
    attendance = loaders.dashboards.attendance_trend(user, filters)
    st.caption(
        f"Cards: **{overview.period_label}**, compared with {overview.previous_label}"
        + ("." if running else " (complete months only; switch on the running period to see it to date).")
    )
    for row in (overview.cards[:4], overview.cards[4:]):
        for column, card in zip(widgets.card_grid(len(row)), row, strict=True):
            _card(column, card)
    widgets.definitions([(card.label, _card_help(card)) for card in overview.cards])
    if trend[COL_ENTRIES].sum() == 0 and attendance[COL_SESSIONS].sum() == 0:
        widgets.empty_state(
            "No logbook entries or attendance recorded in these 12 months yet.",
            "Figures appear here as soon as entries are submitted or attendance is uploaded.",
        )
        return
    left, right = st.columns(2)
    with left:
        st.markdown("**Logbook entries per month, by department**")
        _figure_or_table(
            charts.entries_by_department(trend),
            _pivot(trend, COL_ENTRIES),
            "entries-per-month",
            "dashboard.overview.entries",
        )
    with right:
        st.markdown("**Compliance and attendance per month (pooled)**")
        both = pd.concat(
            [
                compliance.assign(Measure=COL_COMPLIANCE).rename(columns={COL_COMPLIANCE: "Percent"}),
                attendance.assign(Measure=COL_ATTENDANCE).rename(columns={COL_ATTENDANCE: "Percent"}),
            ]
        )[[COL_MONTH, "Measure", "Percent"]]
        table = both.pivot(index="Measure", columns=COL_MONTH, values="Percent").reset_index()
        _figure_or_table(
            charts.monthly_line(both, "Percent", colour="Measure"),
            _text_percent(table),
            "compliance-attendance-per-month",
            "dashboard.overview.rates",
        )


def _trends(user: UserSummary, filters: DashboardFilters, _today: date) -> None:
    frame = loaders.dashboards.logbook_trend(user, filters)
    last = month_label(month_start(filters.end))
    st.subheader("Logbook entries per department and month")
    st.caption(f"Case dates in the 12 calendar months ending {last}; drafts are not counted.")
    if frame.empty or frame[COL_ENTRIES].sum() == 0:
        widgets.empty_state("No submitted logbook entries in these 12 months.", "Try another period or filter.")
        return
    _figure_or_table(
        charts.entries_by_department(frame), _pivot(frame, COL_ENTRIES), "logbook-entries-per-month", "dashboard.trends"
    )


def _compliance(user: UserSummary, filters: DashboardFilters, today: date) -> None:
    by_department = loaders.dashboards.compliance(user, filters, "department")
    trend = loaders.dashboards.compliance_trend(user, filters, today)
    if by_department.total.submitted == 0:
        widgets.empty_state(
            "Nothing was submitted for verification in this period.",
            "Compliance is approved / submitted; pick a longer period or clear a filter.",
        )
    else:
        total = by_department.total
        overall = total.compliance_pct
        cols = widgets.card_grid(2)
        cols[0].metric(
            "Compliance (pooled)", f"{analytics.percent_text(overall)}% of {total.submitted:,} submitted", border=True
        )
        cols[1].metric(
            "Reviewed % (pooled)",
            f"{analytics.percent_text(total.reviewed_pct)}% of {total.submitted:,} submitted",
            border=True,
        )
        widgets.definitions(
            [
                ("Compliance", "Approved / submitted (pending + approved + returned + rejected; drafts never count)."),
                (
                    "Reviewed %",
                    "Approved, returned or rejected / submitted: how much supervisors have decided, whatever the verdict.",
                ),
            ]
        )
        left, right = st.columns(2)
        with left:
            st.markdown(f"**By department** · overall (pooled) **{analytics.percent_text(overall)}%**")
            _figure_or_table(
                charts.compliance_by_department(by_department.rows, overall),
                _text_percent(analytics.compliance_table(by_department)),
                "compliance-by-department",
                "dashboard.compliance.dept",
            )
        with right:
            st.markdown("**Per case month (pooled): compliance and reviewed %**")
            st.caption("Shaded months have case dates in the last 30 days: still open to decisions.")
            _figure_or_table(
                _compliance_figure(trend),
                _text_percent(trend),
                "compliance-per-month",
                "dashboard.compliance.trend",
            )
        st.markdown("**By supervisor**")
        by_supervisor = loaders.dashboards.compliance(user, filters, "supervisor")
        _table(
            _text_percent(analytics.compliance_table(by_supervisor)),
            "compliance-by-supervisor",
            "dashboard.compliance.sup",
        )
    left, right = st.columns(2)
    with left:
        _turnaround(user, filters)
    with right:
        ageing = loaders.dashboards.pending_ageing(user, filters, today)
        waiting = int(ageing[COL_ENTRIES].sum())
        st.markdown(f"**Waiting for a decision now** · {waiting:,} entries")
        if waiting == 0:
            st.success("Nothing is waiting for verification.", icon="✅")
        else:
            _figure_or_table(charts.ageing(ageing), ageing, "pending-ageing", "dashboard.compliance.ageing")


def _compliance_figure(trend: pd.DataFrame) -> go.Figure:
    """Compliance and reviewed % per month, the months still open to decisions shaded."""
    both = pd.concat(
        [
            trend.assign(Measure=COL_COMPLIANCE).rename(columns={COL_COMPLIANCE: "Percent"}),
            trend.assign(Measure=COL_REVIEWED).rename(columns={COL_REVIEWED: "Percent"}),
        ]
    )[[COL_MONTH, "Measure", "Percent"]]
    figure = charts.monthly_line(both, "Percent", colour="Measure")
    open_months = [str(m) for m in trend.loc[trend[COL_OPEN], COL_MONTH]]
    if open_months:
        figure.add_vrect(
            x0=open_months[0],
            x1=open_months[-1],
            fillcolor="#999999",
            opacity=0.15,
            line_width=0,
            annotation_text="open to decisions",
            annotation_position="top left",
        )
    return figure


def _turnaround(user: UserSummary, filters: DashboardFilters) -> None:
    summary = loaders.dashboards.turnaround(user, filters)
    if summary.median_days is None:
        st.markdown("**Verification turnaround**")
        widgets.empty_state("No decisions on entries from this period yet.")
        return
    st.markdown(
        f"**Verification turnaround** · median **{summary.median_days:g} days** over {summary.decided:,} decisions"
    )
    table = pd.DataFrame(summary.histogram, columns=["Days from submission to decision", "Decisions"])
    _figure_or_table(
        charts.turnaround_histogram(summary), table, "verification-turnaround", "dashboard.compliance.turnaround"
    )


def _attendance(user: UserSummary, filters: DashboardFilters, today: date) -> None:
    frame = loaders.dashboards.attendance(user, filters)
    st.subheader("Attendance % by department and month")
    st.caption(
        f"The 12 months ending {month_label(filters.end)}: present or late / recorded sessions "
        "(excused counts as a session, not as attended)."
    )
    if frame.empty or frame[COL_SESSIONS].sum() == 0:
        widgets.empty_state("No attendance recorded in these 12 months.", "Upload attendance on the Attendance page.")
    else:
        table = _text_percent(frame.pivot(index=COL_DEPARTMENT, columns=COL_MONTH, values=COL_ATTENDANCE).reset_index())
        _figure_or_table(
            charts.attendance_heatmap(frame), table, "attendance-by-department", "dashboard.attendance.grid"
        )
    risk = loaders.dashboards.at_risk(user, filters, today)
    st.subheader(f"At risk in {risk.period_label}")
    st.caption(
        f"Active trainees below the {risk.threshold:g}% threshold so far this quarter, including those with no "
        "sessions recorded yet (0.00%), with the sessions they still need if they attend every one from now on "
        "('out of reach' when that is more than the sessions left this quarter, estimated from the programme's rate)."
    )
    if risk.rows.empty:
        st.success("Every active trainee in view is at or above the threshold this quarter.", icon="✅")
        return
    _table(_text_percent(risk.rows), "attendance-at-risk", "dashboard.attendance.risk")


def _trainees(user: UserSummary, filters: DashboardFilters, _today: date) -> None:
    if user.role == TRAINEE:
        _trainee_detail(user, user.id or 0, filters)
        return
    if filters.department_id is None:
        _department_picker(user, filters)
        return
    frame = loaders.dashboards.trainees(user, filters)
    names = dict(loaders.dashboards.options(user).departments)
    st.button("← All departments", key="dashboard.drill.back", on_click=_clear_department)
    st.subheader(f"{widgets.plain(names.get(filters.department_id, 'Department'))}: trainees")
    if frame.empty:
        widgets.empty_state("No trainees in view in this department.")
        return
    st.caption("Select a trainee to see their entries and attendance.")
    shown = _text_percent(frame.drop(columns=[COL_TRAINEE_ID]))
    _downloads(shown, "department-trainees", "dashboard.drill.download")
    tables.show(
        shown,
        hide_index=True,
        width="stretch",
        key="dashboard.drill.trainees",
        on_select=partial(_pick_trainee, [int(i) for i in frame[COL_TRAINEE_ID]]),
        selection_mode="single-row",
    )
    chosen = widgets.url_param("trainee")
    if chosen and chosen.isdigit():
        _trainee_detail(user, int(chosen), filters)


def _department_picker(user: UserSummary, filters: DashboardFilters) -> None:
    breakdown = loaders.dashboards.compliance(user, filters, "department")
    st.subheader("Choose a department")
    if breakdown.rows.empty:
        widgets.empty_state("There are no departments yet.")
        return
    st.caption("Select a row (or use the Department filter above) to list its trainees.")
    shown = _text_percent(breakdown.rows)
    ids_by_name = {name: department_id for department_id, name in loaders.dashboards.options(user).departments}
    ids = [ids_by_name.get(str(n)) for n in shown[COL_DEPARTMENT]]
    _downloads(shown, "departments", "dashboard.drill.departments.download")
    tables.show(
        shown,
        hide_index=True,
        width="stretch",
        key="dashboard.drill.pick",
        on_select=partial(_pick_department, ids),
        selection_mode="single-row",
    )


def _pick_department(ids: list[int | None]) -> None:
    rows = st.session_state["dashboard.drill.pick"].selection.rows
    if rows and rows[0] < len(ids) and ids[rows[0]] is not None:
        st.session_state[DEPARTMENT_KEY] = ids[rows[0]]
        _forget_trainee()


def _pick_trainee(ids: list[int]) -> None:
    rows = st.session_state["dashboard.drill.trainees"].selection.rows
    if rows and rows[0] < len(ids):
        st.query_params["trainee"] = str(ids[rows[0]])
    else:
        _forget_trainee()


def _clear_department() -> None:
    st.session_state[DEPARTMENT_KEY] = ALL
    _forget_trainee()


def _trainee_detail(user: UserSummary, trainee_id: int, filters: DashboardFilters) -> None:
    with errors.handled():
        name, entries, attendance = loaders.dashboards.trainee_detail(user, trainee_id, filters)
        st.subheader(widgets.plain(name))
        st.caption(f"Case and session dates in {period_label(filters.start, filters.end)}.")
        left, right = st.columns(2)
        with left:
            st.markdown(f"**Logbook entries** · {len(entries):,}")
            if entries.empty:
                widgets.empty_state("No submitted entries in this period.")
            else:
                _table(entries, "trainee-entries", "dashboard.detail.entries")
        with right:
            st.markdown(f"**Attendance** · {len(attendance):,} sessions")
            if attendance.empty:
                widgets.empty_state("No attendance recorded in this period.")
            else:
                _table(attendance, "trainee-attendance", "dashboard.detail.attendance")


def _figure_or_table(figure: go.Figure, table: pd.DataFrame, name: str, key: str) -> None:
    """A chart with a toggle to show its data as a table; both download as CSV and XLSX."""
    left, right = st.columns([3, 2], vertical_alignment="center")
    as_table = left.toggle("Show as table", key=f"{key}.table")
    with right:
        widgets.download_buttons(table, name=name, key=f"{key}.download")
    if as_table:
        tables.show(table, hide_index=True, width="stretch")
    else:
        st.plotly_chart(figure, key=f"{key}.chart", config={"displaylogo": False})


def _downloads(table: pd.DataFrame, name: str, key: str) -> None:
    with st.columns([3, 2])[1]:
        widgets.download_buttons(table, name=name, key=key)


def _table(table: pd.DataFrame, name: str, key: str) -> None:
    """A plain table with its CSV and XLSX downloads."""
    _downloads(table, name, key)
    tables.show(table, hide_index=True, width="stretch")


def _pivot(frame: pd.DataFrame, values: str) -> pd.DataFrame:
    return frame.pivot(index=COL_DEPARTMENT, columns=COL_MONTH, values=values).reset_index()


def _text_percent(frame: pd.DataFrame) -> pd.DataFrame:
    """Percent columns as text with '–' where there was nothing to divide (never NaN)."""
    shown = frame.copy()
    for column in shown.columns:
        if shown[column].dtype == "float64":
            shown[column] = shown[column].map(analytics.percent_text)
    return shown


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
