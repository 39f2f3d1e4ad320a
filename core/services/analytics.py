"""Dashboard read services: scoped SQL aggregates over the roll-ups, as DataFrames and frozen DTOs.

Every function re-reads the viewer's role (authorize) and applies their scope in SQL: admin and
leadership see everything, a supervisor only their trainees, a trainee only themselves. Filters
only ever narrow that scope. Department and supervisor are the trainee's current ones.
Logbook figures count entries by the month of their case date; drafts are never counted.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import update
from sqlalchemy.orm import Session

from core.dto import (
    DashboardFilters,
    DashboardOptions,
    DashboardOverview,
    KpiCard,
    Scope,
    TurnaroundSummary,
    UserSummary,
)
from core.errors import NotFoundError
from core.models import User
from core.repositories import analytics as repo
from core.rules.access import ALL_ROLES
from core.rules.eligibility import compute_eligibility, compute_quarter_of
from core.rules.logbook import compute_compliance
from core.services.access import authorize
from core.services.rollups import add_months, month_start
from core.services.settings import get_setting

TREND_MONTHS = 12
AGE_BUCKETS = ("0–7 days", "8–14 days", "15–30 days", "over 30 days")
NO_DEPARTMENT = "(no department)"
NO_SUPERVISOR = "(no supervisor)"
OVERALL = "Overall (pooled)"
DASH = "–"


def month_label(month: date) -> str:
    """YYYY-MM."""
    return f"{month.year:04d}-{month.month:02d}"


def short_period(start: date, end: date) -> str:
    """'Jun–Aug' within one year, 'Nov 2025–Jan 2026' across years, 'Oct' for one month."""
    if start == end:
        return start.strftime("%b")
    if start.year == end.year:
        return f"{start:%b}–{end:%b}"
    return f"{start:%b %Y}–{end:%b %Y}"


def period_label(start: date, end: date) -> str:
    """'YYYY-MM' or 'YYYY-MM – YYYY-MM'."""
    return month_label(start) if start == end else f"{month_label(start)} – {month_label(end)}"


def default_filters(today: date, months: int = 3) -> DashboardFilters:
    """The current month and the `months - 1` before it, nothing narrowed."""
    end = month_start(today)
    return DashboardFilters(start=add_months(end, 1 - months), end=end)


def percent_text(value: float | None) -> str:
    """A percentage for people: 2 decimals, or '–' when there is nothing to divide by."""
    return DASH if value is None or pd.isna(value) else f"{value:.2f}"


def _ratio(part: int | float, whole: int | float) -> float | None:
    return round(100 * float(part) / float(whole), 2) if whole else None


def _view(session: Session, actor: UserSummary, filters: DashboardFilters | None) -> tuple[Scope, repo.Conditions]:
    user = authorize(session, actor, *ALL_ROLES)
    scope = Scope(role="admin", user_id=None) if user is None else Scope(role=user.role, user_id=user.id)
    return scope, repo.view_conditions(scope, filters)


def _trend_window(filters: DashboardFilters) -> tuple[date, date]:
    end = month_start(filters.end)
    return add_months(end, 1 - TREND_MONTHS), end


def _months(start: date, end: date) -> list[date]:
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    return [add_months(start, i) for i in range(max(count, 0))]


def _department_names(session: Session, scope: Scope, view: repo.Conditions,
                      filters: DashboardFilters) -> dict[int | None, str]:
    rows = repo.list_departments_in_view(session, view, everything=scope.sees_everything)
    names: dict[int | None, str] = {row[0]: row[1] for row in rows}
    if filters.department_id is not None:
        names = {k: v for k, v in names.items() if k == filters.department_id}
    return names


def dashboard_options(session: Session, actor: UserSummary) -> DashboardOptions:
    """Departments and supervisors the viewer may filter by."""
    scope, view = _view(session, actor, None)
    departments = repo.list_departments_in_view(session, view, everything=scope.sees_everything)
    supervisors = repo.list_supervisors_in_view(session, view) if scope.sees_everything else []
    return DashboardOptions(
        departments=tuple((int(r[0]), str(r[1])) for r in departments),
        supervisors=tuple((int(r[0]), str(r[1])) for r in supervisors),
    )


def get_overview(session: Session, actor: UserSummary, *, filters: DashboardFilters, today: date) -> DashboardOverview:
    """The eight overview cards, each with the same figure for the previous period."""
    _, view = _view(session, actor, filters)
    start, end = month_start(filters.start), month_start(filters.end)
    previous_start = add_months(start, -filters.months)
    previous_end = add_months(start, -1)
    period, previous = period_label(start, end), period_label(previous_start, previous_end)
    vs_previous = f"vs {short_period(previous_start, previous_end)}"
    active, existing = repo.count_active_trainees(session, view, created_before=datetime.combine(start, time.min))
    recent, before = repo.count_recent_entries(
        session, view, since=today - timedelta(days=29), previous_since=today - timedelta(days=59), until=today)
    queue = repo.pending_ageing(session, view, today=today)
    waiting, overdue = sum(int(v) for v in queue), int(queue[2]) + int(queue[3])
    month_ago = today - timedelta(days=30)
    waiting_before = repo.count_pending_at(session, view, moment=datetime.combine(month_ago, time.max))
    sums = [int(v) for v in repo.sum_logbook_periods(session, view, start=start, end=end,
                                                     previous_start=previous_start)]
    _pending, _pending_before, submitted, submitted_before, verified, verified_before = sums
    this_month, last_month = month_start(today), add_months(month_start(today), -1)
    att, ses, att_before, ses_before = (int(v) for v in repo.attendance_periods(
        session, view, month=this_month, previous_month=last_month))
    eligible = _eligible_shares(session, view, today)
    cards = (
        KpiCard("active_trainees", "Active trainees", active, existing, "count",
                "Trainee accounts that are active now, compared with those that existed when the period began.",
                f"since {start:%d %b}"),
        KpiCard("entries_30d", "Entries, last 30 days", recent, before, "count",
                "Submitted logbook entries (drafts excluded) whose case date is in the last 30 days.",
                "vs the 30 days before"),
        KpiCard("pending", "Pending verification", waiting, waiting_before, "count",
                "Entries waiting for a supervisor's decision right now, whatever their case date, compared "
                f"with the queue 30 days ago (submitted by then and not yet decided then). {overdue:,} have "
                "waited over 14 days.",
                "vs 30 days ago"),
        KpiCard("unverified", "Unverified", submitted - verified, submitted_before - verified_before, "count",
                f"Entries with a case date in {period} submitted but not yet verified.", vs_previous),
        KpiCard("verified", "Verified", verified, verified_before, "count",
                f"Entries with a case date in {period} that a supervisor approved, returned or rejected.",
                vs_previous),
        KpiCard("compliance", "Compliance", compute_compliance(verified, submitted),
                compute_compliance(verified_before, submitted_before), "percent",
                f"Verified / submitted for case dates in {period}, pooled over every trainee in view.", vs_previous),
        KpiCard("attendance_month", "Attendance this month", _ratio(att, ses), _ratio(att_before, ses_before),
                "percent", f"Present or late / recorded sessions in {month_label(this_month)}.",
                f"vs {last_month:%b}"),
        KpiCard("eligible", "Currently eligible", eligible[0], eligible[1], "percent",
                f"Active trainees at or above the attendance threshold in {eligible[2]} so far.",
                f"vs {eligible[3]}"),
    )
    return DashboardOverview(period_label=period, previous_label=previous, cards=cards)


def _threshold_hundredths(session: Session) -> tuple[float, int]:
    threshold = float(get_setting(session, "attendance_threshold"))
    return threshold, round(threshold * 100)


def _eligible_shares(session: Session, view: repo.Conditions,
                     today: date) -> tuple[float | None, float | None, str, str]:
    """% of active trainees eligible in the current and the previous quarter, with their labels."""
    _, hundredths = _threshold_hundredths(session)
    quarter = compute_quarter_of(today)
    previous = compute_quarter_of(quarter.start - timedelta(days=1))
    shares: list[float | None] = []
    for period in (quarter, previous):
        total, eligible = repo.count_eligible(session, view, start=month_start(period.start),
                                              end=month_start(period.end), threshold_hundredths=hundredths)
        shares.append(_ratio(eligible, total))
    return shares[0], shares[1], quarter.label, previous.label


def logbook_trend(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> pd.DataFrame:
    """Submitted entries per department per case month: the end month and the 11 before it, zero-filled."""
    scope, view = _view(session, actor, filters)
    start, end = _trend_window(filters)
    names = _department_names(session, scope, view, filters)
    rows = repo.logbook_by_month_and_department(session, view, start=start, end=end)
    counts = {(r[0], r[1]): int(r[2] or 0) for r in rows}
    names.update({r[1]: NO_DEPARTMENT for r in rows if r[1] not in names})
    records = [
        {"Month": month_label(m), "Department": name, "Entries": counts.get((m, dept_id), 0)}
        for m in _months(start, end) for dept_id, name in sorted(names.items(), key=lambda kv: kv[1])
    ]
    return pd.DataFrame(records, columns=["Month", "Department", "Entries"])


def _compliance_frame(rows: list[tuple[str, int, int]], key: str) -> pd.DataFrame:
    records = [{key: name, "Submitted": s, "Verified": v, "Compliance %": compute_compliance(v, s)}
               for name, s, v in sorted(rows)]
    total_s, total_v = sum(r[1] for r in rows), sum(r[2] for r in rows)
    if records:
        records.append({key: OVERALL, "Submitted": total_s, "Verified": total_v,
                        "Compliance %": compute_compliance(total_v, total_s)})
    frame = pd.DataFrame(records, columns=[key, "Submitted", "Verified", "Compliance %"])
    frame["Compliance %"] = frame["Compliance %"].astype("float64")
    return frame


def compliance_by_department(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> pd.DataFrame:
    """Verified / submitted per department over the period, every department listed, plus the pooled overall row."""
    scope, view = _view(session, actor, filters)
    names = _department_names(session, scope, view, filters)
    sums = {r[0]: (int(r[1] or 0), int(r[2] or 0)) for r in repo.logbook_by(
        session, view, User.department_id, start=filters.start, end=filters.end)}
    names.update({k: NO_DEPARTMENT for k in sums if k not in names})
    rows = [(name, *sums.get(dept_id, (0, 0))) for dept_id, name in names.items()]
    return _compliance_frame(rows, "Department")


def compliance_by_supervisor(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> pd.DataFrame:
    """Verified / submitted per (current) supervisor of the trainees, plus the pooled overall row."""
    _, view = _view(session, actor, filters)
    names = dict(repo.list_supervisors_in_view(session, view))
    sums = repo.logbook_by(session, view, User.supervisor_id, start=filters.start, end=filters.end)
    rows = [(names.get(r[0], NO_SUPERVISOR) if r[0] is not None else NO_SUPERVISOR, int(r[1] or 0), int(r[2] or 0))
            for r in sums]
    return _compliance_frame(rows, "Supervisor")


def compliance_trend(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> pd.DataFrame:
    """Pooled compliance per case month over the 12-month window (None where nothing was submitted)."""
    _, view = _view(session, actor, filters)
    start, end = _trend_window(filters)
    sums: dict[date, list[int]] = {}
    for month, _dept, submitted, verified, _pending in repo.logbook_by_month_and_department(
            session, view, start=start, end=end):
        total = sums.setdefault(month, [0, 0])
        total[0] += int(submitted or 0)
        total[1] += int(verified or 0)
    records = [{"Month": month_label(m), "Submitted": sums.get(m, [0, 0])[0], "Verified": sums.get(m, [0, 0])[1],
                "Compliance %": compute_compliance(sums.get(m, [0, 0])[1], sums.get(m, [0, 0])[0])}
               for m in _months(start, end)]
    frame = pd.DataFrame(records, columns=["Month", "Submitted", "Verified", "Compliance %"])
    frame["Compliance %"] = frame["Compliance %"].astype("float64")
    return frame


def verification_turnaround(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> TurnaroundSummary:
    """Median whole days from submission to decision, for entries with a case date in the period."""
    _, view = _view(session, actor, filters)
    histogram = tuple((int(d), int(n)) for d, n in repo.turnaround_histogram(
        session, view, start=filters.start, end=filters.end) if n)
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


def pending_ageing(session: Session, actor: UserSummary, *, filters: DashboardFilters, today: date) -> pd.DataFrame:
    """Everything waiting for a decision now (any case date), by whole days since submission."""
    _, view = _view(session, actor, filters)
    counts = repo.pending_ageing(session, view, today=today)
    return pd.DataFrame({"Waiting": list(AGE_BUCKETS), "Entries": [int(c) for c in counts]})


def attendance_by_department(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> pd.DataFrame:
    """Attendance % (present + late / recorded sessions) per department per month over the 12-month window."""
    scope, view = _view(session, actor, filters)
    start, end = _trend_window(filters)
    names = _department_names(session, scope, view, filters)
    rows = repo.attendance_by_month_and_department(session, view, start=start, end=end)
    sums = {(r[0], r[1]): (int(r[2] or 0), int(r[3] or 0)) for r in rows}
    names.update({r[1]: NO_DEPARTMENT for r in rows if r[1] not in names})
    records = []
    for m in _months(start, end):
        for dept_id, name in sorted(names.items(), key=lambda kv: kv[1]):
            attended, sessions = sums.get((m, dept_id), (0, 0))
            records.append({"Month": month_label(m), "Department": name, "Sessions": sessions,
                            "Attended": attended, "Attendance %": _ratio(attended, sessions)})
    frame = pd.DataFrame(records, columns=["Month", "Department", "Sessions", "Attended", "Attendance %"])
    frame["Attendance %"] = frame["Attendance %"].astype("float64")
    return frame


def attendance_trend(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> pd.DataFrame:
    """Pooled attendance % per month over the 12-month window (None where no session was recorded)."""
    _, view = _view(session, actor, filters)
    start, end = _trend_window(filters)
    sums: dict[date, list[int]] = {}
    for month, _dept, attended, sessions in repo.attendance_by_month_and_department(session, view, start=start,
                                                                                    end=end):
        total = sums.setdefault(month, [0, 0])
        total[0] += int(attended or 0)
        total[1] += int(sessions or 0)
    records = [{"Month": month_label(m), "Sessions": sums.get(m, [0, 0])[1], "Attended": sums.get(m, [0, 0])[0],
                "Attendance %": _ratio(sums.get(m, [0, 0])[0], sums.get(m, [0, 0])[1])} for m in _months(start, end)]
    frame = pd.DataFrame(records, columns=["Month", "Sessions", "Attended", "Attendance %"])
    frame["Attendance %"] = frame["Attendance %"].astype("float64")
    return frame


def at_risk(session: Session, actor: UserSummary, *, filters: DashboardFilters, today: date) -> pd.DataFrame:
    """Active trainees below the attendance threshold in the current quarter, with sessions still needed."""
    _, view = _view(session, actor, filters)
    threshold, hundredths = _threshold_hundredths(session)
    quarter = compute_quarter_of(today)
    rows = repo.list_below_threshold(session, view, start=month_start(quarter.start), end=month_start(quarter.end),
                                     threshold_hundredths=hundredths)
    records = []
    for _id, name, registration, department, supervisor, sessions, attended in rows:
        result = compute_eligibility(sessions=int(sessions), attended=int(attended), threshold=threshold)
        if result.eligible:
            continue
        records.append({
            "Trainee": name, "Registration": registration or "", "Department": department or NO_DEPARTMENT,
            "Supervisor": supervisor or NO_SUPERVISOR, "Sessions": result.sessions, "Attended": result.attended,
            "Attendance %": result.percentage,
            "Sessions needed": "cannot reach" if result.sessions_needed is None else str(result.sessions_needed),
        })
    columns = ["Trainee", "Registration", "Department", "Supervisor", "Sessions", "Attended", "Attendance %",
               "Sessions needed"]
    frame = pd.DataFrame(records, columns=columns)
    frame.attrs["period"] = quarter.label
    frame.attrs["threshold"] = threshold
    return frame


def department_trainees(session: Session, actor: UserSummary, *, filters: DashboardFilters) -> pd.DataFrame:
    """Drill-down: every trainee in view (the department filter picks the department) with period totals."""
    _, view = _view(session, actor, filters)
    rows = repo.list_trainees_with_totals(session, view, start=filters.start, end=filters.end)
    records = [{
        "trainee_id": int(r[0]), "Trainee": r[1], "Registration": r[2] or "", "Supervisor": r[3] or NO_SUPERVISOR,
        "Active": bool(r[4]), "Submitted": int(r[5]), "Verified": int(r[6]), "Pending": int(r[7]),
        "Compliance %": compute_compliance(int(r[6]), int(r[5])), "Sessions": int(r[8]), "Attended": int(r[9]),
        "Attendance %": _ratio(int(r[9]), int(r[8])),
    } for r in rows]
    columns = ["trainee_id", "Trainee", "Registration", "Supervisor", "Active", "Submitted", "Verified", "Pending",
               "Compliance %", "Sessions", "Attended", "Attendance %"]
    frame = pd.DataFrame(records, columns=columns)
    for column in ("Compliance %", "Attendance %"):
        frame[column] = frame[column].astype("float64")
    return frame


def trainee_name(session: Session, actor: UserSummary, *, trainee_id: int) -> str:
    """The display name of a trainee the viewer may see.

    Raises:
        NotFoundError: no such trainee in the viewer's scope.
    """
    _, view = _view(session, actor, None)
    row = repo.get_trainee_in_view(session, view, trainee_id)
    if row is None:
        raise NotFoundError("No such trainee among the people you can see.")
    return f"{row[1]} ({row[2]})" if row[2] else str(row[1])


def trainee_entries(session: Session, actor: UserSummary, *, trainee_id: int,
                    filters: DashboardFilters) -> pd.DataFrame:
    """Drill-down: a trainee's submitted entries with a case date in the period.

    Raises:
        NotFoundError: no such trainee in the viewer's scope.
    """
    trainee_name(session, actor, trainee_id=trainee_id)
    rows = repo.list_trainee_entries(session, trainee_id, start=filters.start,
                                     end=add_months(filters.end, 1) - timedelta(days=1))
    columns = ["Case date", "Title", "Category", "Status", "Submitted", "Decided", "Verified by"]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    frame["Verified by"] = frame["Verified by"].fillna("")
    return frame


def trainee_attendance(session: Session, actor: UserSummary, *, trainee_id: int,
                       filters: DashboardFilters) -> pd.DataFrame:
    """Drill-down: a trainee's attendance records with a session date in the period.

    Raises:
        NotFoundError: no such trainee in the viewer's scope.
    """
    trainee_name(session, actor, trainee_id=trainee_id)
    rows = repo.list_trainee_attendance(session, trainee_id, start=filters.start,
                                        end=add_months(filters.end, 1) - timedelta(days=1))
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["Date", "Session", "Status", "Remarks"])
    frame["Remarks"] = frame["Remarks"].fillna("")
    return frame


def seed_dashboards_demo(session: Session, rng: random.Random, now: datetime) -> None:
    """Demo data: the demo people joined when the demo history starts, not at seeding time."""
    del rng
    joined = datetime.combine(date(now.year - 1, now.month, 1), time(9))
    session.execute(update(User).where(User.created_at > joined).values(created_at=joined))
