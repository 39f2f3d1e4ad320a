"""Exam eligibility from attendance (DESIGN.md §4.2): pure functions.

Periods (and their parsing) live in core.calendar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.calendar import Period, elapsed_days
from core.rules.values import AttendanceStatus

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
    leave_excluded: int = 0  # unattended sessions on approved excluded leave, already left out of `sessions`
    condoned: bool = False  # an approved condonation for the period: eligible whatever the figures
    condonation_reason: str = ""


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


def compute_eligibility(
    *,
    sessions: int,
    attended: int,
    threshold: float,
    leave_excluded: int = 0,
    condoned: bool = False,
    condonation_reason: str = "",
) -> EligibilityResult:
    """Eligible when there was at least one session and the rounded % reaches the threshold, or when condoned.

    `sessions` is already net of `leave_excluded` (core.rules.leave: excluded leave leaves the denominator).
    """
    percentage = compute_percentage(attended, sessions)
    return EligibilityResult(
        sessions=sessions,
        attended=attended,
        percentage=percentage,
        eligible=condoned or (sessions > 0 and percentage >= threshold),
        threshold=float(threshold),
        sessions_needed=0 if condoned else compute_sessions_needed(attended, sessions, threshold),
        leave_excluded=leave_excluded,
        condoned=condoned,
        condonation_reason=condonation_reason if condoned else "",
    )


def compute_eligibility_from_statuses(statuses: list[str], threshold: float) -> EligibilityResult:
    """Eligibility from a trainee's session statuses in the period."""
    counted = [s for s in statuses if s in COUNTED_STATUSES]
    attended = sum(1 for s in counted if s in ATTENDED_STATUSES)
    return compute_eligibility(sessions=len(counted), attended=attended, threshold=threshold)


class ForecastState(StrEnum):
    """What the sessions-needed column says about a trainee in a period."""

    CLOSED = "closed"  # the period has ended: no number, ever
    MET = "met"  # at or above the threshold now
    NEEDED = "needed"  # this many more sessions, all attended, would reach it
    OUT_OF_REACH = "out_of_reach"  # more than the sessions left in the period (estimated), or never


@dataclass(frozen=True)
class SessionsForecast:
    state: ForecastState
    needed: int | None  # None when closed, or when the threshold can never be reached
    sessions_left: int | None  # the estimate of sessions still to come; None when there is no rate yet
    text: str


def compute_sessions_left(*, programme_sessions: int, elapsed: int, remaining: int) -> int | None:
    """Sessions still to come, from the programme's rate so far: round(sessions per elapsed day × remaining days).

    None before any day has elapsed or before the programme has held a session (no rate yet): nothing
    uploaded is not the same as no sessions to come.
    """
    if elapsed <= 0 or programme_sessions <= 0:
        return None
    return int(math.floor(programme_sessions * remaining / elapsed + 0.5))


def compute_sessions_forecast(
    result: EligibilityResult, *, period: Period, today: date, programme_sessions: int
) -> SessionsForecast:
    """The sessions-needed forecast for one trainee in a period (issue 11 §4).

    `programme_sessions` is the number of distinct sessions (date, slot) the programme held in the
    period up to `today`; it sets the rate from which the sessions still to come are estimated.
    An ended period says "period closed"; an open one the sessions still needed, or "out of reach
    this period" when they exceed the estimate (or the threshold can never be reached).
    """
    if today > period.end:
        return SessionsForecast(ForecastState.CLOSED, None, None, "period closed")
    elapsed = elapsed_days(period, today)
    left = compute_sessions_left(
        programme_sessions=programme_sessions, elapsed=elapsed, remaining=period.days - elapsed
    )
    estimate = "" if left is None else f" (about {left} sessions left)"
    needed = result.sessions_needed
    if result.condoned:
        return SessionsForecast(ForecastState.MET, 0, left, "0: condoned")
    if result.eligible:
        return SessionsForecast(ForecastState.MET, 0, left, "0: threshold met")
    if needed is None:
        return SessionsForecast(ForecastState.OUT_OF_REACH, None, left, f"out of reach this period{estimate}")
    if left is not None and needed > left:
        return SessionsForecast(
            ForecastState.OUT_OF_REACH, needed, left, f"out of reach this period: {needed} needed{estimate}"
        )
    return SessionsForecast(ForecastState.NEEDED, needed, left, f"{needed} more{estimate}")
