"""My account's e-mail choices: each role sees its own events, saving stores them and changes what is queued."""

from __future__ import annotations

from sqlalchemy import select

from core.models import AuditEvent, EmailPreference, OutboxMessage
from core.rules.values import EmailEvent, NotificationKind
from core.services.notifications import notify
from tests.factories import NOW, actor, make_user
from tests.ui.conftest import PageRunner, UiDatabase


def test_a_trainee_turns_decision_emails_off_and_no_longer_gets_them(run_page: PageRunner, ui_db: UiDatabase) -> None:
    with ui_db.factory.begin() as session:
        me = actor(session, make_user(session, "trainee"))
    at = run_page("pages.account", me)
    boxes = {box.key: box for box in at.checkbox if box.key and box.key.startswith("account.email.")}
    assert set(boxes) == {f"account.email.{e}" for e in ("decisions", "results", "documents", "at_risk")}
    assert all(box.value for box in boxes.values())  # everything that concerns a trainee is on by default
    assert boxes["account.email.decisions"].label == "Decisions on my logbook entries and change requests"
    boxes["account.email.decisions"].uncheck()
    at.button(key="FormSubmitter:account.email-Save e-mail choices").click()
    at.run()
    assert at.session_state["app.flash"] == ("success", "E-mail choices saved: 3 of 4 on.")
    with ui_db.factory.begin() as session:
        stored = session.scalars(select(EmailPreference).where(EmailPreference.user_id == me.id)).all()
        assert [(p.event, p.enabled) for p in stored] == [(EmailEvent.DECISIONS, False)]
        assert session.scalars(select(AuditEvent.action).where(AuditEvent.action == "email_preferences.update")).all()
        for kind in (NotificationKind.LOGBOOK_APPROVED, NotificationKind.RESULT_PUBLISHED):
            notify(session, user_id=me.id or 0, kind=kind, title=str(kind), link="/logbook", now=NOW)
    with ui_db.factory() as session:
        assert [m.subject for m in session.scalars(select(OutboxMessage))] == ["result_published"]
    again = run_page("pages.account", me)
    assert again.checkbox(key="account.email.decisions").value is False


def test_leadership_is_offered_only_the_weekly_pack(run_page: PageRunner, ui_db: UiDatabase) -> None:
    with ui_db.factory.begin() as session:
        dean = actor(session, make_user(session, "leadership"))
    at = run_page("pages.account", dean)
    keys = [box.key for box in at.checkbox if box.key and box.key.startswith("account.email.")]
    assert keys == ["account.email.reports"]
