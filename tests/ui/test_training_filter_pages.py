"""Issue 17 §1 on the pages: the dashboard and the approval queue filter by training year and cohort, kept in
the URL (`year`, `cohort`): a link with them opens filtered, and changing a picker writes it back.

World: the dashboard world with A1 year 1 "2025 intake", A2 year 2 "2024 intake", B1 year 1 "2025 intake".
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.models import ReportRun, User
from core.services.stored_files import read_file
from tests.scenarios import DashboardWorld as World
from tests.scenarios import build_dashboard_world
from tests.ui.conftest import PageRunner, UiDatabase

NOV = {"from": "2026-11", "to": "2026-11", "cmp": "running"}


@pytest.fixture
def world(ui_db: UiDatabase) -> World:
    with ui_db.factory.begin() as session:
        built = build_dashboard_world(session)
        for summary, year, cohort in (
            (built.a1, 1, "2025 intake"),
            (built.a2, 2, "2024 intake"),
            (built.b1, 1, "2025 intake"),
        ):
            row = session.get(User, summary.id)
            assert row is not None
            row.training_year, row.cohort = year, cohort
        return built


def _active(at: AppTest) -> str:
    return str({m.label: m.value for m in at.metric}["Active trainees"])


def test_dashboard_opens_filtered_by_the_url_and_writes_the_pickers_back(run_page: PageRunner, world: World) -> None:
    everyone = run_page("pages.dashboard", world.admin, query=NOV)
    assert _active(everyone) == "3"
    at = run_page("pages.dashboard", world.admin, query={**NOV, "year": "1"})
    assert not at.exception, at.exception
    assert at.selectbox(key="dashboard.year").value == 1
    assert _active(at) == "2"  # A1 and B1
    at.selectbox(key="dashboard.year").set_value(2).run()
    assert at.query_params["year"] == "2" and _active(at) == "1"
    at.selectbox(key="dashboard.cohort").set_value("2025 intake").run()
    assert (at.query_params["year"], at.query_params["cohort"]) == ("2", "2025 intake")
    assert _active(at) == "0"  # nobody is in year 2 of the 2025 intake
    at.selectbox(key="dashboard.year").set_value(0).run()
    assert "year" not in at.query_params and _active(at) == "2"


def test_a_supervisor_filtering_the_dashboard_by_a_year_sees_only_their_trainees(
    run_page: PageRunner, world: World
) -> None:
    own = run_page("pages.dashboard", world.s1, query={**NOV, "year": "1"})
    assert _active(own) == "1"  # A1, not B1 (S2's)
    other = run_page("pages.dashboard", world.s2, query={**NOV, "year": "2"})
    assert not other.exception, other.exception
    assert _active(other) == "0"  # A2 is in year 2 but not S2's


def _queue_trainees(at: AppTest) -> set[str]:
    tables = [d.value for d in at.dataframe if "trainee" in d.value.columns]
    return set(tables[0]["trainee"]) if tables else set()


def test_the_approval_queue_filters_by_training_year_and_cohort_in_the_url(run_page: PageRunner, world: World) -> None:
    everyone = run_page("pages.approvals", world.admin)
    assert _queue_trainees(everyone) == {world.a1.full_name, world.a2.full_name}
    at = run_page("pages.approvals", world.admin, query={"year": "2"})
    assert not at.exception, at.exception
    assert at.selectbox(key="approvals.year").value == 2
    assert _queue_trainees(at) == {world.a2.full_name}
    at.selectbox(key="approvals.year").set_value(0).run()
    at.selectbox(key="approvals.cohort").set_value("2025 intake").run()
    assert "year" not in at.query_params and at.query_params["cohort"] == "2025 intake"
    assert _queue_trainees(at) == {world.a1.full_name}
    # S2 filtering by year 2 sees nothing of S1's queue.
    other = run_page("pages.approvals", world.s2, query={"year": "2"})
    assert not other.exception, other.exception
    assert _queue_trainees(other) == set()
    assert any("Nothing is waiting" in str(i.value) for i in other.info)


def test_the_logbook_summary_export_takes_a_training_year_and_cohort(
    run_page: PageRunner, ui_db: UiDatabase, world: World
) -> None:
    at = run_page("pages.reports", world.admin)
    at.radio(key="reports.kind").set_value("logbook_summary").run()
    at.text_input(key="reports.period").input("2026-11")
    at.selectbox(key="reports.format").set_value("csv")
    at.selectbox(key="reports.year").set_value(1)
    at.selectbox(key="reports.cohort").set_value("2025 intake")
    at.button(key="FormSubmitter:reports.generate-Generate").click().run()
    assert not at.exception, at.exception
    with ui_db.factory() as session:
        run = session.scalars(select(ReportRun)).one()
        content = read_file(session, run.file_id) if run.file_id else b""
    assert run.params is not None and (run.params["training_year"], run.params["cohort"]) == (1, "2025 intake")
    text = content.decode("utf-8-sig")
    assert world.a1.full_name in text and world.b1.full_name in text and world.a2.full_name not in text
