"""Leave policy, alert levels and expected session days: pure rules (core.rules.leave)."""

from __future__ import annotations

from datetime import date

import pytest

from core.rules.eligibility import compute_eligibility
from core.rules.leave import (
    Closure,
    check_leave,
    compute_alert_level,
    compute_alert_transition,
    compute_expected_days,
    compute_leave_types,
    compute_policy_text,
    compute_weekdays,
    excluded_types,
    leave_types_text,
    sniff_attachment,
)
from core.rules.values import AlertLevel, LeavePolicy


def test_leave_types_parse_to_policies_in_order_and_normalise() -> None:
    types = compute_leave_types(" Medical = excluded,Official  Duty=EXCLUDED, other=excused ")
    assert types == {
        "medical": LeavePolicy.EXCLUDED,
        "official duty": LeavePolicy.EXCLUDED,
        "other": LeavePolicy.EXCUSED,
    }
    assert leave_types_text(types) == "medical=excluded, official duty=excluded, other=excused"
    assert excluded_types(types) == ("medical", "official duty")
    assert (
        compute_policy_text(types)
        == "leave excluded from sessions: medical, official duty; leave counted as excused: other"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one"),
        ("medical", "is not TYPE"),
        ("medical=ignored", "not a leave policy"),
        ("a=excused, A=excluded", "twice"),
    ],
)
def test_bad_leave_types_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compute_leave_types(text)


def test_a_leave_request_needs_a_known_type_ordered_dates_and_a_reason() -> None:
    types = compute_leave_types("medical=excluded")
    assert (
        check_leave(leave_type=" MEDICAL ", start=date(2026, 3, 1), end=date(2026, 3, 1), reason="x", types=types)
        == "medical"
    )
    with pytest.raises(ValueError, match="Unknown leave type"):
        check_leave(leave_type="ski", start=date(2026, 3, 1), end=date(2026, 3, 1), reason="x", types=types)
    with pytest.raises(ValueError, match="at most 366"):
        check_leave(leave_type="medical", start=date(2026, 1, 1), end=date(2027, 1, 2), reason="x", types=types)


def test_documents_are_recognised_by_their_bytes() -> None:
    assert sniff_attachment(b"%PDF-1.7 ...", max_bytes=100) == "application/pdf"
    assert sniff_attachment(b"\x89PNG\r\n\x1a\n....", max_bytes=100) == "image/png"
    assert sniff_attachment(b"\xff\xd8\xff\xe0..", max_bytes=100) == "image/jpeg"
    with pytest.raises(ValueError, match="PDF or an image"):
        sniff_attachment(b"<html>", max_bytes=100)
    with pytest.raises(ValueError, match="at most"):
        sniff_attachment(b"%PDF-" + b"x" * 200, max_bytes=100)


def _level(
    percentage: float, *, out_of_reach: bool = False, condoned: bool = False, sessions: int = 10
) -> AlertLevel | None:
    return compute_alert_level(
        sessions=sessions, percentage=percentage, threshold=75, margin=5, out_of_reach=out_of_reach, condoned=condoned
    )


def test_alert_levels_follow_threshold_margin_and_forecast() -> None:
    assert _level(80.0) is None
    assert _level(79.99) is AlertLevel.WARNING
    assert _level(75.0) is AlertLevel.WARNING
    assert _level(74.99) is AlertLevel.AT_RISK
    assert _level(40.0, out_of_reach=True) is AlertLevel.OUT_OF_REACH
    assert _level(10.0, condoned=True) is None
    assert _level(0.0, sessions=0) is None


def test_a_level_is_announced_only_when_reached_from_below() -> None:
    assert compute_alert_transition(None, AlertLevel.AT_RISK) == (True, AlertLevel.AT_RISK)
    assert compute_alert_transition(AlertLevel.AT_RISK, AlertLevel.AT_RISK) == (False, AlertLevel.AT_RISK)
    assert compute_alert_transition(AlertLevel.OUT_OF_REACH, AlertLevel.AT_RISK) == (False, AlertLevel.AT_RISK)
    assert compute_alert_transition(AlertLevel.AT_RISK, None) == (False, None)
    assert compute_alert_transition(AlertLevel.WARNING, AlertLevel.OUT_OF_REACH) == (True, AlertLevel.OUT_OF_REACH)


def test_expected_days_are_the_weekdays_minus_programme_and_own_closures() -> None:
    closures = [
        Closure("Holiday", date(2026, 11, 9), date(2026, 11, 9), None),
        Closure("Surgery break", date(2026, 11, 11), date(2026, 11, 12), 7, "term_break"),
    ]
    days = compute_expected_days(
        date(2026, 11, 9), date(2026, 11, 15), weekdays=(1, 2, 3, 4, 5), closures=closures, department_id=7
    )
    assert days == [date(2026, 11, 10), date(2026, 11, 13)]
    other = compute_expected_days(
        date(2026, 11, 9), date(2026, 11, 15), weekdays=(1, 3, 6), closures=closures, department_id=8
    )
    assert other == [date(2026, 11, 11), date(2026, 11, 14)]
    assert compute_weekdays("5, 1,1") == (1, 5)
    with pytest.raises(ValueError):
        compute_weekdays("0")


def test_condoned_eligibility_is_eligible_with_its_reason_and_keeps_the_figures() -> None:
    result = compute_eligibility(sessions=10, attended=2, threshold=75, condoned=True, condonation_reason="illness")
    assert result.eligible and result.condoned and result.condonation_reason == "illness"
    assert (result.sessions, result.attended, result.percentage, result.sessions_needed) == (10, 2, 20.0, 0)
    assert compute_eligibility(sessions=4, attended=3, threshold=75, leave_excluded=5).leave_excluded == 5
