"""Exam eligibility from attendance (DESIGN.md §4.2) and reporting periods: pure functions."""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from datetime import date

ATTENDED_STATUSES = ("present", "late")
COUNTED_STATUSES = ("present", "late", "absent", "excused")
DEFAULT_THRESHOLD = 75.0


@dataclass(frozen=True)
class Period:
    """An inclusive date range with the label it was asked for by."""

    label: str
    start: date
    end: date


@dataclass(frozen=True)
class EligibilityResult:
    sessions: int
    attended: int
    percentage: float
    eligible: bool
    threshold: float
    sessions_needed: int | None  # None: cannot be reached (threshold 100 after a miss)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def compute_period(text: str) -> Period:
    """Parse `YYYY-MM`, `YYYY-Qn`, `YYYY` or `YYYY-MM-DD..YYYY-MM-DD` (inclusive).

    Raises:
        ValueError: with a message naming the accepted forms.
    """
    value = (text or "").strip()
    if m := _MONTH.match(value):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(f"'{value}': month must be 01..12")
        return Period(value, date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))
    if m := _QUARTER.match(value):
        year, quarter = int(m[1]), int(m[2])
        first = 3 * (quarter - 1) + 1
        last = first + 2
        return Period(f"{year}-Q{quarter}", date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]))
    if m := _YEAR.match(value):
        year = int(m[1])
        return Period(value, date(year, 1, 1), date(year, 12, 31))
    if m := _RANGE.match(value):
        try:
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        except ValueError:
            raise ValueError(f"'{value}': not a real date") from None
        if start > end:
            raise ValueError(f"'{value}': the start is after the end")
        return Period(value, start, end)
    raise ValueError(f"'{value}' is not a period: use YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-DD..YYYY-MM-DD")


def compute_quarter_of(day: date) -> Period:
    """The calendar quarter containing `day`."""
    return compute_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


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
