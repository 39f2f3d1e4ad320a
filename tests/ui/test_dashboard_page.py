"""The dashboard page renders every tab for every role, with data and on an empty database."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.dto import UserSummary
from pages.dashboard import TABS
from tests.factories import actor, make_user
from tests.scenarios import DashboardWorld as World
from tests.scenarios import build_dashboard_world
from tests.ui.conftest import PageRunner, UiDatabase

PAGE = "pages.dashboard"
TAB = "dashboard.tab"
ROLES = ("admin", "leadership", "supervisor", "trainee")


@pytest.fixture
def world(ui_db: UiDatabase) -> World:
    with ui_db.factory.begin() as session:
        return build_dashboard_world(session)


def _viewer(world: World, role: str) -> UserSummary:
    return {"admin": world.admin, "leadership": world.leadership, "supervisor": world.s1, "trainee": world.a1}[role]


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    parts += [i.value for i in at.info] + [s.value for s in at.success] + [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts)


def _charts(at: AppTest) -> list[dict[str, object]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


@pytest.mark.parametrize("tab", TABS)
@pytest.mark.parametrize("role", [r for r in ROLES if r != "trainee"])  # a trainee has a home, no tabs
def test_every_tab_renders_for_every_role(run_page: PageRunner, world: World, role: str, tab: str) -> None:
    at = run_page(PAGE, _viewer(world, role), query={TAB: tab, "from": "2026-11", "to": "2026-11"})
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    if tab == "Overview":
        assert [m.label for m in at.metric][:4] == [
            "Active trainees",
            "Entries, last 30 days",
            "Pending verification",
            "Unverified",
        ]
        assert len(at.metric) == 8
    elif tab == "Trends":
        assert _charts(at), "the trend chart is drawn"
    elif tab == "Compliance":
        assert "By supervisor" in _texts(at)
    elif tab == "Attendance":
        assert "At risk in" in _texts(at)
    elif tab == "Progress":
        assert "Trainees on track against their training year's logbook targets" in _texts(at)
    elif tab == "Results":
        assert "Published and frozen results only" in _texts(at)
    else:
        assert "Choose a department" in _texts(at)


def test_overview_cards_show_the_viewers_figures(run_page: PageRunner, world: World) -> None:
    at = run_page(PAGE, world.s1, query={"from": "2026-11", "to": "2026-11", "cmp": "running"})
    cards = {m.label: m.value for m in at.metric}
    assert cards["Active trainees"] == "2"
    assert cards["Verified (approved)"] == "4"  # verified means approved
    # The card names its base; 8 is below the small-base setting (20), so it is muted and says so.
    assert cards[":gray[Compliance · 8 submitted · small base]"] == "50.00%"
    assert "(to " in _texts(at)  # the running period is labelled as such


def test_compliance_table_shows_a_dash_for_a_department_with_nothing_submitted(
    run_page: PageRunner, world: World
) -> None:
    at = run_page(PAGE, world.admin, query={TAB: "Compliance", "from": "2026-11", "to": "2026-11"})
    at.toggle(key="dashboard.compliance.dept.table").set_value(True).run()
    table = at.dataframe[0].value
    gamma = table[table["Department"].str.startswith("Gamma")]
    assert gamma["Compliance %"].tolist() == ["–"]
    assert table["Compliance %"].tolist()[-1] == "54.55"
    assert table["Reviewed %"].tolist()[-1] == "72.73"
    assert [m.value for m in at.metric] == ["54.55% of 11 submitted", "72.73% of 11 submitted"]


def test_filters_are_written_to_the_url_and_read_back(run_page: PageRunner, world: World) -> None:
    at = run_page(
        PAGE, world.admin, query={"from": "2026-10", "to": "2026-11", "dept": str(world.beta), "cmp": "running"}
    )
    assert at.query_params["from"] == "2026-10" and at.query_params["dept"] == str(world.beta)
    assert at.selectbox(key="dashboard.department").value == world.beta
    cards = {m.label: m.value for m in at.metric}
    assert cards["Verified (approved)"] == "2"  # Beta only


def test_a_supervisor_cannot_widen_their_scope_through_the_url(run_page: PageRunner, world: World) -> None:
    at = run_page(
        PAGE,
        world.s1,
        query={"dept": str(world.beta), "sup": str(world.s2_id), "from": "2026-11", "to": "2026-11", "cmp": "running"},
    )
    assert not at.exception
    assert at.selectbox(key="dashboard.department").value == 0  # Beta is not offered: all of theirs
    assert "sup" not in at.query_params
    assert {m.label: m.value for m in at.metric}["Verified (approved)"] == "4"
    at = run_page(PAGE, world.s1, query={TAB: "Trainees", "dept": str(world.alpha), "trainee": str(world.b1.id)})
    assert "No such trainee" in _texts(at)


def test_drill_down_from_department_to_a_trainee(run_page: PageRunner, world: World) -> None:
    at = run_page(
        PAGE,
        world.admin,
        query={
            TAB: "Trainees",
            "dept": str(world.alpha),
            "trainee": str(world.a1.id),
            "from": "2026-11",
            "to": "2026-11",
        },
    )
    assert not at.exception
    trainees = at.dataframe[0].value
    assert set(trainees["Trainee"]) == {world.a1.full_name, world.a2.full_name}
    assert world.a1.full_name in _texts(at)
    entries, attendance = at.dataframe[1].value, at.dataframe[2].value
    assert len(entries) == 4 and len(attendance) == 4


@pytest.mark.parametrize("tab", TABS)
@pytest.mark.parametrize("role", [r for r in ROLES if r != "trainee"])  # the trainee home: test_trainee_home_page
def test_every_tab_shows_a_friendly_empty_state_on_an_empty_database(
    run_page: PageRunner, ui_db: UiDatabase, role: str, tab: str
) -> None:
    with ui_db.factory.begin() as session:
        viewer = actor(session, make_user(session, role))
    at = run_page(PAGE, viewer, query={TAB: tab})
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    if tab != "Overview":
        assert at.info or at.success, "an empty state or an all-clear message is shown"
