"""Dashboard read services: the overview's headline cards, each compared like with like.

Scoped exactly like core.services.dashboards.analytics (whose view, threshold and label helpers these reuse);
every figure comes from core.services.dashboards.figures (one function per figure).

Comparisons: a period that is still running is not compared with a complete one. By default the
cards show the last complete months of the chosen length (a chosen span that ends in the running
month is moved back one month) against the span before; `running=True` shows the running period to
date, uncompared. A card whose previous period has no data shows no delta ("no earlier data").
Every percentage names its base, and one below the small-base setting is flagged `small_base`.

Round trips: the viewer's authorization, the two settings the cards read, then every figure of every card
in ONE statement (each figure's own one-row statement from core.services.dashboards.figures, cross-joined by
core.repositories.analytics.fetch_together): three statements instead of thirteen.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from core.calendar import add_months, month_label, month_start, period_label, previous_quarter, quarter_of, short_period
from core.dto import DashboardFilters, DashboardOverview, KpiCard, UserSummary
from core.repositories import analytics as repo
from core.services.dashboards import figures
from core.services.dashboards._common import ratio, scoped_view

NO_EARLIER_DATA = "no earlier data"
RUNNING = "running period: not compared"


def get_overview(
    session: Session,
    actor: UserSummary,
    *,
    filters: DashboardFilters,
    today: date,
    now: datetime | None = None,
    running: bool = False,
) -> DashboardOverview:
    """The overview cards for the viewer's scope. `now` (default: the end of `today`) ages the queue."""
    _, view = scoped_view(session, actor, filters)
    at = now or datetime.combine(today, time.max)
    minimum, threshold = figures.card_settings(session)
    start, end = month_start(filters.start), month_start(filters.end)
    current = month_start(today)
    complete = not running
    if complete and end >= current:  # the chosen span ends in the running month: use complete months
        shift = -((end.year - current.year) * 12 + end.month - current.month) - 1
        start, end = add_months(start, shift), add_months(end, shift)
    previous_start, previous_end = add_months(start, -filters.months), add_months(start, -1)
    if complete:
        period = period_label(start, end)
        comparison = f"{short_period(start, end)} vs {short_period(previous_start, previous_end)}"
        previous = period_label(previous_start, previous_end)
    else:
        period = f"{period_label(start, end)} (to {today:%d %b})"
        comparison, previous = RUNNING, "nothing (the period is still running)"
    activity = _activity_queries(view, start=start, today=today, now=at)
    logbook = _logbook_queries(
        view, start=start, end=end, previous=(previous_start, previous_end) if complete else None
    )
    attendance = _attendance_queries(view, today=today, complete=complete, threshold=threshold)
    rows = repo.fetch_together(session, [*activity, *logbook, *attendance])
    rows_activity, rows_logbook = rows[: len(activity)], rows[len(activity) : len(activity) + len(logbook)]
    rows_attendance = rows[len(activity) + len(logbook) :]
    cards = (
        *_activity_cards(rows_activity, start=start),
        *_logbook_cards(rows_logbook, period=period, comparison=comparison, minimum=minimum, compared=complete),
        *_attendance_cards(rows_attendance, today=today, complete=complete, minimum=minimum, threshold=threshold),
    )
    return DashboardOverview(period_label=period, previous_label=previous, cards=cards)


def _activity_queries(
    view: repo.Conditions, *, start: date, today: date, now: datetime
) -> list[Select[*tuple[Any, ...]]]:
    month_ago = today - timedelta(days=30)
    return [
        repo.active_trainees_query(view, created_before=datetime.combine(start, time.min)),
        repo.recent_entries_query(
            view, since=today - timedelta(days=29), previous_since=today - timedelta(days=59), until=today
        ),
        figures.pending_ageing_query(view, now=now),
        repo.pending_at_query(view, moment=datetime.combine(month_ago, time.max)),
    ]


def _activity_cards(rows: list[tuple[Any, ...]], *, start: date) -> tuple[KpiCard, ...]:
    active, existing = figures.pair_from(rows[0])
    recent, before = figures.pair_from(rows[1])
    ageing = figures.pending_ageing_from(rows[2])
    waiting_before = int(rows[3][0] or 0)
    return (
        KpiCard(
            "active_trainees",
            "Active trainees",
            active,
            existing or None,
            "count",
            "Trainee accounts that are active now, compared with those that existed when the period began.",
            f"since {start:%d %b}" if existing else NO_EARLIER_DATA,
        ),
        KpiCard(
            "entries_30d",
            "Entries, last 30 days",
            recent,
            before or None,
            "count",
            "Submitted logbook entries (drafts never count) whose case date is in the last 30 days.",
            "vs the 30 days before" if before else NO_EARLIER_DATA,
        ),
        KpiCard(
            "pending",
            "Pending verification",
            ageing.total,
            waiting_before,
            "count",
            "Entries waiting for a supervisor's decision right now, whatever their case date, compared "
            f"with the queue 30 days ago. {ageing.over_7_days:,} have waited over 7 days and "
            f"{ageing.over_14_days:,} over 14 (whole days since submission, as on Approvals).",
            "vs 30 days ago",
        ),
    )


def _logbook_queries(
    view: repo.Conditions, *, start: date, end: date, previous: tuple[date, date] | None
) -> list[Select[*tuple[Any, ...]]]:
    now_query = figures.logbook_figures_query(view, start=start, end=end)
    if previous is None:
        return [now_query]
    return [now_query, figures.logbook_figures_query(view, start=previous[0], end=previous[1])]


def _logbook_cards(
    rows: list[tuple[Any, ...]], *, period: str, comparison: str, minimum: int, compared: bool
) -> tuple[KpiCard, ...]:
    now_figures = figures.logbook_figures_from(rows[0])
    before = figures.logbook_figures_from(rows[1]) if compared else None
    has_before = before is not None and before.submitted > 0
    note = comparison if has_before else (NO_EARLIER_DATA if compared else comparison)

    def earlier(value: float | None) -> float | None:
        return value if has_before else None

    compliance = figures.compliance_pct(now_figures)
    reviewed = figures.reviewed_pct(now_figures)
    small = now_figures.submitted < minimum
    return (
        KpiCard(
            "unverified",
            "Unverified",
            now_figures.unverified,
            earlier(before.unverified if before else None),
            "count",
            f"Entries with a case date in {period} submitted and not approved: pending "
            f"{now_figures.pending:,}, returned {now_figures.returned:,}, rejected {now_figures.rejected:,}.",
            note,
        ),
        KpiCard(
            "verified",
            "Verified (approved)",
            now_figures.approved,
            earlier(before.approved if before else None),
            "count",
            f"Entries with a case date in {period} that a supervisor approved. Verified means approved.",
            note,
        ),
        KpiCard(
            "compliance",
            "Compliance",
            compliance,
            earlier(figures.compliance_pct(before) if before else None),
            "percent",
            f"Approved / submitted for case dates in {period}, pooled over every trainee in view. "
            f"Reviewed % (approved, returned or rejected / submitted): {_pct(reviewed)}.",
            note,
            base=now_figures.submitted,
            base_label="submitted",
            small_base=small,
        ),
    )


def _attendance_queries(
    view: repo.Conditions, *, today: date, complete: bool, threshold: float
) -> list[Select[*tuple[Any, ...]]]:
    month = add_months(month_start(today), -1) if complete else month_start(today)
    quarter = previous_quarter(today) if complete else quarter_of(today)
    before_quarter = previous_quarter(quarter.start)
    return [
        figures.attendance_figures_query(view, start=month, end=month),
        figures.attendance_figures_query(view, start=add_months(month, -1), end=add_months(month, -1)),
        figures.eligible_counts_query(
            view, start=month_start(quarter.start), end=month_start(quarter.end), threshold=threshold
        ),
        figures.eligible_counts_query(
            view, start=month_start(before_quarter.start), end=month_start(before_quarter.end), threshold=threshold
        ),
    ]


def _attendance_cards(
    rows: list[tuple[Any, ...]], *, today: date, complete: bool, minimum: int, threshold: float
) -> tuple[KpiCard, ...]:
    month = add_months(month_start(today), -1) if complete else month_start(today)
    att, ses = figures.pair_from(rows[0])
    att_before, ses_before = figures.pair_from(rows[1])
    compare = complete and ses_before > 0
    quarter = previous_quarter(today) if complete else quarter_of(today)
    before_quarter = previous_quarter(quarter.start)
    active, eligible = figures.pair_from(rows[2])
    active_before, eligible_before = figures.pair_from(rows[3])
    month_name = f"{month:%b %Y}" + ("" if complete else " so far")
    return (
        KpiCard(
            "attendance_month",
            f"Attendance, {month_name}",
            figures.attendance_pct(att, ses),
            figures.attendance_pct(att_before, ses_before) if compare else None,
            "percent",
            f"Present or late / recorded sessions in {month_label(month)} (excused counts as a session only).",
            f"vs {add_months(month, -1):%b}" if compare else (RUNNING if not complete else NO_EARLIER_DATA),
            base=ses,
            base_label="sessions",
            small_base=ses < minimum,
        ),
        KpiCard(
            "eligible",
            f"Eligible in {quarter.label}" + ("" if complete else " so far"),
            ratio(eligible, active),
            ratio(eligible_before, active_before) if complete and active_before else None,
            "percent",
            f"Active trainees at or above the {threshold:g}% attendance threshold in {quarter.label}"
            + ("" if complete else " so far")
            + ".",
            f"vs {before_quarter.label}"
            if complete and active_before
            else (RUNNING if not complete else NO_EARLIER_DATA),
            base=active,
            base_label="active trainees",
            small_base=active < minimum,
        ),
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}%"
