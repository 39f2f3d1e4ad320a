"""The trainee's home (issue 11 §4) on a real database: one person's attendance, logbook and published results."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.errors import PermissionDeniedError
from core.services.dashboards.trainee_home import get_trainee_home
from tests.scenarios import DashboardWorld, add_dashboard_results, build_dashboard_world

MID_NOVEMBER = date(2026, 11, 16)


@pytest.fixture
def world(session: Session) -> DashboardWorld:
    built = build_dashboard_world(session)
    add_dashboard_results(session, built)
    return built


def home(session: Session, viewer: UserSummary, today: date = MID_NOVEMBER):  # type: ignore[no-untyped-def]
    return get_trainee_home(session, viewer, today=today, now=datetime(today.year, today.month, today.day, 12))


def test_my_attendance_this_quarter_with_the_sessions_i_still_need(session: Session, world: DashboardWorld) -> None:
    mine = home(session, world.a1)
    # a1: 6 sessions in Q4 (present, late, absent, excused in November; present, absent in October).
    assert (mine.period_label, mine.sessions, mine.attended, mine.percentage) == ("2026-Q4", 6, 3, 50.0)
    assert mine.threshold == 75.0 and not mine.eligible
    # The programme held 6 distinct sessions in the 47 days to 16 Nov; 45 days remain: about 6 left.
    assert (mine.sessions_needed, mine.sessions_left, mine.out_of_reach) == (6, 6, False)
    assert mine.forecast == "6 more (about 6 sessions left)"


def test_more_needed_than_the_sessions_left_is_out_of_reach(session: Session, world: DashboardWorld) -> None:
    late = home(session, world.a1, date(2026, 12, 20))
    assert late.out_of_reach and late.sessions_left == 1
    assert late.forecast.startswith("out of reach this period")


def test_my_logbook_by_status_with_returned_entries_linked(session: Session, world: DashboardWorld) -> None:
    a1, a2 = home(session, world.a1), home(session, world.a2)
    assert dict(a1.logbook) == {"draft": 1, "pending": 1, "returned": 0, "approved": 5, "rejected": 0}
    assert a1.returned == ()
    assert dict(a2.logbook) == {"draft": 0, "pending": 3, "returned": 1, "approved": 1, "rejected": 0}
    (entry,) = a2.returned
    assert entry.link == f"/logbook?entry={entry.id}"


def test_my_published_results_carry_the_gate_and_no_draft(session: Session, world: DashboardWorld) -> None:
    a1, a2 = home(session, world.a1), home(session, world.a2)
    assert [(r.assessment, r.result) for r in a1.results] == [
        ("Paper 1", "pass (ineligible: 50.00 % attended in 2026-Q4)")
    ]
    assert [(r.assessment, r.result) for r in a2.results] == [("Paper 1", "fail")], "a2 is eligible (75 %)"
    assert a2.eligible and a2.forecast == "0: threshold met"


@pytest.mark.parametrize("role", ["admin", "leadership", "s1"])
def test_only_a_trainee_has_a_trainee_home(session: Session, world: DashboardWorld, role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        home(session, getattr(world, role))
