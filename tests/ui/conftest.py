"""AppTest fixtures: a fresh file database per test, pointed at through the environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core.config import get_settings
from core.db import make_engine, make_session_factory
from core.dto import UserSummary
from core.migrate import upgrade_to_head

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class UiDatabase:
    url: str
    factory: sessionmaker[Session]


@pytest.fixture
def ui_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UiDatabase]:
    """An empty migrated SQLite file the app under test will use (no demo data)."""
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_SEED", "false")
    monkeypatch.setenv("PORTAL_ENV", "test")
    monkeypatch.chdir(ROOT)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    engine = make_engine(url)
    upgrade_to_head(engine)
    yield UiDatabase(url, make_session_factory(engine))
    engine.dispose()
    st.cache_resource.clear()
    st.cache_data.clear()
    get_settings.cache_clear()


def _page_script(module_name: str) -> None:
    import importlib

    from portal import state

    state.init()
    importlib.import_module(module_name).render()


PageRunner = Callable[..., AppTest]


@pytest.fixture
def run_page(ui_db: UiDatabase) -> PageRunner:
    """Run one page's render() with `user` signed in (None = nobody); returns the AppTest."""

    def run(module_name: str, user: UserSummary | None, *, query: dict[str, str] | None = None,
            timeout: float = 30) -> AppTest:
        at = AppTest.from_function(_page_script, args=(module_name,), default_timeout=timeout)
        at.session_state["auth.user"] = user
        for key, value in (query or {}).items():
            at.query_params[key] = value
        at.run()
        return at

    return run


@pytest.fixture
def app(ui_db: UiDatabase) -> AppTest:
    """The whole app through its router (sign-in, navigation)."""
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
