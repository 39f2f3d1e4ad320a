"""No help is hover-only (issue 18): a phone has no hover, so the Dashboard (every tab, every role,
the trainee home) and Approvals (queue, an open entry, a bulk selection) show no tooltip-only help;
what a figure means is in a visible "What these figures mean" section instead."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.dto import UserSummary
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
        if proto is not None and "help" in proto.DESCRIPTOR.fields_by_name and proto.help:
            found.append(f"{getattr(node, 'type', '?')}: {proto.help}")
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
