"""The first start (issue 18): progress while the database is prepared, once; sign-in draws the page in one run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.config import get_settings
from portal.startup import Startup
from tests.ui.conftest import ROOT


@dataclass
class _Recorded(Startup):
    """A real start that also keeps every step it reported."""

    steps: list[tuple[str, float]] = field(default_factory=list)

    def _tell(self, step: str, share: float) -> None:
        self.steps.append((step, share))
        super()._tell(step, share)


def _settings(monkeypatch: pytest.MonkeyPatch, db: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.setenv("DEMO_SEED", "true")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    get_settings.cache_clear()
    return get_settings()


def test_the_first_start_reports_each_step_in_order_and_loads_the_demo_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = _settings(monkeypatch, tmp_path / "portal.db")
    try:
        first = _Recorded(settings).start()
        assert first.wait(120) and first.error is None
        again = _Recorded(settings).start()
        assert again.wait(120) and again.error is None
    finally:
        get_settings.cache_clear()
    names = [step for step, _ in first.steps]
    assert names[0] == "Creating the database tables" and names[-1] == "Ready"
    for expected in ("Creating the demo people", "Writing 12 months of attendance", "Computing the dashboard figures"):
        assert expected in names
    shares = [share for _, share in first.steps]
    assert shares == sorted(shares) and shares[-1] == 1.0  # the bar only moves forward
    assert first.seeded and first.engine is not None
    # A second start on the same database only checks the migrations: no demo is loaded twice.
    assert not again.seeded
    assert [step for step, _ in again.steps] == ["Creating the database tables", "Ready"]


def test_signing_in_draws_the_asked_for_page_in_the_same_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _settings(monkeypatch, tmp_path / "data" / "portal.db")
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
        at.query_params["dashboard.tab"] = "Overview"
        at.run()
        at.text_input[0].input("admin")
        at.text_input[1].input("demo-portal-2026")
        at.button[0].click()
        at.run()  # ONE run: no component (the cookie) reports back in AppTest, so nothing reruns it
    finally:
        st.cache_resource.clear()
        get_settings.cache_clear()
    assert not at.exception
    assert any("Dashboard" in t.value for t in at.title), [t.value for t in at.title]
    assert not any(b.label == "Sign in" for b in at.button)  # the form is gone
    assert any("Amara Okoye" in m.value for m in at.sidebar.markdown)  # the menu is drawn for the new user
    assert len(at.metric) >= 8  # the overview cards
