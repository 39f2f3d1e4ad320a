"""No help is hover-only (issue 18): a phone has no hover, so the Dashboard (every tab, every role,
the trainee home) and Approvals (queue, an open entry, a bulk selection) show no tooltip-only help;
what a figure means is in a visible "What these figures mean" section instead. Attendance (the date
order of an upload), Eligibility (its table's column headers) and the Inbox (where Open goes) say
it in captions, for every role that sees them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.dto import UserSummary
from core.services.notifications import notify
from pages.dashboard import TABS
from tests.scenarios import DashboardWorld, build_dashboard_world
from tests.ui.conftest import PageRunner, UiDatabase

TAB = "dashboard.tab"


@pytest.fixture
def world(ui_db: UiDatabase) -> DashboardWorld:
    with ui_db.factory.begin() as session:
        return build_dashboard_world(session)


def _viewer(world: DashboardWorld, role: str) -> UserSummary:
    return {"admin": world.admin, "leadership": world.leadership, "supervisor": world.s1, "trainee": world.a1}[role]


def hover_help(at: AppTest) -> list[str]:
    """Every tooltip text on the page (an element's `help`), walking the whole element tree."""
    found: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        fields = proto.DESCRIPTOR.fields_by_name if proto is not None else {}
        if "help" in fields and proto.help:
            found.append(f"{getattr(node, 'type', '?')}: {proto.help}")
        if "columns" in fields and isinstance(proto.columns, str) and proto.columns:
            # A table's column headers: st.column_config(help=...) is a tooltip on the header.
            for name, config in json.loads(proto.columns).items():
                if isinstance(config, dict) and config.get("help"):
                    found.append(f"column {name}: {config['help']}")
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def _definitions(at: AppTest) -> str:
    return "\n".join(e.label for e in at.expander)


@pytest.mark.parametrize("tab", TABS)
@pytest.mark.parametrize("role", ["admin", "leadership", "supervisor"])
def test_no_dashboard_tab_has_hover_only_help(run_page: PageRunner, world: DashboardWorld, role: str, tab: str) -> None:
    at = run_page("pages.dashboard", _viewer(world, role), query={TAB: tab, "from": "2026-11", "to": "2026-11"})
    assert not at.exception
    assert hover_help(at) == []
    if at.metric:  # cards are explained where a tap reaches
        assert "What these figures mean" in _definitions(at)


def test_the_trainee_home_has_no_hover_only_help(run_page: PageRunner, world: DashboardWorld) -> None:
    at = run_page("pages.dashboard", world.a1)
    assert not at.exception
    assert at.metric and hover_help(at) == []
    assert "What these figures mean" in _definitions(at)


@pytest.mark.parametrize("role", ["admin", "leadership", "supervisor"])
def test_approvals_has_no_hover_only_help(run_page: PageRunner, world: DashboardWorld, role: str) -> None:
    viewer = _viewer(world, role)
    at = run_page("pages.approvals", viewer)
    assert not at.exception
    assert at.dataframe and hover_help(at) == []
    at.session_state["approvals.queue.0"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()  # an entry open in the panel
    assert hover_help(at) == []
    if role != "leadership":
        at.session_state["approvals.queue.0"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
        at.run()  # the bulk form
        assert [b.label for b in at.button if b.label.startswith("✅ Approve ")] == ["✅ Approve 2"]
        assert hover_help(at) == []


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_attendance_upload_states_the_date_order_in_words(
    run_page: PageRunner, world: DashboardWorld, role: str
) -> None:
    at = run_page("pages.attendance", _viewer(world, role))
    assert not at.exception
    assert hover_help(at) == []
    reg = world.a1.registration_number  # one of S1's trainees, so the supervisor's upload is checked too
    content = f"trainee_id,session_date,session,status\n{reg},03/11/2026,AM,P\n".encode()
    at.file_uploader[0].set_value(("attendance.csv", content, "text/csv"))
    at.run()
    assert not at.exception
    assert [s.label for s in at.selectbox if s.label == "Date order in this file"]  # the choice is drawn
    assert hover_help(at) == []
    assert "DMY is 3 April, MDY is 4 March" in _captions(at)


@pytest.mark.parametrize("role", ["admin", "leadership", "supervisor", "trainee"])
def test_eligibility_explains_its_columns_under_the_table(
    run_page: PageRunner, world: DashboardWorld, role: str
) -> None:
    at = run_page("pages.eligibility", _viewer(world, role), query={"period": "2026-Q4"})
    assert not at.exception
    assert at.dataframe, "the eligibility table is drawn"
    assert {"On leave", "Condonation", "Sessions needed"} <= set(at.dataframe[0].value.columns)
    assert hover_help(at) == []
    captions = _captions(at)
    for column in ("**On leave**", "**Condonation**", "**Sessions needed**"):
        assert column in captions


@pytest.mark.parametrize("role", ["admin", "leadership", "supervisor", "trainee"])
def test_inbox_says_where_open_goes(run_page: PageRunner, ui_db: UiDatabase, world: DashboardWorld, role: str) -> None:
    viewer = _viewer(world, role)
    with ui_db.factory.begin() as session:
        notify(session, user_id=viewer.id, kind="other", now=utcnow(), title="Your letter", link="/requests")
    at = run_page("pages.inbox", viewer)
    assert not at.exception
    assert [b.label for b in at.button if b.label == "➡️ Open"]
    assert hover_help(at) == []
    assert "Open goes to Documents" in _captions(at)
