"""Dashboard read services about individual trainees: who is at risk, and the per-trainee drill-down.

Scoped exactly like core.services.dashboards.analytics (whose view and threshold helpers these reuse): every
function re-reads the viewer's role and applies their scope in SQL; filters only narrow it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from core.calendar import month_end, month_start, quarter_of
from core.dto import AtRiskList, DashboardFilters, UserSummary
from core.errors import NotFoundError
from core.repositories import analytics as repo
from core.repositories import leave as leave_repo
from core.rules.eligibility import ForecastState, compute_eligibility, compute_sessions_forecast
from core.rules.logbook import compute_compliance
from core.services.attendance.eligibility import programme_sessions_so_far
from core.services.dashboards._common import NO_DEPARTMENT, NO_SUPERVISOR, attendance_threshold, ratio, scoped_view

# The drill-down's hidden key column: the page selects a trainee by it and does not show it.
COL_TRAINEE_ID = "trainee_id"
AT_RISK_COLUMNS = (
    "Trainee",
    "Registration",
    "Department",
    "Supervisor",
    "Sessions",
    "Attended",
    "Attendance %",
    "Sessions needed",
)


def at_risk(session: Session, actor: UserSummary, *, filters: DashboardFilters, today: date) -> AtRiskList:
    """Active trainees not eligible in the current quarter, with sessions still needed.

    Like the "currently eligible" card and the Eligibility page (core.rules.eligibility), a trainee with
    no sessions yet this quarter is at 0.00% and not eligible, so is listed with 0 sessions.
    """
    _, view = scoped_view(session, actor, filters)
    threshold, hundredths = attendance_threshold(session)
    quarter = quarter_of(today)
    rows = repo.list_below_threshold(
        session, view, start=month_start(quarter.start), end=month_start(quarter.end), threshold_hundredths=hundredths
    )
    held = programme_sessions_so_far(session, period=quarter, today=today)
    condoned = leave_repo.list_condoned(session, start=quarter.start, end=quarter.end)  # exempt: not at risk
    records = []
    for _id, name, registration, department, supervisor, sessions, attended in rows:
        result = compute_eligibility(sessions=int(sessions), attended=int(attended), threshold=threshold)
        if result.eligible or _id in condoned:
            continue
        forecast = compute_sessions_forecast(result, period=quarter, today=today, programme_sessions=held)
        records.append(
            {
                "Trainee": name,
                "Registration": registration or "",
                "Department": department or NO_DEPARTMENT,
                "Supervisor": supervisor or NO_SUPERVISOR,
                "Sessions": result.sessions,
                "Attended": result.attended,
                "Attendance %": result.percentage,
                "Sessions needed": "out of reach"
                if forecast.state is ForecastState.OUT_OF_REACH
                else str(forecast.needed),
            }
        )
    frame = pd.DataFrame(records, columns=list(AT_RISK_COLUMNS))
    return AtRiskList(rows=frame, threshold=threshold, period_label=quarter.label)


def department_trainees(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> pd.DataFrame:
    """Drill-down: every trainee in view (the department filter picks the department) with period totals."""
    _, view = scoped_view(session, actor, filters)
    rows = repo.list_trainees_with_totals(session, view, start=filters.start, end=filters.end)
    records = [
        {
            COL_TRAINEE_ID: int(r[0]),
            "Trainee": r[1],
            "Registration": r[2] or "",
            "Supervisor": r[3] or NO_SUPERVISOR,
            "Active": bool(r[4]),
            "Submitted": int(r[5]),
            "Verified": int(r[6]),
            "Pending": int(r[7]),
            "Compliance %": compute_compliance(int(r[6]), int(r[5])),
            "Sessions": int(r[8]),
            "Attended": int(r[9]),
            "Attendance %": ratio(int(r[9]), int(r[8])),
        }
        for r in rows
    ]
    columns = [
        COL_TRAINEE_ID,
        "Trainee",
        "Registration",
        "Supervisor",
        "Active",
        "Submitted",
        "Verified",
        "Pending",
        "Compliance %",
        "Sessions",
        "Attended",
        "Attendance %",
    ]
    frame = pd.DataFrame(records, columns=columns)
    for column in ("Compliance %", "Attendance %"):
        frame[column] = frame[column].astype("float64")
    return frame


def trainee_name(session: Session, actor: UserSummary, *, trainee_id: int) -> str:
    """The display name of a trainee the viewer may see.

    Raises:
        NotFoundError: no such trainee in the viewer's scope.
    """
    _, view = scoped_view(session, actor, None)
    row = repo.get_trainee_in_view(session, view, trainee_id)
    if row is None:
        raise NotFoundError("No such trainee among the people you can see.")
    return f"{row[1]} ({row[2]})" if row[2] else str(row[1])


def trainee_entries(
    session: Session, actor: UserSummary, *, trainee_id: int, filters: DashboardFilters
) -> pd.DataFrame:
    """Drill-down: a trainee's submitted entries with a case date in the period.

    Raises:
        NotFoundError: no such trainee in the viewer's scope.
    """
    trainee_name(session, actor, trainee_id=trainee_id)
    rows = repo.list_trainee_entries(session, trainee_id, start=filters.start, end=_last_day(filters))
    columns = ["Case date", "Title", "Category", "Status", "Submitted", "Decided", "Decided by"]
    return _drill_frame(rows, columns, blank="Decided by")


def trainee_attendance(
    session: Session, actor: UserSummary, *, trainee_id: int, filters: DashboardFilters
) -> pd.DataFrame:
    """Drill-down: a trainee's attendance records with a session date in the period.

    Raises:
        NotFoundError: no such trainee in the viewer's scope.
    """
    trainee_name(session, actor, trainee_id=trainee_id)
    rows = repo.list_trainee_attendance(session, trainee_id, start=filters.start, end=_last_day(filters))
    return _drill_frame(rows, ["Date", "Session", "Status", "Remarks"], blank="Remarks")


def _last_day(filters: DashboardFilters) -> date:
    return month_end(filters.end)


def _drill_frame(rows: Iterable[Sequence[Any]], columns: list[str], *, blank: str) -> pd.DataFrame:
    """The rows as a table, with the one optional text column empty rather than None."""
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    frame[blank] = frame[blank].fillna("")
    return frame
