"""Start-up: production refuses a default secret; a fresh embedded database gets the demo."""

import pytest
from streamlit.testing.v1 import AppTest

from core.clock import TODAY_OVERRIDE_ENV
from core.config import get_settings
from portal.widgets import plain
from tests.ui.conftest import ROOT


def test_production_with_the_default_secret_refuses_to_start(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv(TODAY_OVERRIDE_ENV, raising=False)  # refused in production (core.clock)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    get_settings.cache_clear()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    get_settings.cache_clear()
    assert any(plain("SECRET_KEY must be set") in e.value for e in at.error)
    assert not (tmp_path / "p.db").exists()


def test_first_start_on_an_empty_database_migrates_and_lists_demo_logins(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import streamlit as st

    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.setenv("DEMO_SEED", "true")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'portal.db'}")
    get_settings.cache_clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
    st.cache_resource.clear()
    get_settings.cache_clear()
    assert (tmp_path / "data" / "portal.db").exists()
    text = " ".join(m.value for m in at.markdown)
    for login in ("admin", "supervisor", "leadership", "trainee", "demo-portal-2026"):
        assert login in text
    at.text_input[0].input("supervisor")
    at.text_input[1].input("demo-portal-2026")
    at.button[0].click()
    at.run()
    assert at.session_state["authentication_status"] is True


def test_production_shows_no_demo_logins(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import streamlit as st

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv(TODAY_OVERRIDE_ENV, raising=False)  # refused in production (core.clock)
    monkeypatch.setenv("SECRET_KEY", "p" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    get_settings.cache_clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
    st.cache_resource.clear()
    get_settings.cache_clear()
    assert not any("Demo logins" in m.value for m in at.markdown)
    at.text_input[0].input("admin")
    at.text_input[1].input("demo-portal-2026")
    at.button[0].click()
    at.run()
    assert at.session_state["authentication_status"] is False
