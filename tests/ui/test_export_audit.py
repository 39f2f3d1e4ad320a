"""Every export of personal data is audited (issue 14 §5): a table's CSV/Excel download writes `table_exported`
when it is built, i.e. when the person clicks, never when the page merely shows the buttons."""

from __future__ import annotations

from sqlalchemy import select

from core.models import AuditEvent
from portal import widgets
from tests.factories import actor, make_user
from tests.ui.conftest import PageRunner, UiDatabase


def _exports(ui_db: UiDatabase) -> list[tuple[str | None, str | None, object]]:
    with ui_db.factory() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == "table_exported")).all()
        return [(e.actor_username, e.entity_id, e.details) for e in rows]


def test_a_table_download_is_audited_when_built_not_when_shown(run_page: PageRunner, ui_db: UiDatabase) -> None:
    with ui_db.factory.begin() as session:
        admin = actor(session, make_user(session, "admin"))
    at = run_page("pages.users", admin)
    assert not at.exception and at.get("download_button")
    assert _exports(ui_db) == []  # the buttons are on screen; nothing was downloaded
    build = widgets.audited_export(admin, "users", "users_all-trainees.csv", 3, lambda: b"id,name\n")
    assert _exports(ui_db) == []
    assert build() == b"id,name\n"
    assert _exports(ui_db) == [(admin.username, "users", {"file": "users_all-trainees.csv", "rows": 3})]


def test_a_download_with_nobody_signed_in_writes_no_event(ui_db: UiDatabase) -> None:
    assert widgets.audited_export(None, "verify", "x.csv", 1, lambda: b"x")() == b"x"
    assert _exports(ui_db) == []
