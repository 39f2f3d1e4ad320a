"""My account (issue 14 §3): the user's active sessions are listed, and "Sign out everywhere" ends every one."""

from __future__ import annotations

from datetime import timedelta

from core.clock import utcnow
from core.services.sessions import resolve_session, start_session
from tests.factories import actor, make_user
from tests.ui.conftest import PageRunner, UiDatabase


def test_my_account_lists_active_sessions_and_signs_out_everywhere(run_page: PageRunner, ui_db: UiDatabase) -> None:
    now = utcnow()
    with ui_db.factory.begin() as session:
        person = make_user(session, "supervisor")
        other = make_user(session, "trainee")
        user = actor(session, person)
        ids = [
            start_session(session, person.id, now=now - timedelta(hours=h), lifetime=timedelta(days=1), client=c)
            for h, c in ((2, "Firefox on a laptop"), (1, "Safari on a phone"))
        ]
        others = start_session(session, other.id, now=now, lifetime=timedelta(days=1), client="Chrome")
        start_session(session, person.id, now=now - timedelta(days=3), lifetime=timedelta(days=1))  # expired
    at = run_page("pages.account", user)
    assert not at.exception
    listed = next(f.value for f in at.dataframe if "Browser" in f.value.columns)
    assert sorted(listed["Browser"]) == ["Firefox on a laptop", "Safari on a phone"]  # not the expired one
    at.button(key="account.sign_out_everywhere").click().run()
    assert not at.exception
    assert at.session_state["app.flash"] == ("success", "Signed out of 2 session(s). Sign in again to continue.")
    with ui_db.factory.begin() as session:
        assert [resolve_session(session, i, person.username, now=utcnow()) for i in ids] == [None, None]
        assert resolve_session(session, others, other.username, now=utcnow()) == other.id  # another user's stays
