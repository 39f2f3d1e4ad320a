"""The dashboard for a trainee is their home (issue 11 §4): only their figures, no programme cards or tabs."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.clock import TODAY_OVERRIDE_ENV
from tests.factories import actor, make_user
from tests.scenarios import DashboardWorld, add_dashboard_results, build_dashboard_world
from tests.ui.conftest import PageRunner, UiDatabase

PAGE = "pages.dashboard"
PROGRAMME_CARDS = ("Active trainees", "Currently eligible", "Pending verification", "Unverified", "Compliance")


@pytest.fixture
def world(ui_db: UiDatabase, monkeypatch: pytest.MonkeyPatch) -> DashboardWorld:
    monkeypatch.setenv(TODAY_OVERRIDE_ENV, "2026-11-16")
    with ui_db.factory.begin() as session:
        built = build_dashboard_world(session)
        add_dashboard_results(session, built)
        return built


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    parts += [s.value for s in at.success] + [w.value for w in at.warning] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


def test_a_trainee_sees_only_their_own_figures(run_page: PageRunner, world: DashboardWorld) -> None:
    at = run_page(PAGE, world.a1)
    assert not at.exception, at.exception
    cards = {m.label: m.value for m in at.metric}
    assert cards["Attendance · 3 of 6 sessions"] == "50.00%"
    assert cards["Threshold"] == "75.00%"
    assert cards["Sessions needed"] == "6"
    assert (cards["Draft"], cards["Pending"], cards["Approved"], cards["Returned"]) == ("1", "1", "5", "0")
    assert not any(label.startswith(PROGRAMME_CARDS) for label in cards), cards
    assert len(at.tabs) == 0, "no programme, department or trainees tabs"
    assert not at.selectbox, "no department or supervisor filters"
    text = _texts(at)
    assert "About 6 sessions are left this quarter" in text
    assert "Attend 6 more sessions, all of them, to reach the 75% threshold." in text
    results = at.dataframe[0].value
    assert results["Result"].tolist() == ["pass (ineligible: 50.00 % attended in 2026-Q4)"]
    assert "Paper 2" not in results["Assessment"].tolist(), "a draft is not shown to the trainee"
    assert world.a2.full_name not in text and world.b1.full_name not in text


def test_returned_entries_need_the_trainees_action_and_link_to_them(
    run_page: PageRunner, world: DashboardWorld
) -> None:
    at = run_page(PAGE, world.a2)
    assert not at.exception, at.exception
    text = _texts(at)
    assert "1 returned entry needs your action" in text
    assert "/logbook?entry=" in text
    assert "You are at or above the 75% threshold this quarter." in text


def test_out_of_reach_is_said_plainly(
    run_page: PageRunner, world: DashboardWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TODAY_OVERRIDE_ENV, "2026-12-20")
    at = run_page(PAGE, world.a1)
    assert {m.label: m.value for m in at.metric}["Sessions needed"] == "out of reach"
    assert "out of reach this period" in _texts(at)


def test_a_new_trainee_on_an_empty_programme_sees_friendly_empty_figures(
    run_page: PageRunner, ui_db: UiDatabase
) -> None:
    with ui_db.factory.begin() as session:
        viewer = actor(session, make_user(session, "trainee"))
    at = run_page(PAGE, viewer)
    assert not at.exception, at.exception
    assert not at.error, "no sessions held yet is not 'out of reach'"
    assert {m.label: m.value for m in at.metric}["Attendance · 0 of 0 sessions"] == "0.00%"
    assert at.info, "an empty state for the results"
