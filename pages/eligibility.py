"""Eligibility: exam eligibility from attendance by period, heat-map drill-down and snapshots (all roles, scoped)."""

from datetime import date

import pandas as pd
import streamlit as st

from core import calendar, clock
from core.calendar import Period, PeriodKind
from core.dto import UserSummary
from core.rules.access import ADMIN, ALL_ROLES, LEADERSHIP, TRAINEE
from core.rules.eligibility import DEFAULT_THRESHOLD
from core.services.attendance import eligibility as eligibility_service
from portal import actions, auth, charts, loaders, state, tables, widgets
from portal.progress_views import training_filters

ROLES = ALL_ROLES
KINDS = {PeriodKind.MONTH: "Month", PeriodKind.QUARTER: "Quarter", PeriodKind.YEAR: "Year", PeriodKind.RANGE: "Custom"}


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("🎓 Eligibility")
    configured = loaders.settings.runtime_settings().get("attendance_threshold")
    threshold = float(configured) if isinstance(configured, int | float) else DEFAULT_THRESHOLD
    period = _period_picker()
    department_id, supervisor_id = _filters(user)
    training_year, cohort = (None, None) if user.role == TRAINEE else training_filters(user, key="eligibility")
    widgets.set_url_params(period=period.label, dept=department_id, sup=supervisor_id)
    frame = loaders.attendance.eligibility_table(
        user, period.label, threshold, department_id, supervisor_id, training_year, cohort
    )
    st.caption(
        f"{period.start:%d %b %Y} – {period.end:%d %b %Y} · threshold {threshold:.2f}% (set by the programme "
        "office) · attended = present + late; excused sessions count as sessions, not as attended."
    )
    if frame.empty:
        widgets.empty_state("No active trainees match these filters.")
        return
    st.caption(
        f"Leave policy: {widgets.plain(str(frame['leave_policy'].iloc[0]))}. Approved leave of an excluded type "
        "removes its unattended sessions from Sessions (column *On leave*); a condoned trainee is eligible "
        "whatever the figures."
    )
    if user.role == TRAINEE:
        _my_figures(frame)
    else:
        _summary(frame)
    _table(frame, period)
    _drill_down(user, frame, period)
    if user.role == ADMIN:
        _snapshot(user, period)


def _period_picker() -> Period:
    today = clock.today()
    try:
        current = calendar.parse_period(widgets.url_param("period") or "")
    except calendar.PeriodError:
        current = calendar.quarter_of(today)
    kind = KINDS[current.kind]
    chosen = st.segmented_control("Period", list(KINDS.values()), default=kind, key="eligibility.kind") or kind
    column = st.columns([2, 3])[0]
    with column:
        if chosen == KINDS[PeriodKind.RANGE]:
            picked = st.date_input("From – to (inclusive)", value=(current.start, current.end), key="eligibility.range")
            start, end = (
                (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (current.start, current.end)
            )
            return calendar.date_range(start, end)
        options = _options(chosen, today)
        if chosen == kind and current.label not in options:
            options.insert(0, current.label)
        index = options.index(current.label) if current.label in options else 0
        return calendar.parse_period(st.selectbox(chosen, options, index=index, key=f"eligibility.{chosen.lower()}"))


def _options(kind: str, today: date) -> list[str]:
    """The labels offered for a kind of period, newest first: 24 months, 8 quarters or 5 years."""
    if kind == KINDS[PeriodKind.MONTH]:
        return [calendar.month_label(calendar.add_months(today, -i)) for i in range(24)]
    if kind == KINDS[PeriodKind.QUARTER]:
        return [calendar.quarter_of(calendar.add_months(today, -3 * i)).label for i in range(8)]
    return [calendar.year_period(today.year - i).label for i in range(5)]


def _filters(user: UserSummary) -> tuple[int | None, int | None]:
    if user.role == TRAINEE:
        return None, None
    departments = dict(loaders.dashboards.options(user).departments)  # only departments in the viewer's scope
    supervisors = {sid: name for sid, _uname, name in loaders.users.supervisors()}
    left, right = st.columns(2)
    dept_ids = [0, *departments]
    department = left.selectbox(
        "Department",
        dept_ids,
        format_func=lambda i: departments.get(i, "All departments"),
        index=widgets.url_index(dept_ids, "dept"),
        key="eligibility.dept",
    )
    supervisor = 0
    if user.role in (ADMIN, LEADERSHIP):
        sup_ids = [0, *supervisors]
        supervisor = right.selectbox(
            "Supervisor",
            sup_ids,
            format_func=lambda i: supervisors.get(i, "All supervisors"),
            index=widgets.url_index(sup_ids, "sup"),
            key="eligibility.sup",
        )
    return department or None, supervisor or None


def _summary(frame: pd.DataFrame) -> None:
    eligible = int(frame["eligible"].sum())
    cols = st.columns(3)
    cols[0].metric("Trainees", f"{len(frame):,}")
    cols[1].metric("Eligible", f"{eligible:,}")
    cols[2].metric("At risk (below threshold)", f"{len(frame) - eligible:,}")


def _my_figures(frame: pd.DataFrame) -> None:
    """A trainee's own row in words: attended of sessions, the leave left out, and a condonation."""
    row = frame.iloc[0]
    st.markdown(
        f"**Your attendance:** {int(row['attended']):d} of {int(row['sessions']):d} sessions "
        f"({float(row['percentage']):.2f}%) · {int(row['leave_excluded']):d} session(s) on approved leave left out · "
        + ("eligible" if bool(row["eligible"]) else "not eligible yet")
    )
    if bool(row["condoned"]):
        st.info(f"Condoned for this period: {widgets.plain(str(row['condonation_reason']))}", icon="🛡️")


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Trainee": frame["full_name"],
            "Registration": frame["trainee_id"],
            "Department": frame["department"],
            "Supervisor": frame["supervisor"],
            "Sessions": frame["sessions"],
            "Attended": frame["attended"],
            "%": frame["percentage"],
            "Eligible": [
                "yes (condoned)" if condoned else ("yes" if eligible else "no")
                for eligible, condoned in zip(frame["eligible"], frame["condoned"], strict=True)
            ],
            "Sessions needed": frame["forecast"],
            "On leave": frame["leave_excluded"],
            "Condonation": frame["condonation_reason"],
        }
    )


def _table(frame: pd.DataFrame, period: Period) -> None:
    shown = _display(frame)
    styled = shown.style.apply(
        lambda row: ["background-color: #fde2e1" if row["Eligible"] == "no" else ""] * len(row), axis=1
    ).format({"%": "{:.2f}"})
    tables.show(
        styled,
        hide_index=True,
        width="stretch",
        column_config={
            "On leave": st.column_config.NumberColumn(),
            "Condonation": st.column_config.TextColumn(),
            "Sessions needed": st.column_config.TextColumn(),
        },
    )
    st.caption("Rows highlighted in red are at risk: below the threshold, or no sessions recorded.")
    # What three columns mean, shown under the table rather than as header tooltips (a phone has no hover).
    st.caption(
        "**On leave**: unattended sessions on approved leave of an excluded type, removed from the denominator.  \n"
        "**Condonation**: the reason of an approved condonation for this period.  \n**Sessions needed**: "
        "further sessions, all attended, needed to reach the threshold; 'Out of reach this period' when they exceed "
        "the sessions still to come (estimated from the programme's sessions per day so far times the days left), "
        "'period closed' once the period has ended."
    )
    export = frame.drop(columns=["trainee_pk"])
    export["eligible"] = export["eligible"].map({True: "yes", False: "no"})
    export["condoned"] = export["condoned"].map({True: "yes", False: "no"})
    widgets.download_buttons(
        export, name="eligibility", key="eligibility.download", period=period.label, title="Eligibility"
    )


def _drill_down(user: UserSummary, frame: pd.DataFrame, period: Period) -> None:
    st.subheader("Sessions calendar")
    names = {
        int(pk): f"{name} ({registration})"
        for pk, name, registration in zip(
            frame["trainee_pk"].tolist(), frame["full_name"], frame["trainee_id"], strict=True
        )
    }
    ids = list(names)
    preferred = st.session_state.get(state.ELIGIBILITY_TRAINEE)
    index = ids.index(preferred) if preferred in ids else (0 if user.role == TRAINEE or len(ids) == 1 else None)
    trainee = st.selectbox(
        "Trainee",
        ids,
        index=index,
        format_func=lambda i: names[i],
        placeholder="Choose a trainee…",
        key="eligibility.trainee_pick",
    )
    if trainee is None:
        st.caption("Pick a trainee to see each day of the period, coloured by the status of its sessions.")
        return
    st.session_state[state.ELIGIBILITY_TRAINEE] = trainee
    sessions = loaders.attendance.trainee_sessions(user, trainee, period.label)
    if sessions.empty:
        widgets.empty_state("No sessions recorded for this trainee in the period.")
        return
    counts = sessions["status"].value_counts()
    cols = st.columns(len(charts.STATUS_COLOURS))
    for col, status in zip(cols, charts.STATUS_COLOURS, strict=True):
        col.metric(status.title(), int(counts.get(status, 0)))
    st.plotly_chart(charts.session_calendar(sessions), width="stretch", key="eligibility.heatmap")
    widgets.download_buttons(
        sessions.assign(session_date=sessions["session_date"].dt.date),
        name="trainee-sessions",
        key="eligibility.sessions",
    )


def _snapshot(user: UserSummary, period: Period) -> None:
    st.subheader("Snapshot")
    stored = loaders.attendance.eligibility_snapshot(user, period.label)
    if stored:
        st.caption(
            f"Stored for {period.label}: {stored['trainees']} trainees at threshold "
            f"{stored['threshold_max']:.2f}%, saved {stored['computed_at']:%Y-%m-%d %H:%M}."
        )
    else:
        st.caption(f"No snapshot stored for {period.label} yet. Saving again replaces it (one row per trainee).")
    if st.button(f"Save snapshot for {period.label}", key="eligibility.snapshot"):
        actions.run(
            lambda session, now: eligibility_service.snapshot_period(session, user, period=period.label, now=now),
            affects=actions.Write.ELIGIBILITY_SNAPSHOT,
            done=lambda outcome: (
                f"Saved {outcome['trainees']} trainees for {period.label} "
                f"({outcome['eligible']} eligible, threshold {outcome['threshold']:.2f}%)."
            ),
        )


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router()
