"""core.calendar: periods, month and quarter arithmetic and labels, at the awkward dates."""

from __future__ import annotations

from datetime import date

import pytest

from core import calendar
from core.calendar import Period, PeriodError, PeriodKind
from core.errors import InvalidInputError

# Parsing


def test_month_period_covers_the_whole_month_including_leap_day() -> None:
    assert calendar.parse_period("2028-02") == calendar.parse_period(" 2028-02 ")
    period = calendar.parse_period("2028-02")
    assert (period.label, period.start, period.end, period.days) == ("2028-02", date(2028, 2, 1), date(2028, 2, 29), 29)
    assert calendar.parse_period("2026-02").end == date(2026, 2, 28)
    assert calendar.parse_period("2026-12").end == date(2026, 12, 31)
    assert calendar.parse_period("2026-12").kind is PeriodKind.MONTH


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-q2", date(2026, 4, 1), date(2026, 6, 30)),
        ("2028-Q1", date(2028, 1, 1), date(2028, 3, 31)),
    ],
)
def test_quarters_are_calendar_quarters(label: str, start: date, end: date) -> None:
    period = calendar.parse_period(label)
    assert (period.start, period.end) == (start, end)
    assert period.label == label.upper()
    assert period.kind is PeriodKind.QUARTER


def test_a_leap_years_first_quarter_has_91_days_and_an_ordinary_one_90() -> None:
    assert calendar.parse_period("2028-Q1").days == 91
    assert calendar.parse_period("2026-Q1").days == 90


def test_year_runs_from_january_first_to_december_31st() -> None:
    period = calendar.parse_period("2028")
    assert (period.start, period.end, period.days, period.kind) == (
        date(2028, 1, 1),
        date(2028, 12, 31),
        366,
        PeriodKind.YEAR,
    )


def test_custom_range_is_inclusive_and_may_be_one_day() -> None:
    period = calendar.parse_period("2026-03-30..2026-04-02")
    assert (period.start, period.end, period.days, period.kind) == (
        date(2026, 3, 30),
        date(2026, 4, 2),
        4,
        PeriodKind.RANGE,
    )
    single = calendar.parse_period("2028-02-29..2028-02-29")
    assert single.start == single.end == date(2028, 2, 29)
    assert single.days == 1


def test_a_range_across_the_new_year_keeps_its_label() -> None:
    period = calendar.parse_period("2026-12-31..2027-01-01")
    assert (period.label, period.days, period.months) == (
        "2026-12-31..2027-01-01",
        2,
        [date(2026, 12, 1), date(2027, 1, 1)],
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-04-02..2026-03-30", "start is after the end"),
        ("2027-01-01..2026-12-31", "start is after the end"),
        ("2026-02-30..2026-03-01", "not a real date"),
        ("2026-02-29..2026-03-01", "not a real date"),
        ("2026-13", "month must be 01..12"),
        ("2026-00", "month must be 01..12"),
        ("2026-Q5", "is not a period"),
        ("2026-Q0", "is not a period"),
        ("26-01", "is not a period"),
        ("", "is not a period"),
        ("last month", "is not a period"),
    ],
)
def test_bad_periods_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        calendar.parse_period(text)


def test_a_bad_period_is_also_a_value_error_for_lenient_parsers() -> None:
    with pytest.raises(ValueError, match="is not a period"):
        calendar.parse_period("soon")
    assert issubclass(PeriodError, InvalidInputError)


def test_a_leap_day_range_parses_in_a_leap_year() -> None:
    assert calendar.parse_period("2028-02-28..2028-02-29").days == 2


def test_parse_month_names_the_first_day_and_refuses_anything_else() -> None:
    assert calendar.parse_month("2028-02") == date(2028, 2, 1)
    assert calendar.parse_month(" 2026-12 ") == date(2026, 12, 1)
    for bad in ("2026-13", "2026-Q1", "2026", "2026-12-01", ""):
        with pytest.raises(PeriodError):
            calendar.parse_month(bad)


# Building periods from a day


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2026, 1, 1), "2026-Q1"),
        (date(2026, 3, 31), "2026-Q1"),
        (date(2026, 4, 1), "2026-Q2"),
        (date(2026, 6, 30), "2026-Q2"),
        (date(2026, 7, 1), "2026-Q3"),
        (date(2026, 12, 31), "2026-Q4"),
        (date(2027, 1, 1), "2027-Q1"),
        (date(2028, 2, 29), "2028-Q1"),
    ],
)
def test_quarter_of_a_day_at_the_boundaries(day: date, label: str) -> None:
    quarter = calendar.quarter_of(day)
    assert quarter.label == label
    assert day in quarter
    assert quarter == calendar.parse_period(label)


@pytest.mark.parametrize(
    ("day", "month", "previous"),
    [
        (date(2026, 1, 1), "2026-01", "2025-12"),
        (date(2026, 12, 31), "2026-12", "2026-11"),
        (date(2026, 12, 1), "2026-12", "2026-11"),
        (date(2028, 2, 29), "2028-02", "2028-01"),
        (date(2028, 3, 1), "2028-03", "2028-02"),
    ],
)
def test_month_period_and_previous_month(day: date, month: str, previous: str) -> None:
    assert calendar.month_period(day) == calendar.parse_period(month)
    assert calendar.previous_month(day) == calendar.parse_period(previous)


@pytest.mark.parametrize(
    ("day", "previous"),
    [
        (date(2026, 1, 1), "2025-Q4"),
        (date(2026, 3, 31), "2025-Q4"),
        (date(2026, 4, 1), "2026-Q1"),
        (date(2026, 12, 31), "2026-Q3"),
        (date(2028, 2, 29), "2027-Q4"),
    ],
)
def test_previous_quarter(day: date, previous: str) -> None:
    assert calendar.previous_quarter(day) == calendar.parse_period(previous)


def test_year_period_and_date_range() -> None:
    assert calendar.year_period(2028) == calendar.parse_period("2028")
    assert calendar.date_range(date(2026, 12, 31), date(2027, 1, 1)) == calendar.parse_period("2026-12-31..2027-01-01")
    with pytest.raises(InvalidInputError, match="start is after the end"):
        calendar.date_range(date(2027, 1, 1), date(2026, 12, 31))


def test_trailing_days_end_on_the_given_day_and_cross_a_leap_day() -> None:
    window = calendar.trailing_days(date(2028, 2, 29), 365)
    assert (window.start, window.end, window.days) == (date(2027, 3, 2), date(2028, 2, 29), 365)
    assert window.label == "2027-03-02..2028-02-29"
    assert calendar.trailing_days(date(2026, 1, 1), 1) == calendar.parse_period("2026-01-01..2026-01-01")


# Month arithmetic


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 15), date(2026, 2, 1), date(2026, 2, 28)),
        (date(2028, 2, 29), date(2028, 2, 1), date(2028, 2, 29)),
        (date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
        (date(2026, 4, 30), date(2026, 4, 1), date(2026, 4, 30)),
    ],
)
def test_month_start_and_end(day: date, start: date, end: date) -> None:
    assert (calendar.month_start(day), calendar.month_end(day)) == (start, end)


@pytest.mark.parametrize(
    ("month", "count", "expected"),
    [
        (date(2026, 12, 31), 1, date(2027, 1, 1)),
        (date(2026, 1, 1), -1, date(2025, 12, 1)),
        (date(2028, 2, 29), 12, date(2029, 2, 1)),
        (date(2028, 2, 29), -12, date(2027, 2, 1)),
        (date(2026, 3, 31), -1, date(2026, 2, 1)),
        (date(2026, 5, 1), 0, date(2026, 5, 1)),
        (date(2026, 1, 15), -25, date(2023, 12, 1)),
    ],
)
def test_add_months_lands_on_the_first_of_the_month(month: date, count: int, expected: date) -> None:
    assert calendar.add_months(month, count) == expected


def test_months_between_are_inclusive_and_cross_the_new_year() -> None:
    assert calendar.months_between(date(2026, 11, 30), date(2027, 2, 1)) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]
    assert calendar.months_between(date(2028, 2, 29), date(2028, 2, 1)) == [date(2028, 2, 1)]
    assert calendar.months_between(date(2027, 1, 1), date(2026, 12, 31)) == []
    assert calendar.month_count(date(2026, 1, 1), date(2026, 12, 31)) == 12
    assert calendar.month_count(date(2027, 1, 1), date(2026, 12, 31)) == 0


def test_quarter_number() -> None:
    assert [calendar.quarter_number(date(2026, m, 1)) for m in range(1, 13)] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]


# Today within a period


def test_a_month_is_running_from_its_first_day_to_its_last() -> None:
    december = calendar.parse_period("2026-12")
    assert not calendar.is_running(december, date(2026, 11, 30))
    assert calendar.is_running(december, date(2026, 12, 1))
    assert calendar.is_running(december, date(2026, 12, 31))
    assert not calendar.is_running(december, date(2027, 1, 1))
    assert calendar.is_future(december, date(2026, 11, 30))
    assert not calendar.is_future(december, date(2026, 12, 1))


@pytest.mark.parametrize(
    ("today", "elapsed"),
    [
        (date(2027, 12, 31), 0),
        (date(2028, 1, 1), 1),
        (date(2028, 2, 29), 60),
        (date(2028, 3, 31), 91),
        (date(2028, 4, 1), 91),
    ],
)
def test_elapsed_days_of_a_leap_quarter(today: date, elapsed: int) -> None:
    assert calendar.elapsed_days(calendar.parse_period("2028-Q1"), today) == elapsed


def test_membership_is_by_date_only() -> None:
    period = calendar.parse_period("2026-12")
    assert date(2026, 12, 31) in period
    assert date(2027, 1, 1) not in period
    assert "2026-12-05" not in period


# Labels


def test_month_labels_and_names() -> None:
    assert calendar.month_label(date(2028, 2, 29)) == "2028-02"
    assert calendar.month_label(date(987, 1, 1)) == "0987-01"
    assert calendar.month_name(date(2026, 9, 1)) == "Sep"
    assert calendar.month_name(date(2026, 9, 1), year=True) == "Sep 2026"


def test_compact_month_label_for_chart_axes() -> None:
    assert calendar.compact_month_label("2026-07") == "Jul 26"
    assert calendar.compact_month_label("2100-01") == "Jan 00"
    assert calendar.compact_month_label("Overall") == "Overall"


def test_short_period_names_the_months() -> None:
    assert calendar.short_period(date(2026, 10, 1), date(2026, 10, 1)) == "Oct"
    assert calendar.short_period(date(2026, 6, 1), date(2026, 8, 1)) == "Jun–Aug"
    assert calendar.short_period(date(2025, 11, 1), date(2026, 1, 1)) == "Nov 2025–Jan 2026"


def test_period_label_names_the_months_by_number() -> None:
    assert calendar.period_label(date(2026, 11, 1), date(2026, 11, 30)) == "2026-11"
    assert calendar.period_label(date(2026, 9, 1), date(2026, 11, 1)) == "2026-09 – 2026-11"


@pytest.mark.parametrize(
    ("label", "text"),
    [
        ("2026", "2026"),
        ("2026-07", "Jul 2026"),
        ("2026-Q3", "Jul–Sep 2026"),
        ("2028-Q1", "Jan–Mar 2028"),
        ("2026-11-01..2027-01-31", "Nov 2026–Jan 2027"),
        ("2026-03-30..2026-04-02", "30 Mar – 2 Apr 2026"),
        ("2026-12-31..2027-01-01", "31 Dec 2026 – 1 Jan 2027"),
        ("2028-02-29..2028-02-29", "29 Feb 2028"),
        ("2026-01-01..2026-12-31", "Jan–Dec 2026"),
    ],
)
def test_period_text_for_people(label: str, text: str) -> None:
    assert calendar.period_text(calendar.parse_period(label)) == text


def test_a_hand_built_period_reports_its_kind_by_label() -> None:
    assert Period("anything", date(2026, 1, 1), date(2026, 1, 2)).kind is PeriodKind.RANGE
