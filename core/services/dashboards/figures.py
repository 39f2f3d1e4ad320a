"""One core function per figure (DESIGN.md §4.3, issue 11): the dashboard, Approvals, the leadership
pack, the exports, the CLI and the jobs all call these, so a figure means the same everywhere.

- pending and ageing: `pending_ageing` (whole days since submission, one set of boundaries);
- the entries in a period, compliance and reviewed %: `logbook_figures` + `compliance_pct` / `reviewed_pct`;
- attendance %: `attendance_figures` + `attendance_pct`;
- eligibility: `eligible_counts` (and core.rules.eligibility per trainee).

Callers pass SQL conditions for what the viewer may see (core.repositories.analytics.view_conditions,
or the approval queue's scope and filters); these functions never widen them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import Session

from core.dto import LogbookFigures, PendingAgeing
from core.repositories import analytics as analytics_repo
from core.repositories import logbook as logbook_repo
from core.rules import logbook as rules
from core.services.settings import get_setting, get_settings_of

DEFAULT_SMALL_BASE = 20


# Each figure read from the database also comes as a one-row statement (`*_query`) and the figure built from
# its row (`*_from`), so a page that needs several (the dashboard overview) reads them all in one round trip
# (core.repositories.analytics.fetch_together) with the very same definitions.


def pending_ageing_query(conditions: Sequence[ColumnElement[bool]], *, now: datetime) -> Select[*tuple[Any, ...]]:
    """The statement behind `pending_ageing` (one row)."""
    cutoffs = [rules.compute_age_cutoff(now, days) for days in rules.AGE_BOUNDS]
    return logbook_repo.pending_by_age_query(conditions, cutoffs=cutoffs)


def pending_ageing_from(row: Sequence[Any]) -> PendingAgeing:
    """`pending_ageing` from its statement's row."""
    buckets, oldest = logbook_repo.pending_by_age_from(row)
    over = rules.compute_over_from_buckets(buckets)
    return PendingAgeing(buckets=tuple(buckets), over_7_days=over[7], over_14_days=over[14], oldest_submitted_at=oldest)


def pending_ageing(session: Session, conditions: Sequence[ColumnElement[bool]], *, now: datetime) -> PendingAgeing:
    """Pending entries (any case date) by whole days since submission at `now`: 0–7, 8–14, 15–30, over 30."""
    return pending_ageing_from(session.execute(pending_ageing_query(conditions, now=now)).one())


def logbook_figures_query(view: analytics_repo.Conditions, *, start: date, end: date) -> Select[*tuple[Any, ...]]:
    """The statement behind `logbook_figures` (one row)."""
    return analytics_repo.logbook_statuses_query(view, start=start, end=end)


def logbook_figures_from(row: Sequence[Any]) -> LogbookFigures:
    """`logbook_figures` from its statement's row."""
    pending, approved, returned, rejected = (int(v) for v in row)
    return LogbookFigures(pending=pending, approved=approved, returned=returned, rejected=rejected)


def logbook_figures(session: Session, view: analytics_repo.Conditions, *, start: date, end: date) -> LogbookFigures:
    """Submitted entries by status whose case date is in the months [start, end] (drafts never count)."""
    return logbook_figures_from(session.execute(logbook_figures_query(view, start=start, end=end)).one())


def compliance_pct(figures: LogbookFigures) -> float | None:
    """Compliance = approved / submitted, 2 decimals (None when nothing was submitted)."""
    return rules.compute_compliance(figures.approved, figures.submitted)


def reviewed_pct(figures: LogbookFigures) -> float | None:
    """Reviewed % = (approved + returned + rejected) / submitted, 2 decimals (supervisor responsiveness)."""
    return rules.compute_reviewed(figures.decided, figures.submitted)


def attendance_figures_query(view: analytics_repo.Conditions, *, start: date, end: date) -> Select[*tuple[Any, ...]]:
    """The statement behind `attendance_figures` (one row)."""
    return analytics_repo.attendance_query(view, start=start, end=end)


def pair_from(row: Sequence[Any]) -> tuple[int, int]:
    """`attendance_figures` or `eligible_counts` from its statement's row."""
    return int(row[0]), int(row[1])


def attendance_figures(session: Session, view: analytics_repo.Conditions, *, start: date, end: date) -> tuple[int, int]:
    """(attended, recorded sessions) for session months [start, end]; excused counts as a session only."""
    return pair_from(session.execute(attendance_figures_query(view, start=start, end=end)).one())


def attendance_pct(attended: int, sessions: int) -> float | None:
    """Attendance % = (present + late) / recorded sessions, 2 decimals (None with no sessions)."""
    return round(100 * attended / sessions, 2) if sessions else None


def eligible_counts_query(
    view: analytics_repo.Conditions, *, start: date, end: date, threshold: float
) -> Select[*tuple[Any, ...]]:
    """The statement behind `eligible_counts` (one row)."""
    return analytics_repo.eligible_query(view, start=start, end=end, threshold_hundredths=round(threshold * 100))


def eligible_counts(
    session: Session, view: analytics_repo.Conditions, *, start: date, end: date, threshold: float
) -> tuple[int, int]:
    """(active trainees in view, of whom eligible) over session months [start, end] (DESIGN.md §4.2)."""
    return pair_from(session.execute(eligible_counts_query(view, start=start, end=end, threshold=threshold)).one())


def small_base(session: Session) -> int:
    """Below this base a percentage card is shown muted with "small base" (setting `dashboard_small_base`)."""
    try:
        return int(get_setting(session, "dashboard_small_base"))
    except (KeyError, ValueError):
        return DEFAULT_SMALL_BASE


def card_settings(session: Session) -> tuple[int, float]:
    """(small base, attendance threshold %): the settings the overview cards read, in one query."""
    values = get_settings_of(session, "dashboard_small_base", "attendance_threshold")
    try:
        minimum = int(values["dashboard_small_base"])
    except (TypeError, ValueError):
        minimum = DEFAULT_SMALL_BASE
    return minimum, float(values["attendance_threshold"])
