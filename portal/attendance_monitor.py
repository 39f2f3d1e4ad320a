"""The missing-attendance monitor section of the Attendance page (admins, supervisors): departments × weeks."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core import calendar, clock
from core.dto import MissingAttendanceGrid, UserSummary
from portal import loaders, tables, widgets

FULL, PART = "#d7f0dd", "#fff1c2"
NONE = "#fde2e1"


def period_options(day: date) -> list[str]:
    """This quarter and the three before it, then this month and the five before it."""
    quarters = [calendar.quarter_of(calendar.add_months(day, -3 * i)).label for i in range(4)]
    months = [calendar.month_label(calendar.add_months(day, -i)) for i in range(6)]
    return quarters + months


def render_monitor(user: UserSummary) -> None:
    """The grid, the missing dates of the picked department, and the downloads."""
    st.caption(
        "Expected session days are each department's session weekdays (Calendar) minus holidays and term breaks, "
        "up to yesterday. A day is covered when at least one attendance record of the department is dated on it: "
        "a department that forgot to upload shows here instead of looking perfect."
    )
    today = clock.today()
    options = period_options(today)
    period = st.selectbox("Period", options, key="attendance.monitor.period")
    grid = loaders.attendance.missing_attendance(user, str(period), today)
    if grid.cells.empty:
        widgets.empty_state("No session days expected in this period yet.")
        return
    shown = _pivot(grid)
    event = tables.show(
        shown.style.map(_colour),
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="attendance.monitor.grid",
    )
    st.caption(
        "Each cell: days with records / expected session days in the week (Monday). Click a row for its missing dates."
    )
    departments = [str(d) for d in shown["Department"]]
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    picked = departments[rows[0]] if rows else None
    chosen = st.selectbox(
        "Missing dates of",
        departments,
        index=departments.index(picked) if picked in departments else None,
        placeholder="Choose a department (or click its row)…",
        key="attendance.monitor.department",
    )
    if chosen is not None:
        _missing_dates(grid, str(chosen))
    export = grid.cells.drop(columns=["department_id"])
    widgets.download_buttons(
        export,
        name="missing-attendance",
        key="attendance.monitor.download",
        period=grid.period_label,
        title="Missing attendance",
    )


def _pivot(grid: MissingAttendanceGrid) -> pd.DataFrame:
    """One row per department, one column per week (Monday), each cell "covered/expected"."""
    cells = grid.cells.assign(week=[f"{w:%d %b}" for w in grid.cells["week"]])
    order = list(dict.fromkeys(cells["week"]))
    text = cells.assign(value=[f"{c}/{e}" for c, e in zip(cells["covered"], cells["expected"], strict=True)])
    shown = text.pivot(index="department", columns="week", values="value").reindex(columns=order).fillna("")
    return shown.reset_index().rename(columns={"department": "Department"})


def _colour(value: object) -> str:
    """A cell's background from its "covered/expected" text (other cells: none)."""
    covered, slash, expected = str(value).partition("/")
    if not slash or not covered.isdigit() or not expected.isdigit() or int(expected) == 0:
        return ""
    share = int(covered) / int(expected)
    return f"background-color: {FULL if share >= 1 else (PART if share >= 0.5 else NONE)}"


def _missing_dates(grid: MissingAttendanceGrid, department: str) -> None:
    mine = grid.cells[(grid.cells["department"] == department) & (grid.cells["missing"] > 0)]
    if mine.empty:
        st.success(f"{widgets.plain(department)}: every expected session day has records.", icon="✅")
        return
    st.markdown(f"**{widgets.plain(department)}: {int(mine['missing'].sum())} session day(s) without records**")
    st.table(
        pd.DataFrame({"Week of": [f"{w:%d %b %Y}" for w in mine["week"]], "Missing dates": mine["missing_dates"]}),
        hide_index=True,
    )
