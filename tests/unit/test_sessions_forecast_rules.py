"""The sessions-needed forecast (issue 11 §4): pure, with fixed dates."""

from __future__ import annotations

from datetime import date

from core.calendar import parse_period
from core.rules.eligibility import (
    ForecastState,
    compute_eligibility,
    compute_sessions_forecast,
    compute_sessions_left,
)

Q4 = parse_period("2026-Q4")  # 1 Oct – 31 Dec 2026: 92 days


def test_an_ended_period_says_period_closed_and_never_a_number() -> None:
    behind = compute_eligibility(sessions=40, attended=10, threshold=75.0)
    forecast = compute_sessions_forecast(behind, period=Q4, today=date(2027, 1, 1), programme_sessions=80)
    assert forecast.state is ForecastState.CLOSED
    assert forecast.text == "period closed"
    assert forecast.needed is None and forecast.sessions_left is None


def test_the_last_day_of_the_period_is_still_open() -> None:
    behind = compute_eligibility(sessions=4, attended=2, threshold=75.0)
    forecast = compute_sessions_forecast(behind, period=Q4, today=date(2026, 12, 31), programme_sessions=92)
    assert forecast.state is ForecastState.OUT_OF_REACH  # 4 needed, 0 days left
    assert forecast.sessions_left == 0
    assert forecast.text == "out of reach this period: 4 needed (about 0 sessions left)"


def test_sessions_left_are_the_programme_rate_times_the_remaining_days() -> None:
    # 46 days elapsed of 92 with 23 sessions: half a session a day, 46 days to go.
    assert compute_sessions_left(programme_sessions=23, elapsed=46, remaining=46) == 23
    assert compute_sessions_left(programme_sessions=10, elapsed=3, remaining=1) == 3  # 3.33 rounds to 3
    assert compute_sessions_left(programme_sessions=0, elapsed=0, remaining=92) is None


def test_an_open_period_gives_the_sessions_still_needed_with_the_estimate() -> None:
    behind = compute_eligibility(sessions=10, attended=6, threshold=75.0)  # 6 more: 12/16 = 75 %
    forecast = compute_sessions_forecast(behind, period=Q4, today=date(2026, 11, 15), programme_sessions=46)
    assert forecast.state is ForecastState.NEEDED
    assert forecast.needed == 6
    assert forecast.sessions_left == 46  # 46 sessions in 46 days, 46 days to go
    assert forecast.text == "6 more (about 46 sessions left)"


def test_more_needed_than_the_sessions_left_is_out_of_reach_this_period() -> None:
    behind = compute_eligibility(sessions=40, attended=10, threshold=75.0)  # 80 more needed
    forecast = compute_sessions_forecast(behind, period=Q4, today=date(2026, 11, 15), programme_sessions=46)
    assert forecast.state is ForecastState.OUT_OF_REACH
    assert forecast.needed == 80 and forecast.sessions_left == 46
    assert forecast.text.startswith("out of reach this period")


def test_a_threshold_that_can_never_be_reached_is_out_of_reach() -> None:
    missed = compute_eligibility(sessions=5, attended=4, threshold=100.0)
    forecast = compute_sessions_forecast(missed, period=Q4, today=date(2026, 10, 10), programme_sessions=10)
    assert forecast.state is ForecastState.OUT_OF_REACH
    assert forecast.needed is None


def test_met_threshold_needs_nothing() -> None:
    fine = compute_eligibility(sessions=4, attended=4, threshold=75.0)
    forecast = compute_sessions_forecast(fine, period=Q4, today=date(2026, 10, 10), programme_sessions=10)
    assert forecast.state is ForecastState.MET and forecast.needed == 0


def test_before_the_period_starts_there_is_no_rate_and_so_no_verdict() -> None:
    nothing = compute_eligibility(sessions=0, attended=0, threshold=75.0)
    forecast = compute_sessions_forecast(nothing, period=Q4, today=date(2026, 9, 1), programme_sessions=0)
    assert forecast.state is ForecastState.NEEDED
    assert forecast.sessions_left is None
    assert forecast.text == "1 more"


def test_no_sessions_held_yet_gives_no_estimate_and_no_out_of_reach() -> None:
    assert compute_sessions_left(programme_sessions=0, elapsed=30, remaining=62) is None
    nothing = compute_eligibility(sessions=0, attended=0, threshold=75.0)
    forecast = compute_sessions_forecast(nothing, period=Q4, today=date(2026, 10, 30), programme_sessions=0)
    assert forecast.state is ForecastState.NEEDED and forecast.text == "1 more"
