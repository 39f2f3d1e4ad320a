"""The programme calendar: periods, month and quarter arithmetic, and their labels. Pure functions.

A period is an inclusive range of calendar dates with the label it was asked for by: a month
(`YYYY-MM`), a quarter (`YYYY-Qn`), a year (`YYYY`) or a custom range (`YYYY-MM-DD..YYYY-MM-DD`).
A month is named by its first day (`month_start`). Nothing here reads the clock: callers pass the
programme's today from `core.clock.today()` (or `programme_date(now)` in a service given `now`).
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from core.errors import InvalidInputError

DASH = "–"
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class PeriodKind(StrEnum):
    """The forms a period's label takes."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"


class PeriodError(InvalidInputError, ValueError):
    """A text that is not a period, with the reason (also a ValueError, for lenient parsers)."""


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Period:
    """An inclusive date range with the label it was asked for by."""

    label: str
    start: date
    end: date

    @property
    def kind(self) -> PeriodKind:
        """Month, quarter, year or custom range, by the form of the label."""
        if _MONTH.match(self.label):
            return PeriodKind.MONTH
        if _QUARTER.match(self.label):
            return PeriodKind.QUARTER
        if _YEAR.match(self.label):
            return PeriodKind.YEAR
        return PeriodKind.RANGE

    @property
    def days(self) -> int:
        """How many calendar days the period covers (both ends included)."""
        return (self.end - self.start).days + 1

    @property
    def months(self) -> list[date]:
        """The first day of every month the period touches, oldest first."""
        return months_between(self.start, self.end)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


# Parsing


def parse_period(text: str) -> Period:
    """Parse `YYYY-MM`, `YYYY-Qn`, `YYYY` or `YYYY-MM-DD..YYYY-MM-DD` (inclusive; surrounding blanks ignored).

    Raises:
        PeriodError: (an InvalidInputError) the text is not a period, names no real date, or
            its start is after its end; the message says which.
    """
    value = (text or "").strip()
    if m := _MONTH.match(value):
        return month_period(date(int(m[1]), _month_number(value, m[2]), 1))
    if m := _QUARTER.match(value):
        year, quarter = int(m[1]), int(m[2])
        return quarter_of(date(year, 3 * quarter, 1))
    if m := _YEAR.match(value):
        return year_period(int(m[1]))
    if m := _RANGE.match(value):
        try:
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        except ValueError:
            raise PeriodError(f"'{value}': not a real date") from None
        return date_range(start, end, label=value)
    raise PeriodError(f"'{value}' is not a period: use YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-DD..YYYY-MM-DD")


def parse_month(text: str) -> date:
    """The first day of the month `YYYY-MM` names.

    Raises:
        PeriodError: the text is not `YYYY-MM` with a month 01..12.
    """
    value = (text or "").strip()
    m = _MONTH.match(value)
    if m is None:
        raise PeriodError(f"'{value}' is not a month: use YYYY-MM")
    return date(int(m[1]), _month_number(value, m[2]), 1)


def _month_number(value: str, digits: str) -> int:
    month = int(digits)
    if not 1 <= month <= 12:
        raise PeriodError(f"'{value}': month must be 01..12")
    return month


# Building periods


def month_period(day: date) -> Period:
    """The calendar month containing `day`."""
    return Period(month_label(day), month_start(day), month_end(day))


def quarter_of(day: date) -> Period:
    """The calendar quarter containing `day` (Q1 = Jan–Mar)."""
    quarter = quarter_number(day)
    first = date(day.year, 3 * quarter - 2, 1)
    return Period(f"{day.year}-Q{quarter}", first, month_end(add_months(first, 2)))


def year_period(year: int) -> Period:
    """1 January to 31 December of `year`."""
    return Period(f"{year:04d}", date(year, 1, 1), date(year, 12, 31))


def date_range(start: date, end: date, *, label: str | None = None) -> Period:
    """The inclusive range `start..end` (labelled `YYYY-MM-DD..YYYY-MM-DD` unless told otherwise).

    Raises:
        PeriodError: the start is after the end.
    """
    text = label or f"{start.isoformat()}..{end.isoformat()}"
    if start > end:
        raise PeriodError(f"'{text}': the start is after the end")
    return Period(text, start, end)


def previous_month(day: date) -> Period:
    """The calendar month before the one containing `day`."""
    return month_period(add_months(day, -1))


def previous_quarter(day: date) -> Period:
    """The calendar quarter before the one containing `day`."""
    return quarter_of(add_months(quarter_of(day).start, -3))


def trailing_days(end: date, days: int) -> Period:
    """The `days` calendar days ending on (and including) `end`, as a range."""
    return date_range(end - timedelta(days=days - 1), end)


# Month and quarter arithmetic


def month_start(day: date) -> date:
    """The first day of the month containing `day`."""
    return day.replace(day=1)


def month_end(day: date) -> date:
    """The last day of the month containing `day` (29 February in a leap year)."""
    return day.replace(day=_stdlib_calendar.monthrange(day.year, day.month)[1])


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after (negative: before) the month containing `month`."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_count(start: date, end: date) -> int:
    """How many months from `start`'s month to `end`'s month, both included (0 when end's month is earlier)."""
    return max((end.year - start.year) * 12 + end.month - start.month + 1, 0)


def months_between(start: date, end: date) -> list[date]:
    """The first day of each month from `start`'s month to `end`'s month, both included, oldest first."""
    first = month_start(start)
    return [add_months(first, i) for i in range(month_count(start, end))]


def quarter_number(day: date) -> int:
    """1..4: the calendar quarter `day` falls in."""
    return (day.month - 1) // 3 + 1


# Today within a period


def is_running(period: Period, today: date) -> bool:
    """True while `today` falls inside the period (figures for it are "so far")."""
    return period.start <= today <= period.end


def is_future(period: Period, today: date) -> bool:
    """True when the period has not begun by `today`."""
    return today < period.start


def elapsed_days(period: Period, today: date) -> int:
    """Days of the period up to and including `today`: 0 before it starts, all of them after it ends."""
    if today < period.start:
        return 0
    return (min(today, period.end) - period.start).days + 1


# Labels


def month_label(month: date) -> str:
    """`YYYY-MM` of the month containing `month`."""
    return f"{month.year:04d}-{month.month:02d}"


def month_name(month: date, *, year: bool = False) -> str:
    """'Jul', or 'Jul 2026' with the year (English abbreviations, whatever the server's locale)."""
    # Not strftime("%b") or calendar.month_abbr: both follow the process locale.
    name = _MONTH_ABBR[month.month - 1]
    return f"{name} {month.year:04d}" if year else name


def compact_month_label(label: str) -> str:
    """'Jul 26' for the month label `2026-07`; any other text comes back unchanged (chart axes)."""
    try:
        month = parse_month(label)
    except PeriodError:
        return label
    return f"{month_name(month)} {month.year % 100:02d}"


def short_period(start: date, end: date) -> str:
    """The months from `start`'s to `end`'s: 'Oct' for one, 'Jun–Aug' within a year, 'Nov 2025–Jan 2026' across years."""
    if month_start(start) == month_start(end):
        return month_name(start)
    if start.year == end.year:
        return f"{month_name(start)}{DASH}{month_name(end)}"
    return f"{month_name(start, year=True)}{DASH}{month_name(end, year=True)}"


def period_label(start: date, end: date) -> str:
    """The months from `start`'s to `end`'s as 'YYYY-MM', or 'YYYY-MM – YYYY-MM' for more than one."""
    first, last = month_label(start), month_label(end)
    return first if first == last else f"{first} {DASH} {last}"


def period_text(period: Period) -> str:
    """A period for people: '2026', 'Jul 2026', 'Jul–Sep 2026', 'Nov 2025–Jan 2026', '30 Mar – 2 Apr 2026'."""
    if period.kind is PeriodKind.YEAR:
        return period.label
    whole_months = period.start == month_start(period.start) and period.end == month_end(period.end)
    if whole_months:
        if month_start(period.start) == month_start(period.end):
            return month_name(period.start, year=True)
        if period.start.year == period.end.year:
            return f"{month_name(period.start)}{DASH}{month_name(period.end)} {period.end.year:04d}"
        return short_period(period.start, period.end)
    if period.start == period.end:
        return _day_text(period.start, year=True)
    start_text = _day_text(period.start, year=period.start.year != period.end.year)
    return f"{start_text} {DASH} {_day_text(period.end, year=True)}"


def _day_text(day: date, *, year: bool) -> str:
    text = f"{day.day} {month_name(day)}"
    return f"{text} {day.year:04d}" if year else text
