"""Dashboard read services: the overview's eight headline cards, each with the previous period's figure.

Scoped exactly like core.services.dashboards.analytics (whose view, threshold and label helpers these reuse).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from core.calendar import add_months, month_label, month_start, period_label, previous_quarter, quarter_of, short_period
from core.dto import DashboardFilters, DashboardOverview, KpiCard, UserSummary
from core.repositories import analytics as repo
from core.rules.logbook import compute_compliance
from core.services.dashboards.analytics import attendance_threshold, ratio, scoped_view


def get_overview(session: Session, actor: UserSummary, *, filters: DashboardFilters, today: date) -> DashboardOverview:
    """The eight overview cards, each with the same figure for the previous period."""
    _, view = scoped_view(session, actor, filters)
    start, end = month_start(filters.start), month_start(filters.end)
    previous_start, previous_end = add_months(start, -filters.months), add_months(start, -1)
    period, previous = period_label(start, end), period_label(previous_start, previous_end)
    vs_previous = f"vs {short_period(previous_start, previous_end)}"
    cards = (
        *_activity_cards(session, view, start=start, today=today),
        *_logbook_cards(
            session, view, start=start, end=end, previous_start=previous_start, period=period, vs_previous=vs_previous
        ),
        *_attendance_cards(session, view, today=today),
    )
    return DashboardOverview(period_label=period, previous_label=previous, cards=cards)


def _activity_cards(session: Session, view: repo.Conditions, *, start: date, today: date) -> tuple[KpiCard, ...]:
    active, existing = repo.count_active_trainees(session, view, created_before=datetime.combine(start, time.min))
    recent, before = repo.count_recent_entries(
        session, view, since=today - timedelta(days=29), previous_since=today - timedelta(days=59), until=today
    )
    queue = repo.pending_ageing(session, view, today=today)
    waiting, overdue = sum(int(v) for v in queue), int(queue[2]) + int(queue[3])
    month_ago = today - timedelta(days=30)
    waiting_before = repo.count_pending_at(session, view, moment=datetime.combine(month_ago, time.max))
    return (
        KpiCard(
            "active_trainees",
            "Active trainees",
            active,
            existing,
            "count",
            "Trainee accounts that are active now, compared with those that existed when the period began.",
            f"since {start:%d %b}",
        ),
        KpiCard(
            "entries_30d",
            "Entries, last 30 days",
            recent,
            before,
            "count",
            "Submitted logbook entries (drafts excluded) whose case date is in the last 30 days.",
            "vs the 30 days before",
        ),
        KpiCard(
            "pending",
            "Pending verification",
            waiting,
            waiting_before,
            "count",
            "Entries waiting for a supervisor's decision right now, whatever their case date, compared "
            f"with the queue 30 days ago (submitted by then and not yet decided then). {overdue:,} have "
            "waited over 14 days.",
            "vs 30 days ago",
        ),
    )


def _logbook_cards(
    session: Session,
    view: repo.Conditions,
    *,
    start: date,
    end: date,
    previous_start: date,
    period: str,
    vs_previous: str,
) -> tuple[KpiCard, ...]:
    sums = [
        int(v) for v in repo.sum_logbook_periods(session, view, start=start, end=end, previous_start=previous_start)
    ]
    _pending, _pending_before, submitted, submitted_before, verified, verified_before = sums
    return (
        KpiCard(
            "unverified",
            "Unverified",
            submitted - verified,
            submitted_before - verified_before,
            "count",
            f"Entries with a case date in {period} submitted but not yet verified.",
            vs_previous,
        ),
        KpiCard(
            "verified",
            "Verified",
            verified,
            verified_before,
            "count",
            f"Entries with a case date in {period} that a supervisor approved, returned or rejected.",
            vs_previous,
        ),
        KpiCard(
            "compliance",
            "Compliance",
            compute_compliance(verified, submitted),
            compute_compliance(verified_before, submitted_before),
            "percent",
            f"Verified / submitted for case dates in {period}, pooled over every trainee in view.",
            vs_previous,
        ),
    )


def _attendance_cards(session: Session, view: repo.Conditions, *, today: date) -> tuple[KpiCard, ...]:
    this_month, last_month = month_start(today), add_months(month_start(today), -1)
    att, ses, att_before, ses_before = (
        int(v) for v in repo.attendance_periods(session, view, month=this_month, previous_month=last_month)
    )
    eligible = _eligible_shares(session, view, today)
    return (
        KpiCard(
            "attendance_month",
            "Attendance this month",
            ratio(att, ses),
            ratio(att_before, ses_before),
            "percent",
            f"Present or late / recorded sessions in {month_label(this_month)}.",
            f"vs {last_month:%b}",
        ),
        KpiCard(
            "eligible",
            "Currently eligible",
            eligible[0],
            eligible[1],
            "percent",
            f"Active trainees at or above the attendance threshold in {eligible[2]} so far.",
            f"vs {eligible[3]}",
        ),
    )


def _eligible_shares(
    session: Session, view: repo.Conditions, today: date
) -> tuple[float | None, float | None, str, str]:
    """% of active trainees eligible in the current and the previous quarter, with their labels."""
    _, hundredths = attendance_threshold(session)
    quarter, previous = quarter_of(today), previous_quarter(today)
    shares: list[float | None] = []
    for period in (quarter, previous):
        total, eligible = repo.count_eligible(
            session, view, start=month_start(period.start), end=month_start(period.end), threshold_hundredths=hundredths
        )
        shares.append(ratio(eligible, total))
    return shares[0], shares[1], quarter.label, previous.label
