"""The Approvals review flow (issue 18): the queue opens an entry beside it, review next, the trainee's
recent decisions, bulk return/reject with one comment, phone cards, deep links from messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.dto import UserSummary
from core.models import AuditEvent, LogbookEntry, Notification, User
from core.services.logbook import entries as logbook
from portal.navigation import resolve_link
from portal.widgets import plain
from tests.factories import actor, make_department, make_entry, make_user
from tests.ui.conftest import PageRunner, UiDatabase

APPROVALS = "pages.approvals"
QUEUE = "approvals.queue.0"  # the queue table's key before any decision


@dataclass
class Team:
    admin: UserSummary
    leadership: UserSummary
    supervisor: UserSummary
    trainee: UserSummary
    other_trainee: UserSummary  # another supervisor's


@pytest.fixture
def team(ui_db: UiDatabase) -> Team:
    with ui_db.factory.begin() as session:
        dept = make_department(session, "Surgery")
        sup = make_user(session, "supervisor", department=dept)
        other_sup = make_user(session, "supervisor", department=dept)
        trainee = make_user(session, "trainee", department=dept, supervisor=sup)
        other = make_user(session, "trainee", department=dept, supervisor=other_sup)
        return Team(
            admin=actor(session, make_user(session, "admin")),
            leadership=actor(session, make_user(session, "leadership")),
            supervisor=actor(session, sup),
            trainee=actor(session, trainee),
            other_trainee=actor(session, other),
        )


def _entry(
    ui_db: UiDatabase,
    trainee: UserSummary,
    title: str,
    *,
    days_ago: int = 3,
    status: str = "pending",
    description: str = "Seen in clinic.",
) -> int:
    now = utcnow()
    with ui_db.factory.begin() as session:
        row = session.get(User, trainee.id)
        assert row is not None
        entry = make_entry(
            session,
            row,
            status=status,
            title=title,
            case_date=now.date() - timedelta(days=days_ago + 1),
            submitted_at=now - timedelta(days=days_ago, hours=1),
        )
        entry.description = description
        if status != "pending":
            entry.decided_at = now - timedelta(days=days_ago)
            entry.feedback = f"Feedback on {title}"
        return entry.id


def _statuses(ui_db: UiDatabase, *ids: int) -> list[tuple[str, str | None]]:
    with ui_db.factory() as session:
        rows = {e.id: e for e in session.scalars(select(LogbookEntry).where(LogbookEntry.id.in_(ids)))}
        return [(rows[i].status, rows[i].feedback) for i in ids]


def _button(at: AppTest, label: str, *, form: str | None = None):  # type: ignore[no-untyped-def]
    matches = [b for b in at.button if b.label == label and (form is None or b.form_id == form)]
    assert matches, f"no button {label!r}; have {[b.label for b in at.button]}"
    return matches[0]


def _texts(at: AppTest) -> str:
    return "\n".join(
        [m.value for m in at.markdown]
        + [c.value for c in at.caption]
        + [t.value for t in at.text]
        + [i.value for i in at.info]
    )


def test_the_queue_shows_the_start_of_each_description(run_page: PageRunner, ui_db: UiDatabase, team: Team) -> None:
    long = "Presented with right iliac fossa pain. " * 10
    _entry(ui_db, team.trainee, "Appendicectomy", description=long)
    at = run_page(APPROVALS, team.supervisor)
    assert not at.exception
    [shown] = at.dataframe[0].value["description"]
    assert len(shown) == 150 and shown.endswith("…") and shown.startswith("Presented with right iliac fossa pain.")


def test_selecting_a_row_opens_the_entry_beside_the_queue_with_the_trainees_recent_decisions(
    run_page: PageRunner, ui_db: UiDatabase, team: Team
) -> None:
    _entry(ui_db, team.trainee, "Older", days_ago=9)
    wanted = _entry(ui_db, team.trainee, "Hernia repair", days_ago=2)
    _entry(ui_db, team.trainee, "Earlier decided case", days_ago=20, status="returned")
    _entry(ui_db, team.other_trainee, "Someone else's decided case", days_ago=20, status="approved")
    at = run_page(APPROVALS, team.admin)
    assert f"approvals.feedback.{wanted}" not in [t.key for t in at.text_area]  # nothing open yet
    at.session_state[QUEUE] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert f"approvals.feedback.{wanted}" in [t.key for t in at.text_area]
    assert "#### Hernia repair" in [m.value for m in at.markdown]
    recent = next(d.value for d in at.dataframe if "decided on" in d.value.columns and "feedback" in d.value.columns)
    assert list(recent["title"]) == ["Earlier decided case"]  # this trainee's only; not the other trainee's
    assert list(recent["feedback"]) == ["Feedback on Earlier decided case"]


def test_after_a_decision_the_confirmation_is_in_the_panel_and_the_next_entry_opens(
    run_page: PageRunner, ui_db: UiDatabase, team: Team
) -> None:
    first = _entry(ui_db, team.trainee, "First case", days_ago=9)
    second = _entry(ui_db, team.trainee, "Second case", days_ago=5)
    at = run_page(APPROVALS, team.supervisor, query={"entry": str(first)})
    at.text_area(key=f"approvals.feedback.{first}").input("Needs the indication.")
    _button(at, "↩️ Return for changes", form=f"approvals.decide.{first}").click().run()
    assert not at.exception
    assert _statuses(ui_db, first) == [("returned", "Needs the indication.")]
    confirmations = [s.value for s in at.success]
    assert confirmations and all(c.startswith(plain(f"Entry #{first} returned;")) for c in confirmations)
    assert plain(f"Next: entry #{second}.") in confirmations[0]  # literal text: the trainee's name is in it
    assert [t.value for t in at.toast] == [confirmations[0]]  # in sight wherever the page is scrolled
    assert at.session_state["app.flash"] is None  # nothing shown at the top of the page
    assert at.query_params["entry"] == str(second)  # review next
    assert list(at.dataframe[0].value["id"]) == [second]  # the decided entry left the queue
    assert f"approvals.feedback.{second}" in [t.key for t in at.text_area]
    assert f"approvals.feedback.{first}" not in [t.key for t in at.text_area]
    at.run()
    assert not [s.value for s in at.success]  # shown once


def test_skip_opens_the_next_entry_without_deciding(run_page: PageRunner, ui_db: UiDatabase, team: Team) -> None:
    first = _entry(ui_db, team.trainee, "First case", days_ago=9)
    second = _entry(ui_db, team.trainee, "Second case", days_ago=5)
    at = run_page(APPROVALS, team.supervisor, query={"entry": str(first)})
    at.button(key="approvals.next").click().run()
    assert at.query_params["entry"] == str(second)
    assert _statuses(ui_db, first, second) == [("pending", None), ("pending", None)]


def test_bulk_return_with_one_shared_comment_reports_each_entry(
    run_page: PageRunner, ui_db: UiDatabase, team: Team
) -> None:
    a = _entry(ui_db, team.trainee, "A", days_ago=9)
    b = _entry(ui_db, team.trainee, "B", days_ago=8)
    c = _entry(ui_db, team.trainee, "C", days_ago=7)
    at = run_page(APPROVALS, team.supervisor)
    at.session_state[QUEUE] = {"selection": {"rows": [0, 1, 2], "columns": [], "cells": []}}
    at.run()
    with ui_db.factory.begin() as session:  # someone else decides C meanwhile
        session.get(LogbookEntry, c).status = "rejected"  # type: ignore[union-attr]
    at.text_area(key="approvals.bulk_feedback").input("Add the operative findings.")
    _button(at, "↩️ Return 3").click().run()
    assert not at.exception
    assert _statuses(ui_db, a, b) == [("returned", "Add the operative findings.")] * 2
    [result] = [d.value for d in at.dataframe if "result" in d.value.columns]
    assert list(zip(result["id"], result["result"], strict=True)) == [
        (a, "returned"),
        (b, "returned"),
        (c, "already decided"),
    ]
    assert any("Returned 2 of 3 selected entries." in w.value for w in at.warning)
    with ui_db.factory() as session:
        audited = set(session.scalars(select(AuditEvent.entity_id).where(AuditEvent.action == "logbook_returned")))
    assert audited == {str(a), str(b)}


def test_bulk_reject_without_a_comment_is_refused_and_writes_nothing(
    run_page: PageRunner, ui_db: UiDatabase, team: Team
) -> None:
    a = _entry(ui_db, team.trainee, "A", days_ago=9)
    b = _entry(ui_db, team.trainee, "B", days_ago=8)
    at = run_page(APPROVALS, team.supervisor)
    at.session_state[QUEUE] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    _button(at, "⛔ Reject 2").click().run()
    assert not at.exception
    assert any("Please write a comment" in e.value for e in at.error)
    assert _statuses(ui_db, a, b) == [("pending", None), ("pending", None)]
    with ui_db.factory() as session:
        assert session.scalar(select(AuditEvent.id).limit(1)) is None
        assert session.scalar(select(Notification.id).limit(1)) is None


def test_phone_cards_approve_one_and_return_one_with_a_comment(
    run_page: PageRunner, ui_db: UiDatabase, team: Team
) -> None:
    first = _entry(ui_db, team.trainee, "First case", days_ago=9, description="Full history taken.")
    second = _entry(ui_db, team.trainee, "Second case", days_ago=5)
    third = _entry(ui_db, team.trainee, "Third case", days_ago=4)
    at = run_page(APPROVALS, team.supervisor)
    assert "Full history taken." in [t.value for t in at.text]  # the card shows the description
    at.button(key=f"approvals.card.approve.{first}").click().run()
    assert not at.exception
    assert _statuses(ui_db, first) == [("approved", None)]
    assert f"approvals.m.feedback.{second}" in [t.key for t in at.text_area]  # the next card opened in place
    at.button(key=f"approvals.card.return.{third}").click().run()  # Return opens that card's decision panel
    at.text_area(key=f"approvals.m.feedback.{third}").input("Please add the plan.")
    _button(at, "↩️ Return for changes", form=f"approvals.m.decide.{third}").click().run()
    assert not at.exception
    assert _statuses(ui_db, second, third) == [("pending", None), ("returned", "Please add the plan.")]


def test_leadership_opens_an_entry_read_only(run_page: PageRunner, ui_db: UiDatabase, team: Team) -> None:
    entry = _entry(ui_db, team.trainee, "Visible to the dean")
    at = run_page(APPROVALS, team.leadership)
    assert f"approvals.card.open.{entry}" in [b.key for b in at.button]
    at.session_state[QUEUE] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert "#### Visible to the dean" in [m.value for m in at.markdown]
    assert not [t for t in at.text_area if "feedback" in str(t.key)]
    assert not [b for b in at.button if b.label.startswith(("✅", "↩️", "⛔", "Select all"))]


def test_the_submission_notification_opens_the_entrys_decision_panel(
    run_page: PageRunner, ui_db: UiDatabase, team: Team
) -> None:
    # Deep links from messages (the inbox and the e-mail carry the same link): the supervisor's
    # notification about a submitted entry leads to that entry's decision panel.
    now = utcnow()
    with ui_db.factory.begin() as session:
        item = logbook.create_entry(
            session,
            team.trainee,
            title="Chest drain",
            case_date=now.date() - timedelta(days=1),
            category=logbook.list_categories(session)[0],
            description="Seldinger technique.",
            reflection=None,
            submit=True,
            now=now,
        )
        [link] = session.scalars(select(Notification.link).where(Notification.user_id == team.supervisor.id))
    target = resolve_link(link)
    assert target is not None
    spec, params = target
    assert spec.url_path == "approvals" and params == {"entry": str(item.id)}
    at = run_page(APPROVALS, team.supervisor, query=params)
    assert not at.exception
    assert "#### Chest drain" in [m.value for m in at.markdown]
    assert f"approvals.feedback.{item.id}" in [t.key for t in at.text_area]


def test_the_confirmation_shows_the_trainees_name_as_typed(run_page: PageRunner, ui_db: UiDatabase, team: Team) -> None:
    with ui_db.factory.begin() as session:
        row = session.get(User, team.trainee.id)
        assert row is not None
        row.full_name = "Ana_Maria *Lee*"
    entry = _entry(ui_db, team.trainee, "Case")
    at = run_page(APPROVALS, team.supervisor, query={"entry": str(entry)})
    _button(at, "✅ Approve", form=f"approvals.decide.{entry}").click().run()
    assert not at.exception
    # Escaped once for Markdown (so it reads as typed), not twice (which would show the backslashes).
    expected = plain(f"Entry #{entry} approved; Ana_Maria *Lee* has been notified. The queue is empty.")
    assert [s.value for s in at.success] == [expected]
    assert [t.value for t in at.toast] == [expected]
