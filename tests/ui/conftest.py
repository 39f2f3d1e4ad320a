"""AppTest fixtures: an empty migrated database per test, pointed at through the environment.

Each test runs on SQLite (a fresh file) and, when TEST_DATABASE_URL is set, on PostgreSQL
(one scratch database per session, emptied after each test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core.config import get_settings
from core.db import make_engine, make_session_factory
from core.dto import UserSummary
from core.migrate import upgrade_to_head
from tests.conftest import DB_PARAMS, create_scratch_postgres, drop_scratch_postgres, truncate_all

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class UiDatabase:
    url: str
    factory: sessionmaker[Session]


@pytest.fixture(scope="session")
def ui_postgres_engine() -> Iterator[Engine]:
    """One migrated PostgreSQL scratch database shared by the UI tests (emptied by `ui_db`)."""
    url = create_scratch_postgres()
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
        yield engine
    finally:
        engine.dispose()
        drop_scratch_postgres(url)


@pytest.fixture(params=DB_PARAMS)
def ui_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UiDatabase]:
    """An empty migrated database the app under test will use (no demo data), on each backend."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'portal.db'}")
        upgrade_to_head(engine)
    else:
        engine = request.getfixturevalue("ui_postgres_engine")
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_SEED", "false")
    monkeypatch.setenv("PORTAL_ENV", "test")
    monkeypatch.chdir(ROOT)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        yield UiDatabase(url, make_session_factory(engine))
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
        get_settings.cache_clear()
        if request.param == "sqlite":
            engine.dispose()
        else:
            truncate_all(engine)


def _page_script(module_name: str) -> None:
    import importlib

    from portal import state

    state.init()
    importlib.import_module(module_name).render()


PageRunner = Callable[..., AppTest]


@pytest.fixture
def run_page(ui_db: UiDatabase) -> PageRunner:
    """Run one page's render() with `user` signed in (None = nobody); returns the AppTest."""

    def run(
        module_name: str, user: UserSummary | None, *, query: dict[str, str] | None = None, timeout: float = 30
    ) -> AppTest:
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
