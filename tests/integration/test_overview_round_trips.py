"""The dashboard overview reads every card's figures in one statement (issue 18, perceived speed).

Its cards must equal what each figure's own function (core.services.dashboards.figures) says, one call
at a time, for the admin and for a supervisor, both for complete months and for the running period.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.calendar import quarter_of
from core.dto import DashboardFilters, Scope, UserSummary
from core.repositories import analytics as analytics_repo
from core.services.dashboards import figures
from core.services.dashboards import overview as analytics_overview
from tests.scenarios import DashboardWorld as World
from tests.scenarios import build_dashboard_world

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, 0)
NOV = DashboardFilters(start=date(2026, 11, 1), end=date(2026, 11, 1))


@pytest.fixture
def world(session: Session) -> World:
    return build_dashboard_world(session)


def _statements(session: Session, call: object) -> tuple[object, list[str]]:
    seen: list[str] = []
    connection = session.connection()

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        result = call()  # type: ignore[operator]
    finally:
        event.remove(connection, "before_cursor_execute", record)
    return result, seen


@pytest.mark.parametrize("running", [False, True])
@pytest.mark.parametrize("who", ["admin", "s1"])
def test_the_overview_takes_three_statements_and_agrees_with_each_figure(
    session: Session, world: World, who: str, running: bool
) -> None:
    viewer: UserSummary = getattr(world, who)
    session.expire_all()  # nothing from the identity map: count every read
    overview, seen = _statements(
        session,
        lambda: analytics_overview.get_overview(session, viewer, filters=NOV, today=TODAY, now=NOW, running=running),
    )
    # The viewer (authorization), the two settings the cards read, and one statement for every figure.
    assert len(seen) == 3, seen
    assert seen[-1].count("SELECT") >= 10  # ten figure statements cross-joined into one
    cards = {c.key: c for c in overview.cards}  # type: ignore[attr-defined]

    view = analytics_repo.view_conditions(Scope(role=viewer.role, user_id=viewer.id), NOV)
    month = date(2026, 11, 1) if running else date(2026, 10, 1)
    logbook = figures.logbook_figures(session, view, start=month, end=month)
    assert cards["verified"].value == logbook.approved
    assert cards["unverified"].value == logbook.unverified
    assert cards["compliance"].value == figures.compliance_pct(logbook)
    assert cards["compliance"].base == logbook.submitted
    if not running:
        before = figures.logbook_figures(session, view, start=date(2026, 9, 1), end=date(2026, 9, 1))
        assert cards["verified"].previous == (before.approved if before.submitted else None)
    ageing = figures.pending_ageing(session, view, now=NOW)
    assert cards["pending"].value == ageing.total
    assert cards["pending"].previous == analytics_repo.count_pending_at(
        session, view, moment=datetime.combine(TODAY - timedelta(days=30), time.max)
    )
    attended, sessions = figures.attendance_figures(session, view, start=month, end=month)
    assert cards["attendance_month"].value == figures.attendance_pct(attended, sessions)
    assert cards["attendance_month"].base == sessions
    quarter = quarter_of(TODAY) if running else quarter_of(date(2026, 9, 30))
    active, eligible = figures.eligible_counts(
        session, view, start=quarter.start.replace(day=1), end=quarter.end.replace(day=1), threshold=75.0
    )
    assert cards["eligible"].base == active
    assert cards["eligible"].value == (round(100 * eligible / active, 2) if active else None)
    assert (
        cards["active_trainees"].value
        == analytics_repo.count_active_trainees(
            session, view, created_before=datetime(2026, 10 if not running else 11, 1)
        )[0]
    )


def test_fetch_together_returns_each_statement_row_in_order(session: Session, world: World) -> None:
    view = analytics_repo.view_conditions(Scope(role=world.admin.role, user_id=world.admin.id), NOV)
    month = date(2026, 11, 1)
    queries = [
        figures.attendance_figures_query(view, start=month, end=month),
        figures.logbook_figures_query(view, start=month, end=month),
        figures.attendance_figures_query(view, start=date(2026, 10, 1), end=date(2026, 10, 1)),
    ]
    rows = analytics_repo.fetch_together(session, queries)
    assert [len(r) for r in rows] == [2, 4, 2]
    assert figures.pair_from(rows[0]) == figures.attendance_figures(session, view, start=month, end=month) == (7, 10)
    assert figures.logbook_figures_from(rows[1]) == figures.logbook_figures(session, view, start=month, end=month)
    assert figures.pair_from(rows[2]) == (1, 2)
