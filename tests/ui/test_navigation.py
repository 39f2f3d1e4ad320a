"""The router: sign-in through the real form, role-filtered menu, role checks on every page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from portal.navigation import PAGES, allowed_pages
from tests.factories import PASSWORD, actor, make_department, make_user
from tests.ui.conftest import PageRunner, UiDatabase


def _sign_in(app: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    app.run()
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    app.button[0].click()
    app.run()
    return app


def _menu(app: AppTest) -> list[str]:
    return [link.label.split(" (")[0] for link in app.sidebar.get("page_link")]


@pytest.mark.parametrize("role", ["admin", "supervisor", "leadership", "trainee"])
def test_each_role_sees_exactly_its_pages_after_signing_in(app: AppTest, ui_db: UiDatabase, role: str) -> None:
    with ui_db.factory.begin() as session:
        user = make_user(session, role)
        username = user.username
    _sign_in(app, username)
    assert app.session_state["authentication_status"] is True
    app.run()
    expected = [spec.title for spec in allowed_pages(role) if spec.section != "Public"]
    assert _menu(app) == expected
    assert not app.exception


def test_wrong_password_shows_one_generic_message_for_known_and_unknown_users(app: AppTest, ui_db: UiDatabase) -> None:
    with ui_db.factory.begin() as session:
        username = make_user(session, "admin").username
    _sign_in(app, username, "wrong-password-1")
    known = [e.value for e in app.error]
    app2 = AppTest.from_file(app._script_path, default_timeout=60)  # type: ignore[attr-defined]
    _sign_in(app2, "nobody-here", "wrong-password-1")
    unknown = [e.value for e in app2.error]
    assert known == unknown and len(known) == 1
    assert "incorrect" in known[0]


def test_deactivated_user_cannot_sign_in(app: AppTest, ui_db: UiDatabase) -> None:
    with ui_db.factory.begin() as session:
        username = make_user(session, "supervisor", active=False).username
    _sign_in(app, username)
    assert app.session_state["authentication_status"] is False
    assert _menu(app) == []


@pytest.mark.parametrize("spec", [s for s in PAGES if s.section != "Public"], ids=lambda s: s.url_path)
def test_every_page_shows_sign_in_when_nobody_is_signed_in(run_page: PageRunner, spec) -> None:  # type: ignore[no-untyped-def]
    at = run_page(spec.module.__name__, None)
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]


@pytest.mark.parametrize("spec", [s for s in PAGES if s.section != "Public"], ids=lambda s: s.url_path)
@pytest.mark.parametrize("role", ["admin", "supervisor", "leadership", "trainee"])
def test_every_page_renders_for_allowed_roles_and_refuses_others(
    run_page: PageRunner,
    ui_db: UiDatabase,
    spec,
    role: str,  # type: ignore[no-untyped-def]
) -> None:
    with ui_db.factory.begin() as session:
        department = make_department(session)
        supervisor = make_user(session, "supervisor", department=department)
        user = make_user(session, role, department=department, supervisor=supervisor if role == "trainee" else None)
        summary = actor(session, user)
    at = run_page(spec.module.__name__, summary)
    assert not at.exception, at.exception
    refused = any("Not allowed" in e.value for e in at.error)
    assert refused == (role not in spec.roles)
