"""Dashboard read services: scoped SQL aggregates over the roll-ups, as DataFrames and frozen DTOs.

Every function re-reads the viewer's role (authorize) and applies their scope in SQL: admin and
leadership see everything, a supervisor only their trainees, a trainee only themselves. Filters
only ever narrow that scope. Department and supervisor are the trainee's current ones.
Logbook figures count entries by the month of their case date; drafts are never counted.
The overview cards live in core.services.dashboards.overview, the at-risk list and per-trainee
drill-down in core.services.dashboards.trainees; both reuse this module's public helpers.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy.orm import Session

from core.calendar import add_months, month_label, month_start, months_between, period_label
from core.dto import (
    ComplianceBreakdown,
    DashboardFilters,
    DashboardOptions,
    PooledCompliance,
    Scope,
    TurnaroundSummary,
    UserSummary,
)
from core.models import User
from core.repositories import analytics as repo
from core.rules.logbook import AGE_BUCKET_LABELS, compute_compliance, compute_reviewed
from core.services.dashboards import figures
from core.services.dashboards._common import NO_DEPARTMENT, NO_SUPERVISOR, scoped_view

TREND_MONTHS = 12
AGE_BUCKETS = AGE_BUCKET_LABELS  # whole days since submission (core.rules.logbook.AGE_BOUNDS)
OVERALL = "Overall (pooled)"
DASH = "–"

# Column names of the frames these services return (pages, charts and PDFs read them by these names).
COL_MONTH = "Month"
COL_DEPARTMENT = "Department"
COL_SUPERVISOR = "Supervisor"
COL_ENTRIES = "Entries"
COL_SUBMITTED = "Submitted"
COL_VERIFIED = "Approved"  # verified means approved
COL_DECIDED = "Decided"
COL_COMPLIANCE = "Compliance %"
COL_REVIEWED = "Reviewed %"
COL_OPEN = "Open to decisions"
COL_SESSIONS = "Sessions"
COL_ATTENDED = "Attended"
COL_ATTENDANCE = "Attendance %"
COL_WAITING = "Waiting"


def default_filters(today: date, months: int = 3) -> DashboardFilters:
    """The current month and the `months - 1` before it, nothing narrowed."""
    end = month_start(today)
    return DashboardFilters(start=add_months(end, 1 - months), end=end)


def percent_text(value: float | None) -> str:
    """A percentage for people: 2 decimals, or '–' when there is nothing to divide by."""
    return DASH if value is None or pd.isna(value) else f"{value:.2f}"


def _trend_window(filters: DashboardFilters) -> tuple[date, date]:
    end = month_start(filters.end)
    return add_months(end, 1 - TREND_MONTHS), end


def _department_names(
    session: Session, scope: Scope, view: repo.Conditions, filters: DashboardFilters
) -> dict[int | None, str]:
    rows = repo.list_departments_in_view(session, view, everything=scope.sees_everything)
    names: dict[int | None, str] = {row[0]: row[1] for row in rows}
    if filters.department_id is not None:
        names = {k: v for k, v in names.items() if k == filters.department_id}
    return names


def dashboard_options(session: Session, actor: UserSummary) -> DashboardOptions:
    """Departments and supervisors the viewer may filter by."""
    scope, view = scoped_view(session, actor, None)
    departments = repo.list_departments_in_view(session, view, everything=scope.sees_everything)
    supervisors = repo.list_supervisors_in_view(session, view) if scope.sees_everything else []
    return DashboardOptions(
        departments=tuple((int(r[0]), str(r[1])) for r in departments),
        supervisors=tuple((int(r[0]), str(r[1])) for r in supervisors),
    )


def logbook_trend(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> pd.DataFrame:
    """Submitted entries per department per case month: the end month and the 11 before it, zero-filled."""
    scope, view = scoped_view(session, actor, filters)
    start, end = _trend_window(filters)
    names = _department_names(session, scope, view, filters)
    rows = repo.logbook_by_month_and_department(session, view, start=start, end=end)
    counts = {(r[0], r[1]): int(r[2] or 0) for r in rows}
    names.update({r[1]: NO_DEPARTMENT for r in rows if r[1] not in names})
    records = [
        {COL_MONTH: month_label(m), COL_DEPARTMENT: name, COL_ENTRIES: counts.get((m, dept_id), 0)}
        for m in months_between(start, end)
        for dept_id, name in sorted(names.items(), key=lambda kv: kv[1])
    ]
    return pd.DataFrame(records, columns=[COL_MONTH, COL_DEPARTMENT, COL_ENTRIES])


def _breakdown(rows: list[tuple[str, int, int, int]], by: str, filters: DashboardFilters) -> ComplianceBreakdown:
    records = [
        {
            by: name,
            COL_SUBMITTED: s,
            COL_VERIFIED: v,
            COL_COMPLIANCE: compute_compliance(v, s),
            COL_DECIDED: d,
            COL_REVIEWED: compute_reviewed(d, s),
        }
        for name, s, v, d in sorted(rows)
    ]
    columns = [by, COL_SUBMITTED, COL_VERIFIED, COL_COMPLIANCE, COL_DECIDED, COL_REVIEWED]
    frame = pd.DataFrame(records, columns=columns)
    for column in (COL_COMPLIANCE, COL_REVIEWED):
        frame[column] = frame[column].astype("float64")
    # Pooled: sum the counts first, then divide once (a mean of the groups' percentages would weigh a
    # department of 3 entries like one of 300).
    submitted = sum(r[1] for r in rows)
    verified = sum(r[2] for r in rows)
    decided = sum(r[3] for r in rows)
    return ComplianceBreakdown(
        by=by,
        rows=frame,
        total=PooledCompliance(
            submitted=submitted,
            verified=verified,
            compliance_pct=compute_compliance(verified, submitted),
            decided=decided,
            reviewed_pct=compute_reviewed(decided, submitted),
        ),
        period_label=period_label(month_start(filters.start), month_start(filters.end)),
    )


def compliance_table(breakdown: ComplianceBreakdown) -> pd.DataFrame:
    """The breakdown as people read it: one row per group, then the pooled total as a row named OVERALL
    (tables, downloads and PDFs); empty when there are no groups."""
    if breakdown.rows.empty:
        return breakdown.rows.copy()
    total = {
        breakdown.by: OVERALL,
        COL_SUBMITTED: breakdown.total.submitted,
        COL_VERIFIED: breakdown.total.verified,
        COL_COMPLIANCE: breakdown.total.compliance_pct,
        COL_DECIDED: breakdown.total.decided,
        COL_REVIEWED: breakdown.total.reviewed_pct,
    }
    frame = pd.concat([breakdown.rows, pd.DataFrame([total], columns=breakdown.rows.columns)], ignore_index=True)
    for column in (COL_COMPLIANCE, COL_REVIEWED):
        frame[column] = frame[column].astype("float64")
    return frame


def compliance_by_department(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> ComplianceBreakdown:
    """Approved / submitted (and reviewed %) per department over the period, every department listed, pooled total."""
    scope, view = scoped_view(session, actor, filters)
    names = _department_names(session, scope, view, filters)
    sums = {
        r[0]: (int(r[1] or 0), int(r[2] or 0), int(r[3] or 0))
        for r in repo.logbook_by(session, view, User.department_id, start=filters.start, end=filters.end)
    }
    names.update({k: NO_DEPARTMENT for k in sums if k not in names})
    rows = [(name, *sums.get(dept_id, (0, 0, 0))) for dept_id, name in names.items()]
    return _breakdown(rows, COL_DEPARTMENT, filters)


def compliance_by_supervisor(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> ComplianceBreakdown:
    """Approved / submitted (and reviewed %) per (current) supervisor of the trainees, and the pooled total."""
    _, view = scoped_view(session, actor, filters)
    names = dict(repo.list_supervisors_in_view(session, view))
    sums = repo.logbook_by(session, view, User.supervisor_id, start=filters.start, end=filters.end)
    rows = [
        (
            names.get(r[0], NO_SUPERVISOR) if r[0] is not None else NO_SUPERVISOR,
            int(r[1] or 0),
            int(r[2] or 0),
            int(r[3] or 0),
        )
        for r in sums
    ]
    return _breakdown(rows, COL_SUPERVISOR, filters)


def compliance_trend(
    session: Session, actor: UserSummary, *, filters: DashboardFilters, today: date | None = None
) -> pd.DataFrame:
    """Pooled compliance and reviewed % per case month over the 12-month window (None where nothing was
    submitted). With `today`, months with case dates in the last 30 days are marked open to decisions:
    their pending entries still pull compliance down."""
    _, view = scoped_view(session, actor, filters)
    start, end = _trend_window(filters)
    sums: dict[date, list[int]] = {}
    for month, _dept, submitted, verified, _pending, decided in repo.logbook_by_month_and_department(
        session, view, start=start, end=end
    ):
        total = sums.setdefault(month, [0, 0, 0])
        total[0] += int(submitted or 0)
        total[1] += int(verified or 0)
        total[2] += int(decided or 0)
    open_from = month_start(today - timedelta(days=30)) if today is not None else None
    records = []
    for m in months_between(start, end):
        submitted, verified, decided = sums.get(m, [0, 0, 0])
        records.append(
            {
                COL_MONTH: month_label(m),
                COL_SUBMITTED: submitted,
                COL_VERIFIED: verified,
                COL_COMPLIANCE: compute_compliance(verified, submitted),
                COL_REVIEWED: compute_reviewed(decided, submitted),
                COL_OPEN: open_from is not None and m >= open_from,
            }
        )
    columns = [COL_MONTH, COL_SUBMITTED, COL_VERIFIED, COL_COMPLIANCE, COL_REVIEWED, COL_OPEN]
    frame = pd.DataFrame(records, columns=columns)
    for column in (COL_COMPLIANCE, COL_REVIEWED):
        frame[column] = frame[column].astype("float64")
    return frame


def verification_turnaround(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> TurnaroundSummary:
    """Median whole days from submission to decision, for entries with a case date in the period."""
    _, view = scoped_view(session, actor, filters)
    histogram = tuple(
        (int(d), int(n)) for d, n in repo.turnaround_histogram(session, view, start=filters.start, end=filters.end) if n
    )
    decided = sum(n for _, n in histogram)
    return TurnaroundSummary(median_days=_median(histogram, decided), decided=decided, histogram=histogram)


def _median(histogram: tuple[tuple[int, int], ...], total: int) -> float | None:
    if total == 0:
        return None
    lower, upper = (total - 1) // 2, total // 2  # 0-based ranks of the middle value(s)
    seen, low_value, high_value = 0, None, None
    for days, count in histogram:
        if low_value is None and lower < seen + count:
            low_value = days
        if upper < seen + count:
            high_value = days
            break
        seen += count
    assert low_value is not None and high_value is not None
    return (low_value + high_value) / 2


def pending_ageing(session: Session, actor: UserSummary, *, filters: DashboardFilters, now: datetime) -> pd.DataFrame:
    """Everything waiting for a decision now (any case date), by whole days since submission
    (core.services.dashboards.figures.pending_ageing, the same function the Approvals queue counts with)."""
    _, view = scoped_view(session, actor, filters)
    ageing = figures.pending_ageing(session, view, now=now)
    return pd.DataFrame({COL_WAITING: list(AGE_BUCKETS), COL_ENTRIES: list(ageing.buckets)})


def attendance_by_department(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> pd.DataFrame:
    """Attendance % (present + late / recorded sessions) per department per month over the 12-month window."""
    scope, view = scoped_view(session, actor, filters)
    start, end = _trend_window(filters)
    names = _department_names(session, scope, view, filters)
    rows = repo.attendance_by_month_and_department(session, view, start=start, end=end)
    sums = {(r[0], r[1]): (int(r[2] or 0), int(r[3] or 0)) for r in rows}
    names.update({r[1]: NO_DEPARTMENT for r in rows if r[1] not in names})
    records = []
    for m in months_between(start, end):
        for dept_id, name in sorted(names.items(), key=lambda kv: kv[1]):
            attended, sessions = sums.get((m, dept_id), (0, 0))
            records.append(
                {
                    COL_MONTH: month_label(m),
                    COL_DEPARTMENT: name,
                    COL_SESSIONS: sessions,
                    COL_ATTENDED: attended,
                    COL_ATTENDANCE: figures.attendance_pct(attended, sessions),
                }
            )
    frame = pd.DataFrame(records, columns=[COL_MONTH, COL_DEPARTMENT, COL_SESSIONS, COL_ATTENDED, COL_ATTENDANCE])
    frame[COL_ATTENDANCE] = frame[COL_ATTENDANCE].astype("float64")
    return frame


def attendance_trend(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> pd.DataFrame:
    """Pooled attendance % per month over the 12-month window (None where no session was recorded)."""
    _, view = scoped_view(session, actor, filters)
    start, end = _trend_window(filters)
    sums: dict[date, list[int]] = {}
    for month, _dept, attended, sessions in repo.attendance_by_month_and_department(
        session, view, start=start, end=end
    ):
        total = sums.setdefault(month, [0, 0])
        total[0] += int(attended or 0)
        total[1] += int(sessions or 0)
    records = [
        {
            COL_MONTH: month_label(m),
            COL_SESSIONS: sums.get(m, [0, 0])[1],
            COL_ATTENDED: sums.get(m, [0, 0])[0],
            COL_ATTENDANCE: figures.attendance_pct(sums.get(m, [0, 0])[0], sums.get(m, [0, 0])[1]),
        }
        for m in months_between(start, end)
    ]
    frame = pd.DataFrame(records, columns=[COL_MONTH, COL_SESSIONS, COL_ATTENDED, COL_ATTENDANCE])
    frame[COL_ATTENDANCE] = frame[COL_ATTENDANCE].astype("float64")
    return frame
