"""The inbox page, run through AppTest against a real SQLite file."""

from __future__ import annotations

from sqlalchemy import select

from core import clock
from core.clock import utcnow
from core.models import Notification
from core.services.notifications import notify
from portal.widgets import plain
from tests.factories import actor, make_user
from tests.ui.conftest import PageRunner, UiDatabase

INBOX = "pages.inbox"


def test_open_marks_the_notification_read_and_leaves_for_its_page_with_its_query(
    run_page: PageRunner, ui_db: UiDatabase
) -> None:
    with ui_db.factory.begin() as session:
        user = make_user(session, "supervisor")
        now = utcnow()
        notify(
            session,
            user_id=user.id,
            kind="logbook_submitted",
            now=now,
            title="Logbook entry to verify: [click me](https://evil.example)",
            body="Case *one*",
            link="/approvals?entry=42",
        )
        notify(session, user_id=user.id, kind="document_completed", now=now, title="Letter ready", link="/requests")
        notify(session, user_id=user.id, kind="other", now=now, title="Outside", link="https://evil.example/x")
        notify(session, user_id=user.id, kind="other", now=now, title="No link")
        me = actor(session, user)

    at = run_page(INBOX, me)

    assert not at.exception
    opens = [b for b in at.button if b.label == "➡️ Open"]
    assert len(opens) == 2  # the outside address and the link-less one get no button
    # Where Open goes is written beside each notification's time, not only in a tooltip (a phone has no hover).
    assert [b.help for b in opens] == ["", ""]
    goes_to = sorted(c.value.split(" · ", 1)[1] for c in at.caption if " · Open goes to " in c.value)
    assert goes_to == ["Open goes to Approvals", "Open goes to Documents"]
    with ui_db.factory() as session:
        ids = {n.title: n.id for n in session.scalars(select(Notification))}
        sent = {f"{clock.programme_time(n.created_at):%Y-%m-%d %H:%M}" for n in session.scalars(select(Notification))}
    times_only = [c.value for c in at.caption if " · " not in c.value and "notifications" not in c.value]
    assert len(times_only) == 2 and set(times_only) <= sent  # the two without a button: the programme's time only
    texts = " ".join(m.value for m in at.markdown)
    assert plain("[click me](https://evil.example)") in texts  # shown as typed, not as a link
    assert "](https" not in texts and "https://" not in texts
    assert r"Case \*one\*" in texts

    at.button(key=f"inbox.open.{ids['Logbook entry to verify: [click me](https://evil.example)']}").click()
    at.run()
    with ui_db.factory() as session:
        read = {n.title: n.read_at is not None for n in session.scalars(select(Notification))}
    assert sum(read.values()) == 1 and read["Logbook entry to verify: [click me](https://evil.example)"]
    assert at.query_params["entry"] == "42"  # switch_page carried the entry to open


def test_only_the_portals_own_pages_resolve_as_links() -> None:
    from portal.navigation import resolve_link

    spec, params = resolve_link("/logbook?entry=7&x=y")  # type: ignore[misc]
    assert (spec.url_path, params) == ("logbook", {"entry": "7", "x": "y"})
    for link in (None, "", "/nowhere", "https://evil.example/approvals", "//evil.example/approvals"):
        assert resolve_link(link) is None
