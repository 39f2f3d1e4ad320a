"""Exam eligibility from attendance (DESIGN.md §4.2): pure functions.

Periods live in core.calendar; `Period`, `compute_period` and `compute_quarter_of` are kept here
as its names for callers that have not moved yet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.calendar import Period as Period
from core.calendar import parse_period, quarter_of
from core.rules.values import AttendanceStatus

compute_period = parse_period
compute_quarter_of = quarter_of

# Excused sessions count towards the total like absences: only present and late attend.
ATTENDED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
COUNTED_STATUSES = tuple(AttendanceStatus)
DEFAULT_THRESHOLD = 75.0


@dataclass(frozen=True)
class EligibilityResult:
    sessions: int
    attended: int
    percentage: float
    eligible: bool
    threshold: float
    sessions_needed: int | None  # None: cannot be reached (threshold 100 after a miss)


def compute_percentage(attended: int, sessions: int) -> float:
    """round(100 * attended / sessions, 2); 0.0 when there are no sessions."""
    return round(100 * attended / sessions, 2) if sessions > 0 else 0.0


def compute_sessions_needed(attended: int, sessions: int, threshold: float) -> int | None:
    """Further sessions, all attended, needed to reach the threshold (0 if already there).

    None when the threshold can never be reached (100% after any missed session).
    """
    if sessions > 0 and compute_percentage(attended, sessions) >= threshold:
        return 0
    if threshold <= 0:
        return 0 if sessions > 0 else 1
    if threshold >= 100:
        return None if attended < sessions else (1 if sessions == 0 else 0)
    # Solve 100 (a + n) / (s + n) >= T for n, then step for the 2-decimal rounding.
    estimate = max(1, math.ceil((threshold * sessions - 100 * attended) / (100 - threshold)) - 1)
    needed = estimate
    while compute_percentage(attended + needed, sessions + needed) < threshold:
        needed += 1
    while needed > 1 and compute_percentage(attended + needed - 1, sessions + needed - 1) >= threshold:
        needed -= 1
    return needed


def compute_eligibility(*, sessions: int, attended: int, threshold: float) -> EligibilityResult:
    """Eligible when there was at least one session and the rounded % reaches the threshold."""
    percentage = compute_percentage(attended, sessions)
    return EligibilityResult(
        sessions=sessions,
        attended=attended,
        percentage=percentage,
        eligible=sessions > 0 and percentage >= threshold,
        threshold=float(threshold),
        sessions_needed=compute_sessions_needed(attended, sessions, threshold),
    )


def compute_eligibility_from_statuses(statuses: list[str], threshold: float) -> EligibilityResult:
    """Eligibility from a trainee's session statuses in the period."""
    counted = [s for s in statuses if s in COUNTED_STATUSES]
    attended = sum(1 for s in counted if s in ATTENDED_STATUSES)
    return compute_eligibility(sessions=len(counted), attended=attended, threshold=threshold)
