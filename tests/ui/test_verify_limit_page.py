"""/verify refuses a browser over the per-minute limit with "try again" and serves another browser."""

from __future__ import annotations

from core.clock import utcnow
from core.services.settings import update_setting
from portal.widgets import plain
from tests.factories import actor, make_user
from tests.ui.conftest import PageRunner, UiDatabase


def test_a_browser_over_the_limit_is_told_to_try_again_and_another_is_served(
    run_page: PageRunner, ui_db: UiDatabase
) -> None:
    with ui_db.factory.begin() as session:
        admin = actor(session, make_user(session, "admin"))
        update_setting(session, admin, key="verify_attempts_per_minute", value=3, now=utcnow())
    at = run_page("pages.verify", None, query={"token": "guess-1"})
    assert [e.value for e in at.error] == ["invalid or expired"]
    for _ in range(2):
        at.run()
        assert [e.value for e in at.error] == ["invalid or expired"]
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == [plain("Too many checks; try again in a minute.")]
    assert [e.value for e in at.error] == [] and [s.value for s in at.success] == []
    other = run_page("pages.verify", None, query={"token": "guess-2"})  # another browser session
    assert [e.value for e in other.error] == ["invalid or expired"] and not other.warning
