"""Logbook services on a real database: trainee actions, the queue, decisions, bulk approval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.dto import SYSTEM_ACTOR, UserSummary
from core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from core.models import AuditEvent, LogbookEntry, LogbookStatusChange, Notification, User
from core.services.logbook import approvals
from core.services.logbook import entries as logbook
from core.services.settings import update_setting
from tests.factories import NOW, actor, make_department, make_entry, make_user


@dataclass
class World:
    admin: UserSummary
    leadership: UserSummary
    supervisor: UserSummary
    other_supervisor: UserSummary
    trainee: UserSummary
    other_trainee: UserSummary
    lone_trainee: UserSummary
    trainee_row: User
    other_trainee_row: User


@pytest.fixture
def world(session: Session) -> World:
    dept = make_department(session)
    other_dept = make_department(session)
    sup = make_user(session, "supervisor", department=dept)
    other_sup = make_user(session, "supervisor", department=other_dept)
    trainee = make_user(session, "trainee", department=dept, supervisor=sup)
    other = make_user(session, "trainee", department=other_dept, supervisor=other_sup)
    lone = make_user(session, "trainee", department=dept)
    return World(
        admin=actor(session, make_user(session, "admin")),
        leadership=actor(session, make_user(session, "leadership")),
        supervisor=actor(session, sup),
        other_supervisor=actor(session, other_sup),
        trainee=actor(session, trainee),
        other_trainee=actor(session, other),
        lone_trainee=actor(session, lone),
        trainee_row=trainee,
        other_trainee_row=other,
    )


FORM = {
    "title": "Lumbar puncture",
    "case_date": date(2026, 11, 18),
    "category": "procedure",
    "description": "Consent, positioning, CSF sent.",
    "reflection": "Check platelets first.",
}


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _notes(session: Session, user: UserSummary) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)))


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- trainee side -------------------------------------------------------------------------------


def test_saving_a_draft_keeps_it_private_and_notifies_nobody(session: Session, world: World) -> None:
    item = logbook.create_entry(session, world.trainee, **FORM, now=NOW)
    assert (item.status, item.submitted_at, item.department_name) == ("draft", None, world.trainee.department_name)
    assert _notes(session, world.supervisor) == []
    assert [e.id for e in logbook.list_entries(session, world.trainee, now=NOW)] == [item.id]
    assert logbook.list_entries(session, world.supervisor, now=NOW) == []
    with pytest.raises(NotFoundError):
        logbook.get_entry(session, world.supervisor, item.id, now=NOW)


def test_submitting_notifies_the_supervisor_and_audits_and_records_history(session: Session, world: World) -> None:
    item = logbook.create_entry(session, world.trainee, **FORM, submit=True, now=NOW)
    assert (item.status, item.submitted_at) == ("pending", NOW)
    [note] = _notes(session, world.supervisor)
    assert note.kind == "logbook_submitted" and "Lumbar puncture" in note.title
    assert note.link == f"/approvals?entry={item.id}"
    [event] = _events(session, "logbook_submitted")
    assert (event.actor_id, event.entity_id) == (world.trainee.id, str(item.id))
    assert event.details == {
        "trainee_id": world.trainee.id,
        "title": "Lumbar puncture",
        "old_status": None,
        "new_status": "pending",
    }
    _, history = logbook.get_entry(session, world.trainee, item.id, now=NOW)
    assert [(h.from_status, h.to_status) for h in history] == [(None, "pending")]


def test_submitting_without_a_supervisor_is_refused_and_writes_nothing(session: Session, world: World) -> None:
    before = _count(session, LogbookEntry), _count(session, AuditEvent)
    with pytest.raises(InvalidInputError, match="no assigned supervisor"):
        logbook.create_entry(session, world.lone_trainee, **FORM, submit=True, now=NOW)
    assert (_count(session, LogbookEntry), _count(session, AuditEvent)) == before
    draft = logbook.create_entry(session, world.lone_trainee, **FORM, now=NOW)
    with pytest.raises(InvalidInputError, match="no assigned supervisor"):
        logbook.submit_entry(session, world.lone_trainee, draft.id, now=NOW)
    assert session.get(LogbookEntry, draft.id).status == "draft"  # type: ignore[union-attr]


def test_the_same_form_sent_twice_is_recorded_once_and_the_trainee_told_where_it_is(
    session: Session, world: World
) -> None:
    first = logbook.create_entry(session, world.trainee, **FORM, submit=True, now=NOW)
    before = _count(session, LogbookEntry), _count(session, AuditEvent), len(_notes(session, world.supervisor))
    # A confirmation lost with its replica: the trainee sends the same form again 3 minutes later.
    with pytest.raises(ConflictError, match=rf"entry #{first.id}, sent at 10:00 .*awaiting your supervisor"):
        logbook.create_entry(session, world.trainee, **FORM, submit=True, now=NOW + timedelta(minutes=3))
    with pytest.raises(ConflictError, match="Nothing was added"):  # as a draft too
        logbook.create_entry(session, world.trainee, **FORM, now=NOW + timedelta(minutes=9))
    assert (
        _count(session, LogbookEntry),
        _count(session, AuditEvent),
        len(_notes(session, world.supervisor)),
    ) == before


def test_a_second_case_of_the_same_kind_is_recorded_when_it_differs_or_comes_later(
    session: Session, world: World
) -> None:
    first = logbook.create_entry(session, world.trainee, **FORM, submit=True, now=NOW)
    retitled = logbook.create_entry(
        session, world.trainee, **{**FORM, "title": "Lumbar puncture (2nd)"}, submit=True, now=NOW
    )
    later = logbook.create_entry(session, world.trainee, **FORM, submit=True, now=NOW + timedelta(minutes=11))
    other_day = logbook.create_entry(
        session, world.trainee, **{**FORM, "case_date": date(2026, 11, 17)}, submit=True, now=NOW
    )
    someone_else = logbook.create_entry(session, world.other_trainee, **FORM, submit=True, now=NOW)
    assert len({first.id, retitled.id, later.id, other_day.id, someone_else.id}) == 5
    assert _count(session, LogbookEntry) == 5


def test_bad_form_lists_every_problem_and_writes_nothing(session: Session, world: World) -> None:
    before = _count(session, LogbookEntry)
    with pytest.raises(InvalidInputError) as caught:
        logbook.create_entry(
            session,
            world.trainee,
            title="",
            case_date=NOW.date() + timedelta(days=1),
            category="surgery",
            description=" ",
            now=NOW,
        )
    assert caught.value.errors == [
        "Case title is required.",
        "Case date 2026-11-21 is in the future.",
        "Category must be one of: case, procedure, teaching, other.",
        "Description is required.",
    ]
    assert _count(session, LogbookEntry) == before


def test_not_in_the_future_means_the_programmes_calendar_day(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.config import get_settings

    late_evening_utc = datetime(2026, 11, 20, 12, 30)  # already 21 November in Auckland (UTC+13)
    monkeypatch.setenv("TIMEZONE", "Pacific/Auckland")
    get_settings.cache_clear()
    try:
        item = logbook.create_entry(
            session, world.trainee, **{**FORM, "case_date": date(2026, 11, 21)}, now=late_evening_utc
        )
        assert item.case_date == date(2026, 11, 21)
        with pytest.raises(InvalidInputError, match="2026-11-22 is in the future"):
            logbook.create_entry(
                session, world.trainee, **{**FORM, "case_date": date(2026, 11, 22)}, now=late_evening_utc
            )
    finally:
        monkeypatch.delenv("TIMEZONE")
        get_settings.cache_clear()


def test_categories_follow_the_runtime_setting(session: Session, world: World) -> None:
    update_setting(session, world.admin, key="logbook_categories", value="Case, Audit", now=NOW)
    assert logbook.list_categories(session) == ["Case", "Audit"]
    item = logbook.create_entry(session, world.trainee, **{**FORM, "category": "audit"}, now=NOW)
    assert item.category == "Audit"
    with pytest.raises(InvalidInputError, match="Category must be one of: Case, Audit"):
        logbook.create_entry(session, world.trainee, **FORM, now=NOW)


def test_returned_entry_can_be_edited_and_resubmitted(session: Session, world: World) -> None:
    item = logbook.create_entry(session, world.trainee, **FORM, submit=True, now=NOW)
    approvals.return_entry(session, world.supervisor, item.id, feedback="Add the indication.", now=NOW)
    later = NOW + timedelta(hours=2)
    again = logbook.update_entry(
        session, world.trainee, item.id, **{**FORM, "description": "Indication: fever."}, submit=True, now=later
    )
    assert (again.status, again.description, again.submitted_at) == ("pending", "Indication: fever.", later)
    assert (again.verified_by_name, again.decided_at) == (None, None)
    assert [e.details["old_status"] for e in _events(session, "logbook_resubmitted")] == ["returned"]
    _, history = logbook.get_entry(session, world.trainee, item.id, now=later)
    assert [h.to_status for h in history] == ["pending", "returned", "pending"]
    assert len(_notes(session, world.supervisor)) == 2


@pytest.mark.parametrize("status", ["pending", "approved", "rejected"])
def test_pending_and_decided_entries_cannot_be_edited_or_deleted(session: Session, world: World, status: str) -> None:
    entry = make_entry(session, world.trainee_row, status=status)
    with pytest.raises(ConflictError, match="only drafts and returned"):
        logbook.update_entry(session, world.trainee, entry.id, **FORM, now=NOW)
    with pytest.raises(ConflictError, match="Only drafts can be deleted"):
        logbook.delete_draft(session, world.trainee, entry.id, now=NOW)
    assert session.get(LogbookEntry, entry.id).title == "Appendicitis"  # type: ignore[union-attr]


def test_only_a_draft_can_be_deleted_and_the_deletion_is_audited(session: Session, world: World) -> None:
    draft = logbook.create_entry(session, world.trainee, **FORM, now=NOW)
    logbook.delete_draft(session, world.trainee, draft.id, now=NOW)
    assert session.get(LogbookEntry, draft.id) is None
    [event] = _events(session, "logbook_draft_deleted")
    assert event.details["old_status"] == "draft"


def test_trainee_sees_feedback_and_who_verified(session: Session, world: World) -> None:
    item = logbook.create_entry(session, world.trainee, **FORM, submit=True, now=NOW)
    approvals.approve_entry(session, world.supervisor, item.id, feedback="Good technique.", now=NOW)
    [own] = logbook.list_entries(session, world.trainee, now=NOW)
    assert (own.status, own.feedback, own.verified_by_name, own.decided_at) == (
        "approved",
        "Good technique.",
        world.supervisor.full_name,
        NOW,
    )


# --- the queue ----------------------------------------------------------------------------------


def test_queue_is_oldest_first_with_age_and_ageing_counts(session: Session, world: World) -> None:
    ages = [20, 3, 9, 15, 8, 7]
    for age in ages:
        make_entry(session, world.trainee_row, submitted_at=NOW - timedelta(days=age, hours=1), title=f"age {age}")
    make_entry(session, world.trainee_row, status="approved")
    make_entry(session, world.trainee_row, status="draft")
    queue = approvals.get_approval_queue(session, world.supervisor, now=NOW)
    assert [i.age_days for i in queue.items] == sorted(ages, reverse=True)
    assert (queue.total, queue.over_7_days, queue.over_14_days, queue.oldest_days) == (6, 4, 2, 20)
    older = approvals.get_approval_queue(session, world.supervisor, now=NOW, older_than_days=14)
    assert [i.title for i in older.items] == ["age 20", "age 15"]
    assert older.total == 6  # the counts describe the whole queue


def test_queue_filters_by_trainee_and_department(session: Session, world: World) -> None:
    mine = make_entry(session, world.trainee_row)
    theirs = make_entry(session, world.other_trainee_row)
    everything = approvals.get_approval_queue(session, world.admin, now=NOW)
    assert {mine.id, theirs.id} <= {i.id for i in everything.items}
    by_trainee = approvals.get_approval_queue(session, world.admin, now=NOW, trainee_id=world.other_trainee.id)
    assert [i.id for i in by_trainee.items] == [theirs.id]
    by_dept = approvals.get_approval_queue(session, world.admin, now=NOW, department_id=world.trainee.department_id)
    assert [i.id for i in by_dept.items] == [mine.id]


def test_supervisor_queue_never_shows_another_supervisors_trainees(session: Session, world: World) -> None:
    mine = make_entry(session, world.trainee_row)
    theirs = make_entry(session, world.other_trainee_row)
    queue = approvals.get_approval_queue(session, world.supervisor, now=NOW)
    assert [i.id for i in queue.items] == [mine.id] and queue.total == 1
    tampered = approvals.get_approval_queue(
        session,
        world.supervisor,
        now=NOW,
        trainee_id=world.other_trainee.id,
        department_id=world.other_trainee.department_id,
    )
    assert (tampered.items, tampered.total, tampered.over_7_days) == ((), 0, 0)
    assert approvals.list_queue_trainees(session, world.supervisor) == [(world.trainee.id, world.trainee.full_name)]
    assert {e.id for e in logbook.list_entries(session, world.supervisor, now=NOW)} == {mine.id}
    assert logbook.list_entries(session, world.supervisor, trainee_id=world.other_trainee.id, now=NOW) == []
    with pytest.raises(NotFoundError):
        logbook.get_entry(session, world.supervisor, theirs.id, now=NOW)


# --- decisions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "status"), [("approve", "approved"), ("return", "returned"), ("reject", "rejected")]
)
def test_each_decision_records_its_decider_history_audit_and_notifies_the_trainee(
    session: Session, world: World, decision: str, status: str
) -> None:
    entry = make_entry(session, world.trainee_row)
    item = approvals.verify_entry(session, world.supervisor, entry.id, decision=decision, feedback=" Noted. ", now=NOW)
    assert (item.status, item.feedback, item.decided_by_name, item.decided_at) == (
        status,
        "Noted.",
        world.supervisor.full_name,
        NOW,
    )
    # Verified means approved: only an approval sets the verifier.
    session.refresh(entry)
    approved = status == "approved"
    assert (entry.decided_by_id, entry.decided_at) == (world.supervisor.id, NOW)
    assert (entry.verified_by_id, entry.verified_at) == ((world.supervisor.id, NOW) if approved else (None, None))
    assert item.verified_by_name == (world.supervisor.full_name if approved else None)
    [change] = session.scalars(select(LogbookStatusChange).where(LogbookStatusChange.entry_id == entry.id))
    assert (change.from_status, change.to_status, change.actor_id, change.comment) == (
        "pending",
        status,
        world.supervisor.id,
        "Noted.",
    )
    [event] = _events(session, f"logbook_{status}")
    assert (event.actor_id, event.entity_id, event.occurred_at) == (world.supervisor.id, str(entry.id), NOW)
    assert event.details["trainee_id"] == world.trainee.id
    assert (event.details["old_status"], event.details["new_status"]) == ("pending", status)
    [note] = _notes(session, world.trainee)
    assert note.kind == f"logbook_{status}" and "Noted." in (note.body or "")


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_return_and_reject_without_a_comment_change_nothing(session: Session, world: World, decision: str) -> None:
    entry = make_entry(session, world.trainee_row)
    with pytest.raises(InvalidInputError, match="Please write a comment"):
        approvals.verify_entry(session, world.supervisor, entry.id, decision=decision, feedback="  ", now=NOW)
    session.refresh(entry)
    assert entry.status == "pending" and _count(session, AuditEvent) == 0


def test_admin_approval_records_the_admin_not_the_assigned_supervisor(session: Session, world: World) -> None:
    entry = make_entry(session, world.trainee_row)
    item = approvals.approve_entry(session, world.admin, entry.id, now=NOW)
    session.refresh(entry)
    assert entry.verified_by_id == world.admin.id and item.verified_by_name == world.admin.full_name


def test_second_verification_is_refused_as_already_verified_and_changes_nothing(session: Session, world: World) -> None:
    entry = make_entry(session, world.trainee_row)
    approvals.approve_entry(session, world.supervisor, entry.id, feedback="first", now=NOW)
    with pytest.raises(ConflictError, match="already verified"):
        approvals.reject_entry(session, world.admin, entry.id, feedback="second", now=NOW + timedelta(hours=1))
    session.refresh(entry)
    assert (entry.status, entry.feedback, entry.verified_by_id) == ("approved", "first", world.supervisor.id)
    assert len(_events(session, "logbook_approved")) == 1 and _events(session, "logbook_rejected") == []


@pytest.mark.parametrize(("first", "status"), [("return", "returned"), ("reject", "rejected")])
@pytest.mark.parametrize("second", ["approve", "return", "reject"])
def test_a_second_decision_on_a_returned_or_rejected_entry_is_refused_as_already_decided(
    session: Session, world: World, first: str, status: str, second: str
) -> None:
    entry = make_entry(session, world.trainee_row)
    approvals.verify_entry(session, world.supervisor, entry.id, decision=first, feedback="first", now=NOW)
    with pytest.raises(ConflictError, match="already decided"):
        approvals.verify_entry(
            session, world.admin, entry.id, decision=second, feedback="second", now=NOW + timedelta(hours=1)
        )
    session.refresh(entry)
    assert (entry.status, entry.feedback, entry.decided_by_id, entry.decided_at) == (
        status,
        "first",
        world.supervisor.id,
        NOW,
    )
    assert entry.verified_by_id is None and len(_events(session, f"logbook_{status}")) == 1
    [outcome] = approvals.bulk_approve(session, world.admin, [entry.id], now=NOW)
    assert outcome.outcome == "already decided"


def test_drafts_cannot_be_verified(session: Session, world: World) -> None:
    entry = make_entry(session, world.trainee_row, status="draft")
    with pytest.raises(ConflictError, match="Only pending"):
        approvals.approve_entry(session, world.admin, entry.id, now=NOW)


def test_unknown_entry_and_unknown_decision_are_refused(session: Session, world: World) -> None:
    with pytest.raises(NotFoundError):
        approvals.approve_entry(session, world.admin, 987654321, now=NOW)
    entry = make_entry(session, world.trainee_row)
    with pytest.raises(InvalidInputError, match="Unknown decision"):
        approvals.verify_entry(session, world.admin, entry.id, decision="publish", feedback=None, now=NOW)


def test_system_actor_may_verify_and_is_recorded_as_system(session: Session, world: World) -> None:
    entry = make_entry(session, world.trainee_row)
    approvals.approve_entry(session, SYSTEM_ACTOR, entry.id, now=NOW)
    [event] = _events(session, "logbook_approved")
    assert (event.actor_id, event.actor_username) == (None, "system")


# --- bulk approval ------------------------------------------------------------------------------


def test_bulk_approve_reports_each_entry_and_writes_only_for_the_approved(session: Session, world: World) -> None:
    ok = make_entry(session, world.trainee_row, title="ok")
    ok2 = make_entry(session, world.trainee_row, title="ok2")
    done = make_entry(session, world.trainee_row, status="approved", title="done")
    draft = make_entry(session, world.trainee_row, status="draft", title="draft")
    foreign = make_entry(session, world.other_trainee_row, title="secret title")
    outcomes = approvals.bulk_approve(
        session,
        world.supervisor,
        [ok.id, done.id, draft.id, foreign.id, ok2.id, ok.id, 987654321],
        feedback="All fine.",
        now=NOW,
    )
    assert [(o.entry_id, o.outcome) for o in outcomes] == [
        (ok.id, "approved"),
        (done.id, "already verified"),
        (draft.id, "not pending"),
        (foreign.id, "not yours"),
        (ok2.id, "approved"),
        (987654321, "not found"),
    ]
    assert outcomes[3].title == "" and outcomes[3].trainee_name == ""
    session.refresh(foreign)
    assert foreign.status == "pending"
    assert sorted(int(e.entity_id) for e in _events(session, "logbook_approved")) == sorted([ok.id, ok2.id])
    [note] = _notes(session, world.trainee)  # one summary per trainee
    assert note.title == "2 logbook entries approved" and "All fine." in (note.body or "")
    assert _count(session, LogbookStatusChange) == 2


def test_admin_bulk_approves_across_supervisors(session: Session, world: World) -> None:
    a = make_entry(session, world.trainee_row)
    b = make_entry(session, world.other_trainee_row)
    outcomes = approvals.bulk_approve(session, world.admin, [a.id, b.id], now=NOW)
    assert [o.outcome for o in outcomes] == ["approved", "approved"]
    assert len(_notes(session, world.trainee)) == 1 and len(_notes(session, world.other_trainee)) == 1


def test_bulk_approve_needs_a_selection(session: Session, world: World) -> None:
    with pytest.raises(InvalidInputError, match="Select at least one"):
        approvals.bulk_approve(session, world.supervisor, [], now=NOW)


@pytest.mark.parametrize(("decision", "status"), [("return", "returned"), ("reject", "rejected")])
def test_bulk_return_and_reject_share_one_comment_and_report_each_entry(
    session: Session, world: World, decision: str, status: str
) -> None:
    decide = approvals.bulk_return if decision == "return" else approvals.bulk_reject
    a = make_entry(session, world.trainee_row, title="a")
    b = make_entry(session, world.trainee_row, title="b")
    done = make_entry(session, world.trainee_row, status="returned", title="done")
    foreign = make_entry(session, world.other_trainee_row, title="secret title")
    outcomes = decide(
        session, world.supervisor, [a.id, done.id, foreign.id, b.id], feedback=" Add the indication. ", now=NOW
    )
    assert [(o.entry_id, o.outcome) for o in outcomes] == [
        (a.id, status),
        (done.id, "already decided"),
        (foreign.id, "not yours"),
        (b.id, status),
    ]
    assert outcomes[2].title == "" and outcomes[2].trainee_name == ""
    for entry in (a, b):
        session.refresh(entry)
        assert (entry.status, entry.feedback, entry.decided_by_id) == (
            status,
            "Add the indication.",
            world.supervisor.id,
        )
        assert entry.verified_by_id is None and entry.verified_at is None  # verified means approved
    session.refresh(foreign)
    assert foreign.status == "pending"
    events = _events(session, f"logbook_{status}")
    assert sorted(int(e.entity_id) for e in events) == sorted([a.id, b.id])
    assert all(e.details["bulk"] is True and e.details["feedback"] == "Add the indication." for e in events)
    [note] = _notes(session, world.trainee)
    assert note.title == f"2 logbook entries {status}" and "Add the indication." in (note.body or "")
    changes = list(session.scalars(select(LogbookStatusChange).order_by(LogbookStatusChange.entry_id)))
    assert [(c.entry_id, c.to_status, c.comment) for c in changes] == [
        (a.id, status, "Add the indication."),
        (b.id, status, "Add the indication."),
    ]


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_bulk_return_and_reject_need_a_comment_and_write_nothing_without_one(
    session: Session, world: World, decision: str
) -> None:
    entry = make_entry(session, world.trainee_row)
    with pytest.raises(InvalidInputError, match="Please write a comment"):
        approvals.bulk_decide(session, world.supervisor, [entry.id], decision=decision, feedback="  ", now=NOW)
    session.refresh(entry)
    assert entry.status == "pending"
    assert _count(session, AuditEvent) == 0 and _count(session, Notification) == 0


def test_bulk_decisions_are_refused_to_trainees_and_leadership(session: Session, world: World) -> None:
    entry = make_entry(session, world.trainee_row)
    for who in (world.trainee, world.leadership):
        with pytest.raises(PermissionDeniedError):
            approvals.bulk_return(session, who, [entry.id], feedback="No.", now=NOW)
        with pytest.raises(PermissionDeniedError):
            approvals.bulk_reject(session, who, [entry.id], feedback="No.", now=NOW)
    with pytest.raises(InvalidInputError, match="Unknown decision"):
        approvals.bulk_decide(session, world.admin, [entry.id], decision="publish", feedback="x", now=NOW)
    session.refresh(entry)
    assert entry.status == "pending"


def test_admin_bulk_rejects_across_supervisors(session: Session, world: World) -> None:
    a = make_entry(session, world.trainee_row)
    b = make_entry(session, world.other_trainee_row)
    outcomes = approvals.bulk_reject(session, world.admin, [a.id, b.id], feedback="Duplicate.", now=NOW)
    assert [o.outcome for o in outcomes] == ["rejected", "rejected"]
    assert len(_notes(session, world.trainee)) == 1 and len(_notes(session, world.other_trainee)) == 1


def test_deactivated_supervisor_cannot_act(session: Session, world: World) -> None:
    entry = make_entry(session, world.trainee_row)
    session.get(User, world.supervisor.id).is_active = False  # type: ignore[union-attr]
    session.flush()
    with pytest.raises(PermissionDeniedError, match="not active"):
        approvals.approve_entry(session, world.supervisor, entry.id, now=NOW)


def test_reassigned_trainee_moves_to_the_new_supervisors_queue(session: Session, world: World) -> None:
    entry = make_entry(session, world.trainee_row)
    world.trainee_row.supervisor_id = world.other_supervisor.id
    session.flush()
    with pytest.raises(PermissionDeniedError):
        approvals.approve_entry(session, world.supervisor, entry.id, now=NOW)
    assert [i.id for i in approvals.get_approval_queue(session, world.other_supervisor, now=NOW).items] == [entry.id]


def test_every_write_keeps_the_monthly_rollup_current(session: Session, world: World) -> None:
    from core.models.rollups import LogbookMonthRollup

    def counts() -> tuple[int, int, int] | None:
        row = session.scalars(
            select(LogbookMonthRollup).where(
                LogbookMonthRollup.trainee_id == world.trainee.id, LogbookMonthRollup.month == date(2026, 11, 1)
            )
        ).first()
        return None if row is None else (row.drafts, row.pending, row.approved)

    draft = logbook.create_entry(session, world.trainee, **FORM, now=NOW)
    assert counts() == (1, 0, 0)
    logbook.submit_entry(session, world.trainee, draft.id, now=NOW)
    assert counts() == (0, 1, 0)
    approvals.bulk_approve(session, world.supervisor, [draft.id], now=NOW)
    assert counts() == (0, 0, 1)


def test_demo_seeder_gives_every_supervisor_fresh_and_long_pending_entries(session: Session, world: World) -> None:
    import random

    from core.demo.logbook import seed_logbook_demo

    seed_logbook_demo(session, random.Random(1), NOW)
    for supervisor in (world.supervisor, world.other_supervisor):
        queue = approvals.get_approval_queue(session, supervisor, now=NOW)
        assert queue.total >= 6 and queue.over_7_days >= 4 and queue.over_14_days >= 2
        assert queue.total - queue.over_7_days >= 2  # and some fresh ones
        assert len(_notes(session, supervisor)) == 3
    history = session.scalar(select(func.count()).select_from(LogbookStatusChange))
    assert history == session.scalar(
        select(func.count()).select_from(LogbookEntry).where(LogbookEntry.status != "draft")
    )


def test_queue_ages_use_the_given_clock(session: Session, world: World) -> None:
    make_entry(session, world.trainee_row, submitted_at=datetime(2026, 11, 1, 12, 0))
    queue = approvals.get_approval_queue(session, world.supervisor, now=datetime(2026, 11, 16, 12, 0))
    assert (queue.items[0].age_days, queue.over_14_days) == (15, 1)
