"""core.clock: the programme's date of an instant, moving an instant to a programme date, PORTAL_TODAY."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from core import clock


def test_the_programme_date_follows_the_timezone_not_the_utc_date() -> None:
    late_evening_utc = datetime(2026, 12, 31, 23, 30)
    assert clock.programme_date(late_evening_utc, "UTC") == date(2026, 12, 31)
    assert clock.programme_date(late_evening_utc, "Pacific/Auckland") == date(2027, 1, 1)
    assert clock.programme_date(datetime(2028, 3, 1, 2, 0), "America/New_York") == date(2028, 2, 29)


def test_an_unknown_timezone_falls_back_to_the_utc_date() -> None:
    assert clock.programme_date(datetime(2026, 12, 31, 23, 30), "Not/AZone") == date(2026, 12, 31)


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland", "America/Los_Angeles", "Europe/London"])
@pytest.mark.parametrize("day", [date(2026, 12, 1), date(2026, 12, 31), date(2028, 2, 29), date(2027, 1, 1)])
def test_at_programme_date_moves_by_whole_days_to_the_asked_date(zone: str, day: date) -> None:
    now = datetime(2026, 6, 10, 23, 45)
    moved = clock.at_programme_date(day, now, zone)
    assert clock.programme_date(moved, zone) == day
    assert moved.time() == time(23, 45)


def test_at_programme_date_across_a_dst_change_still_lands_on_the_date() -> None:
    # 23:30 UTC is 23:30 in London in winter but 00:30 the next day in summer (BST).
    now = datetime(2026, 3, 28, 23, 30)
    moved = clock.at_programme_date(date(2026, 3, 30), now, "Europe/London")
    assert clock.programme_date(moved, "Europe/London") == date(2026, 3, 30)


def test_portal_today_shifts_today_and_utcnow_by_whole_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.TODAY_OVERRIDE_ENV, "2028-02-29")
    assert clock.today("UTC") == date(2028, 2, 29)
    assert clock.programme_date(clock.utcnow(), "UTC") == date(2028, 2, 29)


def test_portal_today_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.TODAY_OVERRIDE_ENV, "2031-01-01")  # a date no other test caches
    monkeypatch.setenv("PORTAL_ENV", "production")
    with pytest.raises(RuntimeError, match="PORTAL_TODAY"):
        clock.today("UTC")
