"""The eligibility rule (DESIGN.md §4.2): pure functions. Periods are tested in test_calendar.py."""

from __future__ import annotations

import pytest

from core.rules.eligibility import (
    DEFAULT_THRESHOLD,
    compute_eligibility,
    compute_eligibility_from_statuses,
    compute_percentage,
    compute_sessions_needed,
)


def make_statuses(present: int = 0, late: int = 0, absent: int = 0, excused: int = 0) -> list[str]:
    return ["present"] * present + ["late"] * late + ["absent"] * absent + ["excused"] * excused


def test_default_threshold_is_75() -> None:
    assert DEFAULT_THRESHOLD == 75.0


def test_exactly_at_the_threshold_is_eligible() -> None:
    result = compute_eligibility(sessions=4, attended=3, threshold=75.0)
    assert result.percentage == 75.0
    assert result.eligible is True
    assert result.sessions_needed == 0


def test_one_hundredth_below_the_threshold_is_not_eligible() -> None:
    result = compute_eligibility(sessions=10000, attended=7499, threshold=75.0)
    assert result.percentage == 74.99
    assert result.eligible is False


def test_percentage_is_rounded_to_two_decimals_before_the_comparison() -> None:
    # 2/3 = 66.666...% rounds to 66.67, which meets a 66.67 threshold although the raw share does not.
    result = compute_eligibility(sessions=3, attended=2, threshold=66.67)
    assert result.percentage == 66.67
    assert result.eligible is True
    # 29998 / 40000 = 74.995% rounds to 75.00: eligible at 75.
    assert compute_percentage(29998, 40000) == 75.0
    assert compute_eligibility(sessions=40000, attended=29998, threshold=75.0).eligible is True
    # 74.994... rounds down to 74.99: not eligible.
    assert compute_percentage(7499, 10000) == 74.99


def test_late_counts_as_attended() -> None:
    result = compute_eligibility_from_statuses(make_statuses(present=2, late=1, absent=1), threshold=75.0)
    assert (result.sessions, result.attended, result.percentage, result.eligible) == (4, 3, 75.0, True)


def test_excused_counts_in_sessions_but_not_as_attended() -> None:
    result = compute_eligibility_from_statuses(make_statuses(present=3, excused=1), threshold=75.0)
    assert (result.sessions, result.attended, result.percentage) == (4, 3, 75.0)
    only_excused = compute_eligibility_from_statuses(make_statuses(excused=2), threshold=0.0)
    assert (only_excused.sessions, only_excused.attended, only_excused.percentage) == (2, 0, 0.0)


def test_unknown_statuses_are_not_counted() -> None:
    result = compute_eligibility_from_statuses(["present", "cancelled", ""], threshold=75.0)
    assert (result.sessions, result.attended) == (1, 1)


def test_no_sessions_is_never_eligible_even_at_threshold_zero() -> None:
    for threshold in (0.0, 50.0, 100.0):
        result = compute_eligibility(sessions=0, attended=0, threshold=threshold)
        assert result.percentage == 0.0
        assert result.eligible is False
        assert result.sessions_needed == 1


def test_threshold_zero_makes_any_recorded_session_enough() -> None:
    result = compute_eligibility(sessions=5, attended=0, threshold=0.0)
    assert result.eligible is True
    assert result.sessions_needed == 0


def test_threshold_100_needs_every_session() -> None:
    assert compute_eligibility(sessions=5, attended=5, threshold=100.0).eligible is True
    missed = compute_eligibility(sessions=5, attended=4, threshold=100.0)
    assert missed.eligible is False
    assert missed.sessions_needed is None, "100% can never be reached after a missed session"


@pytest.mark.parametrize(
    ("attended", "sessions", "threshold", "needed"),
    [
        (6, 10, 75.0, 6),  # (6 + 6) / (10 + 6) = 75%
        (3, 4, 75.0, 0),
        (0, 1, 75.0, 3),  # 3/4
        (0, 1, 66.67, 2),  # 2/3 = 66.67 after rounding (the unrounded share would need 3)
        (0, 0, 75.0, 1),
        (50, 100, 80.0, 150),  # 200/250
        (1, 2, 99.0, 98),  # 99/100
    ],
)
def test_sessions_needed_is_the_fewest_further_attended_sessions(
    attended: int, sessions: int, threshold: float, needed: int
) -> None:
    assert compute_sessions_needed(attended, sessions, threshold) == needed


@pytest.mark.parametrize("threshold", [1.0, 33.33, 50.0, 66.67, 74.99, 75.0, 80.5, 90.0, 99.5])
def test_sessions_needed_is_minimal_and_sufficient(threshold: float) -> None:
    for sessions in range(0, 25):
        for attended in range(0, sessions + 1):
            needed = compute_sessions_needed(attended, sessions, threshold)
            assert needed is not None
            after = compute_eligibility(sessions=sessions + needed, attended=attended + needed, threshold=threshold)
            assert after.eligible, (attended, sessions, needed)
            if needed > 0:
                one_less = compute_eligibility(
                    sessions=sessions + needed - 1, attended=attended + needed - 1, threshold=threshold
                )
                assert not one_less.eligible, (attended, sessions, needed)


def test_result_records_the_threshold_used() -> None:
    assert compute_eligibility(sessions=1, attended=1, threshold=80).threshold == 80.0
