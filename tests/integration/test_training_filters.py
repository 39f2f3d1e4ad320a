"""Issue 17 §1: the dashboard, the approval queue and the report exports filter by training year and cohort,
on each database. A filter only narrows what the viewer may see: a supervisor filtering by a year sees
only their own trainees of that year, never another supervisor's.

World: the dashboard world (tests.scenarios.DashboardWorld), with
  A1 (S1, Alpha): year 1, "2025 intake" - Nov: 3 approved, 1 pending (+ a draft)
  A2 (S1, Alpha): year 2, "2024 intake" - Nov: 1 approved, 1 returned, 2 pending; a pending entry of Sep
  B1 (S2, Beta):  year 1, "2025 intake" - Nov: 1 rejected, 2 approved
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from io import BytesIO

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from core.calendar import parse_period
from core.dto import DashboardFilters, ReportRequest, UserSummary
from core.models import User
from core.rules.values import ReportKind
from core.services.dashboards import analytics
from core.services.dashboards import overview as analytics_overview
from core.services.dashboards import trainees as analytics_trainees
from core.services.logbook import approvals
from core.services.reports import exports, generation
from core.services.reports.archive import get_report_file
from tests.scenarios import DashboardWorld as World
from tests.scenarios import build_dashboard_world

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, 0)
NOV = DashboardFilters(start=date(2026, 11, 1), end=date(2026, 11, 1))
YEAR_1, YEAR_2 = replace(NOV, training_year=1), replace(NOV, training_year=2)
INTAKE_2025 = replace(NOV, cohort="2025 intake")


@pytest.fixture
def world(session: Session) -> World:
    built = build_dashboard_world(session)
    for summary, year, cohort in (
        (built.a1, 1, "2025 intake"),
        (built.a2, 2, "2024 intake"),
        (built.b1, 1, "2025 intake"),
    ):
        row = session.get(User, summary.id)
        assert row is not None
        row.training_year, row.cohort = year, cohort
    session.flush()
    return built


def _active(session: Session, viewer: UserSummary, filters: DashboardFilters) -> object:
    cards = analytics_overview.get_overview(session, viewer, filters=filters, today=TODAY, running=True).cards
    return next(card.value for card in cards if card.key == "active_trainees")


def _compliance(session: Session, viewer: UserSummary, filters: DashboardFilters) -> tuple[int, int]:
    total = analytics.compliance_by_department(session, viewer, filters=filters).total
    return total.submitted, total.verified


def test_dashboard_cards_and_compliance_narrow_by_training_year_and_cohort(session: Session, world: World) -> None:
    assert _active(session, world.admin, NOV) == 3
    assert _active(session, world.admin, YEAR_1) == 2  # A1 and B1
    assert _active(session, world.admin, YEAR_2) == 1  # A2
    assert _active(session, world.admin, INTAKE_2025) == 2
    assert _active(session, world.admin, replace(YEAR_2, cohort="2025 intake")) == 0  # both must hold
    # Compliance (submitted, approved) in November: A1 4/3, A2 4/1, B1 3/2.
    assert _compliance(session, world.admin, NOV) == (11, 6)
    assert _compliance(session, world.admin, YEAR_1) == (7, 5)
    assert _compliance(session, world.admin, YEAR_2) == (4, 1)


def test_a_supervisor_filtering_by_a_year_sees_only_their_trainees_of_that_year(session: Session, world: World) -> None:
    # Year 1 holds A1 (S1's) and B1 (S2's): S1 sees A1 only, S2 sees B1 only.
    assert _active(session, world.s1, YEAR_1) == 1
    assert _compliance(session, world.s1, YEAR_1) == (4, 3)
    assert _compliance(session, world.s2, YEAR_1) == (3, 2)
    # S2 has nobody in year 2: the filter never reaches A2.
    assert _active(session, world.s2, YEAR_2) == 0
    assert _compliance(session, world.s2, YEAR_2) == (0, 0)
    trainees = analytics_trainees.department_trainees(
        session, world.s1, filters=replace(YEAR_2, department_id=world.alpha)
    )
    assert list(trainees[analytics_trainees.COL_TRAINEE_ID]) == [world.a2.id]
    attendance = analytics.attendance_by_department(session, world.s2, filters=YEAR_2)
    assert attendance.empty or int(attendance[analytics.COL_SESSIONS].sum()) == 0


def test_the_approval_queue_narrows_by_training_year_and_cohort_within_scope(session: Session, world: World) -> None:
    def queue(viewer: UserSummary, **filters: object) -> tuple[set[int], int]:
        found = approvals.get_approval_queue(session, viewer, now=NOW, **filters)  # type: ignore[arg-type]
        return {item.trainee_id for item in found.items}, found.total

    assert queue(world.admin) == ({world.a1.id, world.a2.id}, 4)
    assert queue(world.admin, training_year=1) == ({world.a1.id}, 1)
    assert queue(world.admin, training_year=2) == ({world.a2.id}, 3)
    assert queue(world.admin, cohort="2024 intake") == ({world.a2.id}, 3)
    assert queue(world.admin, training_year=1, cohort="2024 intake") == (set(), 0)
    assert queue(world.s1, training_year=2) == ({world.a2.id}, 3)
    # S2's only trainee is in year 1 with nothing pending: filtering by year 2 shows none of S1's queue.
    assert queue(world.s2, training_year=2) == (set(), 0)
    assert queue(world.s2, cohort="2024 intake") == (set(), 0)


def test_the_logbook_summary_narrows_by_training_year_and_cohort_within_scope(session: Session, world: World) -> None:
    q4 = parse_period("2026-Q4")

    def names(viewer: UserSummary, **filters: object) -> set[str]:
        frame = exports.logbook_summary_frame(session, viewer, period=q4, **filters)  # type: ignore[arg-type]
        return set(frame["trainee"])

    a1, a2, b1 = (world.a1.full_name, world.a2.full_name, world.b1.full_name)
    assert names(world.admin) == {a1, a2, b1}
    assert names(world.admin, training_year=1) == {a1, b1}
    assert names(world.admin, cohort="2024 intake") == {a2}
    assert names(world.s1, training_year=1) == {a1}
    assert names(world.s2, training_year=2) == set()


def test_report_requests_carry_the_training_filters_into_the_file_and_the_archive(
    session: Session, world: World
) -> None:
    summary = generation.generate_report(
        session,
        world.s1,
        ReportRequest(ReportKind.LOGBOOK_SUMMARY, period="2026-Q4", file_format="csv", training_year=2),
        now=NOW,
        programme="Test programme",
    )
    assert summary.params["training_year"] == 2 and summary.params["cohort"] is None
    frame = pd.read_csv(BytesIO(get_report_file(session, world.s1, summary.id).content), encoding="utf-8-sig")
    assert list(frame["trainee"]) == [world.a2.full_name]
    eligibility = generation.generate_report(
        session,
        world.s2,
        ReportRequest(ReportKind.ELIGIBILITY_LIST, period="2026-11", cohort="2025 intake"),
        now=NOW,
        programme="Test programme",
    )
    assert eligibility.params["cohort"] == "2025 intake"
    content = get_report_file(session, world.s2, eligibility.id).content
    listed = pd.read_excel(BytesIO(content), sheet_name=1)  # the data, after the About sheet
    assert list(listed["Trainee"]) == [world.b1.full_name]
    about = pd.read_excel(BytesIO(content), sheet_name="About", header=None).set_index(0)[1]
    assert "cohort: 2025 intake" in about["Filters"]


def test_dashboard_results_analytics_narrow_by_training_year_and_cohort_within_scope(session: Session) -> None:
    from core.services.results import assessments, scores, transitions
    from core.services.results.analytics import results_by_department, score_distribution
    from tests.factories import actor, make_department, make_user

    admin = actor(session, make_user(session, "admin"))
    surgery = make_department(session)
    supervisor = make_user(session, "supervisor", department=surgery)
    first = make_user(session, "trainee", department=surgery, supervisor=supervisor)
    second = make_user(session, "trainee", department=surgery, supervisor=supervisor)
    unsupervised = make_user(session, "trainee", department=surgery)
    for row, year, cohort in ((first, 1, "2025 intake"), (second, 2, "2024 intake"), (unsupervised, 1, "2025 intake")):
        row.training_year, row.cohort = year, cohort
    session.flush()
    created = assessments.create_assessment(
        session,
        admin,
        title="Written",
        department_id=surgery.id,
        assessment_date=date(2026, 10, 1),
        max_score="100",
        pass_mark="50",
        weight="100",
        group_name="Final exam 2026",
        now=NOW,
    )
    marks = {first.registration_number: "85", second.registration_number: "45", unsupervised.registration_number: "65"}
    scores.save_scores(session, admin, assessment_id=created.id, scores=marks, now=NOW)
    transitions.publish_results(session, admin, assessment_id=created.id, now=NOW)

    def pooled(viewer: UserSummary, **filters: object) -> tuple[int, int]:
        table = results_by_department(session, viewer, department=surgery.name, **filters)  # type: ignore[arg-type]
        overall = table[table["department"] == "OVERALL"].to_dict("records")[0]
        return int(overall["results"]), int(overall["passed"])

    assert pooled(admin) == (3, 2)
    assert pooled(admin, training_year=1) == (2, 2)
    assert pooled(admin, cohort="2024 intake") == (1, 0)
    assert pooled(actor(session, supervisor), training_year=1) == (1, 1)  # not the unsupervised trainee
    bands = score_distribution(session, admin, department=surgery.name, training_year=2)
    assert bands["results"].tolist() == [1] and bands["40-49%"].tolist() == [1]
    assert results_by_department(session, actor(session, supervisor), training_year=3).empty
