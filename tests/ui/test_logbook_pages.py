"""The logbook and approvals pages, run through AppTest against a real SQLite file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.dto import UserSummary
from core.models import AuditEvent, LogbookEntry, Notification
from portal.widgets import plain
from tests.factories import actor, make_department, make_entry, make_user
from tests.ui.conftest import PageRunner, UiDatabase

LOGBOOK = "pages.logbook"
APPROVALS = "pages.approvals"


@dataclass
class People:
    admin: UserSummary
    leadership: UserSummary
    supervisor: UserSummary
    other_supervisor: UserSummary
    trainee: UserSummary
    other_trainee: UserSummary
    lone_trainee: UserSummary


@pytest.fixture
def people(ui_db: UiDatabase) -> People:
    with ui_db.factory.begin() as session:
        dept = make_department(session, "Internal Medicine")
        sup = make_user(session, "supervisor", department=dept)
        other_sup = make_user(session, "supervisor", department=dept)
        trainee = make_user(session, "trainee", department=dept, supervisor=sup)
        other = make_user(session, "trainee", department=dept, supervisor=other_sup)
        lone = make_user(session, "trainee", department=dept)
        return People(
            admin=actor(session, make_user(session, "admin")),
            leadership=actor(session, make_user(session, "leadership")),
            supervisor=actor(session, sup),
            other_supervisor=actor(session, other_sup),
            trainee=actor(session, trainee),
            other_trainee=actor(session, other),
            lone_trainee=actor(session, lone),
        )


def _entry(
    ui_db: UiDatabase, trainee: UserSummary, *, status: str = "pending", days_ago: int = 3, title: str = "Appendicitis"
) -> int:
    now = utcnow()
    with ui_db.factory.begin() as session:
        from core.models import User

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
        if status in ("returned", "approved", "rejected"):
            entry.feedback = "Please add the management plan." if status == "returned" else "Fine."
            entry.decided_at = now
        return entry.id


def _button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; have {[b.label for b in at.button]}"
    return matches[0]


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [s.value for s in at.success] + [i.value for i in at.info] + [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)


def _fill(at: AppTest, prefix: str, *, title: str, description: str, case_date: date | None = None) -> None:
    at.text_input(key=f"{prefix}.title").input(title)
    at.text_area(key=f"{prefix}.description").input(description)
    if case_date:
        at.date_input(key=f"{prefix}.case_date").set_value(case_date)


def _entries(ui_db: UiDatabase, trainee: UserSummary) -> list[LogbookEntry]:
    with ui_db.factory() as session:
        return list(session.scalars(select(LogbookEntry).where(LogbookEntry.trainee_id == trainee.id)))


# --- /logbook -----------------------------------------------------------------------------------


def test_trainee_submits_a_new_entry_and_the_supervisor_is_notified(
    run_page: PageRunner, ui_db: UiDatabase, people: People
) -> None:
    at = run_page(LOGBOOK, people.trainee)
    assert people.supervisor.full_name in _texts(at)
    _fill(at, "logbook.new", title="Central line insertion", description="Right IJ, ultrasound guided.")
    at.selectbox(key="logbook.new.category").set_value("procedure")
    _button(at, "Submit to supervisor").click().run()
    assert not at.exception
    [entry] = _entries(ui_db, people.trainee)
    assert (entry.title, entry.category, entry.status) == ("Central line insertion", "procedure", "pending")
    assert at.session_state["app.flash"] == ("success", "Submitted to your supervisor.")
    with ui_db.factory() as session:
        [note] = session.scalars(select(Notification).where(Notification.user_id == people.supervisor.id))
        assert "Central line insertion" in note.title
    assert at.text_input(key="logbook.new.title").value == ""  # the form is ready for the next case


def test_the_same_case_sent_again_is_refused_with_where_the_first_one_is(
    run_page: PageRunner, ui_db: UiDatabase, people: People
) -> None:
    at = run_page(LOGBOOK, people.trainee)
    for _ in range(2):  # the confirmation never reached the trainee, who sends the case again
        _fill(at, "logbook.new", title="Central line insertion", description="Right IJ, ultrasound guided.")
        at.selectbox(key="logbook.new.category").set_value("procedure")
        _button(at, "Submit to supervisor").click().run()
        assert not at.exception
    [entry] = _entries(ui_db, people.trainee)
    [message] = [e.value for e in at.warning]  # a conflict with what is stored, not a form error
    assert plain(f"entry #{entry.id}, sent at") in message
    assert plain("is in My entries (awaiting your supervisor). Nothing was added.") in message
    assert at.text_input(key="logbook.new.title").value == "Central line insertion"  # kept to retitle


def test_trainee_form_errors_are_shown_and_nothing_is_saved(
    run_page: PageRunner, ui_db: UiDatabase, people: People
) -> None:
    at = run_page(LOGBOOK, people.trainee)
    _fill(at, "logbook.new", title="  ", description="")
    _button(at, "Save draft").click().run()
    assert not at.exception
    assert (
        plain("Case title is required.") in at.error[0].value and plain("Description is required.") in at.error[0].value
    )
    assert _entries(ui_db, people.trainee) == []


def test_trainee_without_supervisor_is_warned_and_cannot_submit(
    run_page: PageRunner, ui_db: UiDatabase, people: People
) -> None:
    at = run_page(LOGBOOK, people.lone_trainee)
    assert "no assigned supervisor" in at.warning[0].value
    _fill(at, "logbook.new", title="Sepsis", description="Fluids and antibiotics within the hour.")
    _button(at, "Submit to supervisor").click().run()
    assert any("no assigned supervisor" in e.value for e in at.error)
    assert _entries(ui_db, people.lone_trainee) == []
    _button(at, "Save draft").click().run()
    assert [e.status for e in _entries(ui_db, people.lone_trainee)] == ["draft"]


def test_trainee_sees_feedback_and_resubmits_a_returned_entry(
    run_page: PageRunner, ui_db: UiDatabase, people: People
) -> None:
    entry_id = _entry(ui_db, people.trainee, status="returned")
    at = run_page(LOGBOOK, people.trainee, query={"entry": str(entry_id)})
    assert not at.exception
    assert plain("Please add the management plan.") in _texts(at)
    prefix = f"logbook.edit.{entry_id}"
    at.text_area(key=f"{prefix}.description").input("Plan: laparoscopic appendicectomy.")
    _button(at, "Resubmit to supervisor").click().run()
    [entry] = _entries(ui_db, people.trainee)
    assert (entry.status, entry.description) == ("pending", "Plan: laparoscopic appendicectomy.")


def test_trainee_deletes_a_draft_but_not_a_pending_entry(
    run_page: PageRunner, ui_db: UiDatabase, people: People
) -> None:
    draft = _entry(ui_db, people.trainee, status="draft", title="Draft one")
    pending = _entry(ui_db, people.trainee, status="pending", title="Pending one")
    at = run_page(LOGBOOK, people.trainee, query={"entry": str(pending)})
    assert "🗑️ Delete this draft" not in [b.label for b in at.button]
    assert f"logbook.edit.{pending}.title" not in [t.key for t in at.text_input]
    at = run_page(LOGBOOK, people.trainee, query={"entry": str(draft)})
    _button(at, "🗑️ Delete this draft").click().run()
    assert [e.id for e in _entries(ui_db, people.trainee)] == [pending]


def test_supervisor_reads_only_their_trainees_entries_on_the_logbook_page(
    run_page: PageRunner, ui_db: UiDatabase, people: People
) -> None:
    _entry(ui_db, people.trainee, title="Mine")
    _entry(ui_db, people.trainee, status="draft", title="Private draft")
    theirs = _entry(ui_db, people.other_trainee, title="Theirs")
    at = run_page(LOGBOOK, people.supervisor, query={"trainee": str(people.other_trainee.id), "entry": str(theirs)})
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame["title"]) == ["Mine"]
    assert "Theirs" not in _texts(at)


# --- /approvals ---------------------------------------------------------------------------------


def test_supervisor_queue_is_scoped_oldest_first_with_ageing_counts(
    run_page: PageRunner, ui_db: UiDatabase, people: People
) -> None:
    for days in (2, 20, 9):
        _entry(ui_db, people.trainee, days_ago=days, title=f"{days} days")
    _entry(ui_db, people.other_trainee, days_ago=30, title="Someone else's")
    at = run_page(APPROVALS, people.supervisor)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Pending"] == "3" and metrics["Waiting > 7 days"] == "2" and metrics["Waiting > 14 days"] == "1"
    queue = at.dataframe[0].value
    assert list(queue["title"]) == ["20 days", "9 days", "2 days"]
    assert list(queue["age (days)"]) == [20, 9, 2]


def test_url_tampering_shows_a_supervisor_nothing_of_another_supervisors_trainees(
    run_page: PageRunner, ui_db: UiDatabase, people: People
) -> None:
    theirs = _entry(ui_db, people.other_trainee, title="Confidential case")
    at = run_page(APPROVALS, people.supervisor, query={"trainee": str(people.other_trainee.id), "entry": str(theirs)})
    assert not at.exception
    assert "Confidential case" not in _texts(at)
    assert any("not found" in w.value for w in at.warning)
    assert {m.label: m.value for m in at.metric}["Pending"] == "0"


def test_supervisor_approves_with_feedback_from_a_deep_link(
    run_page: PageRunner, ui_db: UiDatabase, people: People
) -> None:
    entry_id = _entry(ui_db, people.trainee)
    at = run_page(APPROVALS, people.supervisor, query={"entry": str(entry_id)})
    at.text_area(key=f"approvals.feedback.{entry_id}").input("Clear and complete.")
    _button(at, "✅ Approve").click().run()
    assert not at.exception
    [entry] = _entries(ui_db, people.trainee)
    assert (entry.status, entry.feedback, entry.verified_by_id) == (
        "approved",
        "Clear and complete.",
        people.supervisor.id,
    )
    assert any(plain(f"Entry #{entry_id} approved") in m.value for m in at.success)  # in the panel, not the page top
    assert at.session_state["app.flash"] is None
    assert "entry" not in at.query_params  # the decided entry is closed; the queue is empty


def test_returning_without_a_comment_is_refused_on_the_page(
    run_page: PageRunner, ui_db: UiDatabase, people: People
) -> None:
    entry_id = _entry(ui_db, people.trainee)
    at = run_page(APPROVALS, people.supervisor, query={"entry": str(entry_id)})
    _button(at, "↩️ Return for changes").click().run()
    assert any("Please write a comment" in e.value for e in at.error)
    assert [e.status for e in _entries(ui_db, people.trainee)] == ["pending"]


def test_bulk_approve_shows_a_result_per_entry(run_page: PageRunner, ui_db: UiDatabase, people: People) -> None:
    first = _entry(ui_db, people.trainee, days_ago=5, title="First")
    second = _entry(ui_db, people.trainee, days_ago=4, title="Second")
    _entry(ui_db, people.trainee, days_ago=3, title="Not selected")
    at = run_page(APPROVALS, people.admin)
    at.session_state["approvals.queue.0"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    with ui_db.factory.begin() as session:  # someone else verifies "Second" in the meantime
        session.get(LogbookEntry, second).status = "approved"  # type: ignore[union-attr]
    _button(at, "✅ Approve 2").click().run()
    assert not at.exception
    [result] = [d.value for d in at.dataframe if "result" in d.value.columns]
    assert list(zip(result["id"], result["result"], strict=True)) == [(first, "approved"), (second, "already verified")]
    assert any("Approved 1 of 2" in w.value for w in at.warning)
    with ui_db.factory() as session:
        events = list(session.scalars(select(AuditEvent.entity_id).where(AuditEvent.action == "logbook_approved")))
    assert events == [str(first)]
    titles = list(at.dataframe[0].value["title"])
    assert titles == ["Not selected"]  # the queue reloaded
    assert "approvals.queue.0" not in at.session_state  # and the selection was reset (a fresh table)
    assert not [b for b in at.button if b.label.startswith("✅ Approve ")]


def test_select_all_approves_every_shown_entry(run_page: PageRunner, ui_db: UiDatabase, people: People) -> None:
    for title in ("One", "Two", "Three"):
        _entry(ui_db, people.trainee, title=title)
    _entry(ui_db, people.other_trainee, title="Other supervisor's")
    at = run_page(APPROVALS, people.supervisor)
    _button(at, "Select all 3 shown").click().run()
    at.text_area(key="approvals.bulk_feedback").input("Batch reviewed.")
    _button(at, "✅ Approve 3").click().run()
    assert not at.exception
    assert {e.status for e in _entries(ui_db, people.trainee)} == {"approved"}
    assert {e.feedback for e in _entries(ui_db, people.trainee)} == {"Batch reviewed."}
    assert [e.status for e in _entries(ui_db, people.other_trainee)] == ["pending"]
    assert any("Approved 3 of 3" in m.value for m in at.success)
    assert "approvals.bulk_feedback" not in at.session_state  # cleared for the next batch


def test_leadership_reads_the_queue_without_action_controls(
    run_page: PageRunner, ui_db: UiDatabase, people: People
) -> None:
    entry_id = _entry(ui_db, people.trainee, title="Visible to the dean")
    at = run_page(APPROVALS, people.leadership, query={"entry": str(entry_id)})
    assert not at.exception
    assert "Visible to the dean" in _texts(at)
    labels = [b.label for b in at.button]
    assert not any(label.startswith(("Approve", "✅", "↩️", "⛔")) for label in labels)
    assert f"approvals.feedback.{entry_id}" not in [t.key for t in at.text_area]
    assert "read-only" in _texts(at)


def test_admin_queue_covers_every_supervisor(run_page: PageRunner, ui_db: UiDatabase, people: People) -> None:
    _entry(ui_db, people.trainee, title="A")
    _entry(ui_db, people.other_trainee, title="B")
    at = run_page(APPROVALS, people.admin, query={"age": "14"})
    assert {m.label: m.value for m in at.metric}["Pending"] == "2"
    assert len(at.dataframe) == 0 and "Nothing is waiting" in _texts(at)
    at = run_page(APPROVALS, people.admin)
    assert sorted(at.dataframe[0].value["title"]) == ["A", "B"]
