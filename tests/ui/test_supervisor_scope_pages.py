"""A supervisor's pages name no other department (issue 11 §4): the dashboard's filters and tabs, the
Approvals filters and the Eligibility page show only what is in the supervisor's scope."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.clock import TODAY_OVERRIDE_ENV
from core.models import Department
from pages.dashboard import TABS
from tests.scenarios import DashboardWorld, build_dashboard_world
from tests.ui.conftest import PageRunner, UiDatabase


@pytest.fixture
def world(ui_db: UiDatabase, monkeypatch: pytest.MonkeyPatch) -> tuple[DashboardWorld, str, list[str]]:
    monkeypatch.setenv(TODAY_OVERRIDE_ENV, "2026-11-20")
    with ui_db.factory.begin() as session:
        built = build_dashboard_world(session)
        own = session.get(Department, built.alpha)
        others = [session.get(Department, i) for i in (built.beta, built.gamma)]
        return built, own.name if own else "", [d.name for d in others if d is not None]


def everything_shown(at: AppTest) -> str:
    """Every string the page sent: texts, labels, select options, and each table's cells."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        value = getattr(node, "value", None) if type(node).__name__ == "Dataframe" else None
        if value is not None:
            parts.append(value.to_csv())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


@pytest.mark.parametrize("tab", TABS)
def test_the_dashboard_names_only_the_supervisors_department(
    run_page: PageRunner, world: tuple[DashboardWorld, str, list[str]], tab: str
) -> None:
    built, own, others = world
    at = run_page("pages.dashboard", built.s1, query={"dashboard.tab": tab, "from": "2026-11", "to": "2026-11"})
    assert not at.exception, at.exception
    department = at.selectbox(key="dashboard.department")
    assert list(department.options) == ["All departments", own]
    shown = everything_shown(at)
    for name in others:
        assert name not in shown
    assert built.b1.full_name not in shown


@pytest.mark.parametrize("page", ["pages.approvals", "pages.eligibility"])
def test_approvals_and_eligibility_name_only_the_supervisors_department(
    run_page: PageRunner, world: tuple[DashboardWorld, str, list[str]], page: str
) -> None:
    built, own, others = world
    at = run_page(page, built.s1)
    assert not at.exception, at.exception
    offered = [o for sb in at.selectbox if sb.label == "Department" for o in sb.options]
    assert own in offered and len(offered) == 2, offered
    shown = everything_shown(at)
    for name in others:
        assert name not in shown
    assert built.b1.full_name not in shown
