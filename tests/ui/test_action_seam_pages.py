"""Writes through the action seam, seen from the pages: fresh reads after the commit, nothing written on a refusal,
and the flash message shown by the router after the rerun."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core.clock import today, utcnow
from core.dto import UserSummary
from core.models import AuditEvent, LogbookEntry, Notification
from portal.widgets import plain
from tests.factories import PASSWORD, actor, make_department, make_entry, make_user
from tests.ui.conftest import ROOT, PageRunner, UiDatabase

APPROVALS = "pages.approvals"
AUDIT = "pages.audit"
INBOX = "pages.inbox"


@dataclass
class Team:
    admin: UserSummary
    supervisor: UserSummary
    trainee: UserSummary
    entry_id: int


@pytest.fixture
def team(ui_db: UiDatabase) -> Team:
    """A supervisor with one trainee whose entry waits for verification."""
    now = utcnow()
    with ui_db.factory.begin() as session:
        department = make_department(session, "Surgery")
        supervisor = make_user(session, "supervisor", department=department)
        trainee = make_user(session, "trainee", department=department, supervisor=supervisor)
        entry = make_entry(
            session, trainee, title="Laparoscopic cholecystectomy", case_date=now.date() - timedelta(days=3)
        )
        return Team(
            admin=actor(session, make_user(session, "admin")),
            supervisor=actor(session, supervisor),
            trainee=actor(session, trainee),
            entry_id=entry.id,
        )


def _audit_window() -> dict[str, str]:
    # A window around the programme's today whatever TIMEZONE is (events are stored in UTC).
    day = today()
    return {"from": (day - timedelta(days=1)).isoformat(), "to": (day + timedelta(days=1)).isoformat()}


def _button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; have {[b.label for b in at.button]}"
    return matches[0]


def _count(ui_db: UiDatabase, model: type[AuditEvent] | type[Notification]) -> int:
    with ui_db.factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_decision_on_the_approvals_page_leaves_the_audit_log_and_the_inbox_fresh(
    run_page: PageRunner, ui_db: UiDatabase, team: Team
) -> None:
    window = _audit_window()
    before = run_page(AUDIT, team.admin, query=window)  # caches the audit log as it is now: empty
    assert not before.dataframe and "logbook_approved" not in before.selectbox(key="audit.action").options
    inbox = run_page(INBOX, team.trainee)  # caches the trainee's empty inbox
    assert "0 unread of 0 notifications." in [c.value for c in inbox.caption]

    at = run_page(APPROVALS, team.supervisor, query={"entry": str(team.entry_id)})
    _button(at, "✅ Approve").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Pending"] == "0"  # the queue reloaded after the commit

    after = run_page(AUDIT, team.admin, query=window)  # no cache cleared by hand: the seam did it
    assert not after.exception
    assert after.dataframe, "the audit page still shows the cached log from before the decision"
    events = after.dataframe[0].value
    shown = set(zip(events["action"], events["Entity ID"], strict=True))  # codes in words on the page
    assert ("Logbook approved", str(team.entry_id)) in shown
    assert "logbook_approved" in after.selectbox(key="audit.action").options
    inbox = run_page(INBOX, team.trainee)
    assert "1 unread of 1 notifications." in [c.value for c in inbox.caption]


def test_rejecting_without_a_comment_shows_the_error_and_writes_nothing(
    run_page: PageRunner, ui_db: UiDatabase, team: Team
) -> None:
    at = run_page(APPROVALS, team.supervisor, query={"entry": str(team.entry_id)})
    _button(at, "⛔ Reject").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        plain("Please write a comment: the trainee needs to know why you reject the entry.")
    ]
    with ui_db.factory() as session:
        entry = session.get(LogbookEntry, team.entry_id)
        assert entry is not None and (entry.status, entry.decided_at, entry.feedback) == ("pending", None, None)
    assert _count(ui_db, AuditEvent) == 0 and _count(ui_db, Notification) == 0
    assert at.session_state["app.flash"] is None  # no success message waits for the next run
    assert at.query_params["entry"] == str(team.entry_id)  # the entry stays open to add a comment
    assert f"approvals.feedback.{team.entry_id}" in [t.key for t in at.text_area]


def _signed_in(app: AppTest, user: UserSummary) -> AppTest:
    app.text_input[0].input(user.username)
    app.text_input[1].input(PASSWORD)
    app.button[0].click()
    app.run()
    assert app.session_state["authentication_status"] is True
    return app.run()  # the page itself opens on the run after signing in


def test_a_decisions_confirmation_shows_once_in_the_panel_after_the_rerun(ui_db: UiDatabase, team: Team) -> None:
    # A bookmarked /approvals?entry=N: the page module hands the run to the router (portal.legacy),
    # which signs in, shows any flash message and runs the page, as a browser's deep link does.
    app = AppTest.from_file(str(ROOT / "pages" / "approvals.py"), default_timeout=60)
    app.query_params["entry"] = str(team.entry_id)
    app.run()
    _signed_in(app, team.supervisor)
    app.text_area(key=f"approvals.feedback.{team.entry_id}").input("Well documented.")
    _button(app, "✅ Approve").click().run()
    assert not app.exception
    message = f"Entry #{team.entry_id} approved; {team.trainee.full_name} has been notified. The queue is empty."
    assert [s.value for s in app.success] == [plain(message)]  # literal text: '#' is not a heading
    assert app.session_state["app.flash"] is None  # not kept for the page top: the decision panel showed it
    assert "entry" not in app.query_params
    app.run()
    assert plain(message) not in [s.value for s in app.success]  # shown once, not on every run


def test_mark_all_as_read_shows_the_inbox_read_after_the_rerun(run_page: PageRunner, ui_db: UiDatabase) -> None:
    from core.services.notifications import notify

    with ui_db.factory.begin() as session:
        user = make_user(session, "trainee")
        for title in ("First", "Second"):
            notify(session, user_id=user.id, kind="other", now=utcnow(), title=title)
        me = actor(session, user)
    at = run_page(INBOX, me)
    assert "2 unread of 2 notifications." in [c.value for c in at.caption]
    _button(at, "Mark all as read").click().run()
    assert not at.exception
    assert "0 unread of 2 notifications." in [c.value for c in at.caption]  # the cached inbox was cleared
    assert "Mark all as read" not in [b.label for b in at.button]
    with ui_db.factory() as session:
        assert all(n.read_at is not None for n in session.scalars(select(Notification)))
