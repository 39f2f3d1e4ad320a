"""One definition per figure (issue 11 §3): the dashboard, Approvals, the leadership pack and the logbook
export give the same pending, ageing, entries in a period, compliance, reviewed %, attendance % and
eligibility on the same data (tests.scenarios.DashboardWorld), on each database."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from core.calendar import parse_period
from core.dto import DashboardFilters
from core.rules.logbook import compute_compliance, compute_reviewed
from core.services.attendance import eligibility
from core.services.dashboards import analytics
from core.services.dashboards import overview as analytics_overview
from core.services.logbook import approvals
from core.services.reports.exports import logbook_summary_frame
from core.services.reports.pack import collect_pack_data
from tests.scenarios import DashboardWorld as World
from tests.scenarios import build_dashboard_world

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, 0)
NOV = DashboardFilters(start=date(2026, 11, 1), end=date(2026, 11, 1))


@pytest.fixture
def world(session: Session) -> World:
    return build_dashboard_world(session)


def test_dashboard_approvals_pack_and_export_agree_on_every_figure(session: Session, world: World) -> None:
    viewer = world.admin
    cards = {
        c.key: c
        for c in analytics_overview.get_overview(session, viewer, filters=NOV, today=TODAY, now=NOW, running=True).cards
    }
    queue = approvals.get_approval_queue(session, viewer, now=NOW)
    ageing = analytics.pending_ageing(session, viewer, filters=NOV, now=NOW)
    pack = collect_pack_data(session, viewer, filters=NOV, now=NOW, programme="Agreement")
    export = logbook_summary_frame(session, viewer, period=parse_period("2026-11"))
    breakdown = analytics.compliance_by_department(session, viewer, filters=NOV)

    # Pending and ageing: one rule (whole days since submission), one set of buckets.
    buckets = ageing["Entries"].tolist()
    assert buckets == pack.ageing["Entries"].tolist() == [1, 1, 1, 1]
    assert cards["pending"].value == queue.total == sum(buckets) == 4
    assert queue.over_7_days == sum(buckets[1:]) == 3
    assert queue.over_14_days == sum(buckets[2:]) == 2
    assert "3 have waited over 7 days and 2 over 14" in cards["pending"].help

    # The entries in a period (case dates in November, drafts never count).
    submitted = int(export["submitted"].sum())
    pooled = analytics.compliance_table(breakdown).iloc[-1]
    pack_pooled = pack.compliance.iloc[-1]
    assert submitted == breakdown.total.submitted == int(pooled["Submitted"]) == int(pack_pooled["Submitted"]) == 11
    assert cards["compliance"].base == 11

    # Compliance = approved / submitted; reviewed % = decided / submitted.
    approved = int(export["approved"].sum())
    decided = int(export[["approved", "returned", "rejected"]].sum().sum())
    assert compute_compliance(approved, submitted) == breakdown.total.compliance_pct == cards["compliance"].value
    assert float(pack_pooled["Compliance %"]) == breakdown.total.compliance_pct == 54.55
    assert compute_reviewed(decided, submitted) == breakdown.total.reviewed_pct == 72.73
    assert float(pack_pooled["Reviewed %"]) == 72.73
    assert "Reviewed % (approved, returned or rejected / submitted): 72.73%" in cards["compliance"].help
    assert int(cards["unverified"].value or 0) == submitted - approved == 5

    # Attendance %: present + late over recorded sessions, the same in the card, the trend and the pack.
    trend = analytics.attendance_trend(session, viewer, filters=NOV).set_index("Month")
    attended, sessions = int(pack.attendance["Attended"].sum()), int(pack.attendance["Sessions"].sum())
    assert (attended, sessions) == (7, 10) and cards["attendance_month"].base == 10
    assert (
        cards["attendance_month"].value == trend.loc["2026-11", "Attendance %"] == round(100 * attended / sessions, 2)
    )

    # Eligibility: the card's share equals the Eligibility page's list for the quarter.
    page = eligibility.list_eligibility(session, viewer, period="2026-Q4")
    share = round(100 * int(page["eligible"].sum()) / len(page), 2)
    assert cards["eligible"].value == share == 66.67 and cards["eligible"].base == len(page) == 3
    assert int(pack.attendance["Eligible"].sum()) == int(page["eligible"].sum())


def test_a_supervisor_sees_the_same_figures_in_scope_everywhere(session: Session, world: World) -> None:
    viewer = world.s1
    cards = {
        c.key: c
        for c in analytics_overview.get_overview(session, viewer, filters=NOV, today=TODAY, now=NOW, running=True).cards
    }
    queue = approvals.get_approval_queue(session, viewer, now=NOW)
    export = logbook_summary_frame(session, viewer, period=parse_period("2026-11"))
    breakdown = analytics.compliance_by_department(session, viewer, filters=NOV)
    assert cards["pending"].value == queue.total == 4
    assert int(export["submitted"].sum()) == breakdown.total.submitted == 8
    assert compute_compliance(int(export["approved"].sum()), 8) == breakdown.total.compliance_pct == 50.0
    pack = collect_pack_data(session, viewer, filters=NOV, now=NOW, programme="Agreement")
    names = set(pack.compliance["Department"]) | set(pack.attendance["Department"])
    assert all(not n.startswith(("Beta", "Gamma")) for n in names)  # no other department's name


def test_the_default_cards_compare_complete_months_and_say_when_there_is_no_earlier_data(
    session: Session, world: World
) -> None:
    overview = analytics_overview.get_overview(session, world.admin, filters=NOV, today=TODAY, now=NOW)
    cards = {c.key: c for c in overview.cards}
    # November is still running, so the cards show October (complete) against September.
    assert overview.period_label == "2026-10"
    assert cards["compliance"].comparison == "Oct vs Sep"
    assert cards["compliance"].value is None and cards["compliance"].base == 0  # nothing with an October case date
    assert cards["compliance"].small_base  # 0 < 20 (the default small-base setting)
    assert cards["attendance_month"].label == "Attendance, Oct 2026"
    assert cards["attendance_month"].value == 50.0 and cards["attendance_month"].base == 2
    assert cards["attendance_month"].small_base and cards["attendance_month"].base_text == "of 2 sessions"
    assert cards["attendance_month"].previous is None  # nothing recorded in September
    assert cards["attendance_month"].change is None and cards["attendance_month"].comparison == "no earlier data"
    assert cards["eligible"].label == "Eligible in 2026-Q3"
