"""Results services on a real database: scores, every transition, two-person change requests,
frozen immutability, visibility and the authorization matrix (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from core.db import make_session_factory
from core.dto import UserSummary
from core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from core.models import (
    Assessment,
    AuditEvent,
    ChangeRequest,
    Department,
    EligibilitySnapshot,
    Notification,
    Result,
    ResultHistory,
    User,
)
from core.services.results import assessments as svc
from core.services.results import changes as changes_svc
from core.services.results import scores as scores_svc
from core.services.results import transitions as transitions_svc
from tests.factories import NOW, actor, make_attendance, make_department, make_user


@dataclass
class World:
    department: Department
    admin: UserSummary
    admin2: UserSummary
    leadership: UserSummary
    supervisor: UserSummary
    other_supervisor: UserSummary
    trainee: User
    trainee2: User
    outsider: User
    assessment_id: int

    def as_trainee(self, session: Session, user: User | None = None) -> UserSummary:
        return actor(session, user or self.trainee)


def build_world(session: Session, *, period: str | None = None) -> World:
    department = make_department(session)
    other_department = make_department(session)
    admin = make_user(session, "admin")
    admin2 = make_user(session, "admin")
    leadership = make_user(session, "leadership")
    supervisor = make_user(session, "supervisor", department=department)
    other_supervisor = make_user(session, "supervisor", department=department)
    trainee = make_user(session, "trainee", department=department, supervisor=supervisor)
    trainee2 = make_user(session, "trainee", department=department, supervisor=other_supervisor)
    outsider = make_user(session, "trainee", department=other_department)
    created = svc.create_assessment(
        session,
        actor(session, admin),
        title="Paper 1",
        department_id=department.id,
        assessment_date=date(2026, 10, 1),
        max_score=100,
        pass_mark=50,
        weight=40,
        group_name=f"Y2 {department.id}",
        now=NOW,
        eligibility_period=period,
    )
    return World(
        department,
        actor(session, admin),
        actor(session, admin2),
        actor(session, leadership),
        actor(session, supervisor),
        actor(session, other_supervisor),
        trainee,
        trainee2,
        outsider,
        created.id,
    )


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def enter(session: Session, w: World, scores: dict[User, object] | None = None) -> None:
    scores = scores if scores is not None else {w.trainee: "72.5", w.trainee2: "40"}
    scores_svc.save_scores(
        session,
        w.admin,
        assessment_id=w.assessment_id,
        scores={u.registration_number: s for u, s in scores.items()},
        now=NOW,
    )


def result_of(session: Session, w: World, user: User) -> Result:
    session.expire_all()
    found = session.scalars(
        select(Result).where(Result.assessment_id == w.assessment_id, Result.trainee_id == user.id)
    ).one()
    return found


def publish(session: Session, w: World) -> None:
    transitions_svc.publish_results(session, w.admin, assessment_id=w.assessment_id, now=NOW)


def freeze(session: Session, w: World, ids: list[int] | None = None) -> None:
    transitions_svc.freeze_results(session, w.admin, assessment_id=w.assessment_id, now=NOW, result_ids=ids)


def history(session: Session, result: Result) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in session.execute(
            select(
                ResultHistory.action,
                ResultHistory.actor_id,
                ResultHistory.old_state,
                ResultHistory.new_state,
                ResultHistory.old_score,
                ResultHistory.new_score,
                ResultHistory.reason,
            )
            .where(ResultHistory.result_id == result.id)
            .order_by(ResultHistory.id)
        )
    ]


def audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def notifications_for(session: Session, user_id: int | None) -> list[str]:
    return list(
        session.scalars(select(Notification.kind).where(Notification.user_id == user_id).order_by(Notification.id))
    )


# --- assessments -----------------------------------------------------------------------------


def test_creating_an_assessment_is_audited_and_reports_an_incomplete_group(session: Session, world: World) -> None:
    listed = {a.id: a for a in svc.list_assessments(session, world.admin)}
    created = listed[world.assessment_id]
    assert (created.group_total, created.group_complete) == (40.0, False)
    assert "assessment_created" in audit_actions(session)


def test_a_group_may_be_filled_to_exactly_100_percent_and_is_then_complete(session: Session, world: World) -> None:
    group = f"Y2 {world.department.id}"
    created = svc.create_assessment(
        session,
        world.admin,
        title="Paper 2",
        department_id=world.department.id,
        assessment_date=date(2026, 10, 2),
        max_score=50,
        pass_mark=25,
        weight=60,
        group_name=f" {group.lower()} ",
        now=NOW,
    )
    assert (created.group_name, created.group_total, created.group_complete) == (group, 100.0, True)
    stored = session.scalars(select(Assessment.group_name).where(Assessment.department_id == world.department.id))
    assert set(stored) == {group}, "the new assessment joins the group under its existing spelling"
    listed = [a for a in svc.list_assessments(session, world.admin) if a.department_id == world.department.id]
    assert [(a.group_name, a.group_complete) for a in listed] == [(group, True), (group, True)]


@pytest.mark.parametrize(
    ("first", "second", "third"),
    [
        ("Year 3 written", "year 3 written", "YEAR 3 WRITTEN"),
        ("Öffentliche Gesundheit", "öffentliche gesundheit", "ÖFFENTLICHE GESUNDHEIT"),
    ],
)
def test_stored_spellings_that_differ_only_in_case_are_one_group(
    session: Session, world: World, first: str, second: str, third: str
) -> None:
    tag = f" {world.department.id}"
    svc.create_assessment(
        session,
        world.admin,
        title="Part A",
        department_id=world.department.id,
        assessment_date=date(2026, 10, 2),
        max_score=50,
        pass_mark=25,
        weight=40,
        group_name=first + tag,
        now=NOW,
    )
    # Assessments created before names were matched ignoring case may keep their own spelling.
    session.add(
        Assessment(
            title="Part B",
            department_id=world.department.id,
            assessment_date=date(2026, 10, 3),
            max_score=50,
            pass_mark=25,
            weight=60,
            group_name=second + tag,
            created_at=NOW,
        )
    )
    session.flush()
    listed = {a.title: a for a in svc.list_assessments(session, world.admin) if a.title.startswith("Part ")}
    assert {(a.group_name, a.group_total, a.group_complete) for a in listed.values()} == {(first + tag, 100.0, True)}
    table = svc.list_group_weights(session, world.admin)
    assert table[table["group"].str.casefold() == (first + tag).casefold()].to_dict("records") == [
        {"group": first + tag, "belongs_to": world.department.name, "total_weight": 100.0, "status": "ok"}
    ]
    with pytest.raises(InvalidInputError, match=f"group '{first + tag}' would total 110%"):
        svc.create_assessment(
            session,
            world.admin,
            title="Part C",
            department_id=world.department.id,
            assessment_date=date(2026, 10, 4),
            max_score=50,
            pass_mark=25,
            weight=10,
            group_name=third + tag,
            now=NOW,
        )


def test_a_weight_that_takes_the_group_over_100_is_refused_and_nothing_is_written(
    session: Session, world: World
) -> None:
    before = session.scalar(select(func.count()).select_from(Result.__table__)) or 0
    with pytest.raises(InvalidInputError, match="over 100%"):
        svc.create_assessment(
            session,
            world.admin,
            title="Paper 3",
            department_id=world.department.id,
            assessment_date=date(2026, 10, 3),
            max_score=100,
            pass_mark=50,
            weight=61,
            group_name=f"Y2 {world.department.id}",
            now=NOW,
        )
    assert len(svc.list_assessments(session, world.admin)) >= 1
    assert not any(a.title == "Paper 3" for a in svc.list_assessments(session, world.admin))
    assert (session.scalar(select(func.count()).select_from(Result.__table__)) or 0) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "title is required"),
        ({"pass_mark": 120}, "pass mark"),
        ({"max_score": "x"}, "not a number"),
        ({"eligibility_period": "2026-13"}, "month must be 01..12"),
        ({"title": "Paper 1"}, "already exists"),
    ],
)
def test_invalid_assessments_are_refused_with_a_reason(
    session: Session, world: World, fields: dict[str, Any], message: str
) -> None:
    values: dict[str, Any] = {
        "title": "New",
        "department_id": world.department.id,
        "assessment_date": date(2026, 1, 1),
        "max_score": 100,
        "pass_mark": 50,
        "weight": 10,
        "group_name": "G",
    }
    values.update(fields)
    with pytest.raises(InvalidInputError, match=message):
        svc.create_assessment(session, world.admin, now=NOW, **values)


# --- scores in draft -------------------------------------------------------------------------


def test_grid_scores_create_draft_results_with_an_entered_history_row(session: Session, world: World) -> None:
    report = scores_svc.save_scores(
        session,
        world.admin,
        assessment_id=world.assessment_id,
        scores={world.trainee.registration_number: "72.5"},
        now=NOW,
    )
    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    result = result_of(session, world, world.trainee)
    assert (result.state, result.score, result.entered_by_id) == ("draft", Decimal("72.50"), world.admin.id)
    assert history(session, result) == [("entered", world.admin.id, None, "draft", None, Decimal("72.50"), None)]


def test_editing_a_draft_score_keeps_old_and_new_value(session: Session, world: World) -> None:
    enter(session, world)
    report = scores_svc.save_scores(
        session,
        world.admin2,
        assessment_id=world.assessment_id,
        scores={world.trainee.registration_number: 80, world.trainee2.registration_number: "40.00"},
        now=NOW,
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    result = result_of(session, world, world.trainee)
    assert result.score == Decimal("80")
    assert history(session, result)[-1] == (
        "edited",
        world.admin2.id,
        "draft",
        "draft",
        Decimal("72.50"),
        Decimal("80.00"),
        None,
    )


def test_one_bad_score_in_the_grid_saves_nothing(session: Session, world: World) -> None:
    with pytest.raises(InvalidInputError) as refused:
        scores_svc.save_scores(
            session,
            world.admin,
            assessment_id=world.assessment_id,
            scores={
                world.trainee.registration_number: "70",
                world.trainee2.registration_number: "101",
                "NOPE-1": "5",
                world.outsider.registration_number: "5",
            },
            now=NOW,
        )
    errors = refused.value.errors
    assert f"{world.trainee2.registration_number}: score 101 is outside 0..100" in errors
    assert "NOPE-1: unknown trainee_id 'NOPE-1'" in errors
    assert any("not in this assessment's department" in e for e in errors)
    assert session.scalars(select(Result).where(Result.assessment_id == world.assessment_id)).all() == []
    assert "scores_saved" not in audit_actions(session)


def test_csv_upload_is_all_or_nothing_with_row_numbers(session: Session, world: World) -> None:
    bad = (
        f"trainee_id,score\n{world.trainee.registration_number},55\n{world.trainee2.registration_number},-3\n"
        f"GHOST,10\n{world.trainee.registration_number},60\n"
    ).encode()
    with pytest.raises(InvalidInputError) as refused:
        scores_svc.import_scores_csv(session, world.admin, assessment_id=world.assessment_id, content=bad, now=NOW)
    assert refused.value.errors == [
        "row 3: score -3 is outside 0..100",
        "row 4: unknown trainee_id 'GHOST'",
        "row 5: duplicate of row 2",
    ]
    assert session.scalars(select(Result).where(Result.assessment_id == world.assessment_id)).all() == []
    good = (
        f"\ufefftrainee_id,score\n{world.trainee.registration_number.lower()},55\n"
        f"{world.trainee2.registration_number},61.5\n"
    ).encode()
    report = scores_svc.import_scores_csv(
        session, world.admin, assessment_id=world.assessment_id, content=good, now=NOW
    )
    assert report.created == 2
    assert result_of(session, world, world.trainee2).score == Decimal("61.5")
    assert audit_actions(session).count("scores_saved") == 1  # the refused upload left no trace


def test_csv_that_is_not_utf8_is_refused_clearly(session: Session, world: World) -> None:
    with pytest.raises(InvalidInputError, match="not UTF-8"):
        scores_svc.import_scores_csv(
            session, world.admin, assessment_id=world.assessment_id, content=b"\xff\xfe\x00", now=NOW
        )


# --- lifecycle: every legal and illegal transition --------------------------------------------


def test_publish_all_moves_every_draft_records_who_and_when_and_notifies(session: Session, world: World) -> None:
    enter(session, world)
    assert transitions_svc.publish_results(session, world.admin2, assessment_id=world.assessment_id, now=NOW) == 2
    result = result_of(session, world, world.trainee)
    assert (result.state, result.published_by_id, result.published_at) == ("published", world.admin2.id, NOW)
    assert history(session, result)[-1][:4] == ("published", world.admin2.id, "draft", "published")
    assert "result_published" in notifications_for(session, world.trainee.id)
    assert audit_actions(session)[-1] == "results_published"


def test_publish_selected_moves_only_those(session: Session, world: World) -> None:
    enter(session, world)
    chosen = result_of(session, world, world.trainee).id
    assert (
        transitions_svc.publish_results(
            session, world.admin, assessment_id=world.assessment_id, result_ids=[chosen], now=NOW
        )
        == 1
    )
    assert result_of(session, world, world.trainee).state == "published"
    assert result_of(session, world, world.trainee2).state == "draft"


def test_freeze_moves_published_records_who_and_when(session: Session, world: World) -> None:
    enter(session, world)
    publish(session, world)
    later = NOW + timedelta(days=1)
    assert transitions_svc.freeze_results(session, world.admin2, assessment_id=world.assessment_id, now=later) == 2
    result = result_of(session, world, world.trainee)
    assert (result.state, result.frozen_by_id, result.frozen_at) == ("frozen", world.admin2.id, later)
    assert [h[0] for h in history(session, result)] == ["entered", "published", "frozen"]
    assert "result_frozen" in notifications_for(session, world.trainee.id)


def test_freezing_a_draft_is_refused_naming_the_state(session: Session, world: World) -> None:
    enter(session, world)
    with pytest.raises(ConflictError, match="Only published results can be frozen; current state: draft"):
        freeze(session, world, [result_of(session, world, world.trainee).id])
    with pytest.raises(ConflictError, match="no published results to freeze"):
        freeze(session, world)
    assert result_of(session, world, world.trainee).state == "draft"


def test_publishing_a_published_or_frozen_result_is_refused_naming_the_state(session: Session, world: World) -> None:
    enter(session, world)
    first, second = result_of(session, world, world.trainee).id, result_of(session, world, world.trainee2).id
    publish(session, world)
    freeze(session, world, [second])
    for result_id, state in ((first, "published"), (second, "frozen")):
        with pytest.raises(ConflictError, match=f"Already published; current state: {state}"):
            transitions_svc.publish_results(
                session, world.admin, assessment_id=world.assessment_id, result_ids=[result_id], now=NOW
            )
    with pytest.raises(ConflictError, match="no draft results to publish: the results are already published"):
        publish(session, world)


def test_a_mixed_selection_is_refused_as_a_whole(session: Session, world: World) -> None:
    enter(session, world)
    first, second = result_of(session, world, world.trainee).id, result_of(session, world, world.trainee2).id
    transitions_svc.publish_results(
        session, world.admin, assessment_id=world.assessment_id, result_ids=[first], now=NOW
    )
    with pytest.raises(ConflictError, match="current state: published"):
        transitions_svc.publish_results(
            session, world.admin, assessment_id=world.assessment_id, result_ids=[first, second], now=NOW
        )
    assert result_of(session, world, world.trainee2).state == "draft"


def test_freezing_a_frozen_result_is_refused(session: Session, world: World) -> None:
    enter(session, world)
    publish(session, world)
    freeze(session, world)
    with pytest.raises(ConflictError, match="current state: frozen"):
        freeze(session, world, [result_of(session, world, world.trainee).id])


def test_results_of_another_assessment_cannot_be_selected(session: Session, world: World) -> None:
    enter(session, world)
    other = svc.create_assessment(
        session,
        world.admin,
        title="Other",
        department_id=world.department.id,
        assessment_date=date(2026, 10, 5),
        max_score=10,
        pass_mark=5,
        weight=10,
        group_name="other",
        now=NOW,
    )
    with pytest.raises(NotFoundError):
        transitions_svc.publish_results(
            session,
            world.admin,
            assessment_id=other.id,
            result_ids=[result_of(session, world, world.trainee).id],
            now=NOW,
        )


@pytest.mark.parametrize("state", ["published", "frozen"])
def test_scores_cannot_be_edited_outside_draft_by_grid_or_csv(session: Session, world: World, state: str) -> None:
    enter(session, world)
    publish(session, world)
    if state == "frozen":
        freeze(session, world)
    with pytest.raises(InvalidInputError) as refused:
        scores_svc.save_scores(
            session,
            world.admin,
            assessment_id=world.assessment_id,
            scores={world.trainee.registration_number: "10"},
            now=NOW,
        )
    assert refused.value.errors == [
        f"{world.trainee.registration_number}: trainee '{world.trainee.registration_number}': "
        + (
            "published results change only through a change request; current state: published"
            if state == "published"
            else "scores can be changed only in draft; current state: frozen"
        )
    ]
    with pytest.raises(InvalidInputError) as refused_csv:
        scores_svc.import_scores_csv(
            session,
            world.admin,
            assessment_id=world.assessment_id,
            content=f"trainee_id,score\n{world.trainee.registration_number},10\n".encode(),
            now=NOW,
        )
    assert refused_csv.value.errors[0].endswith(f"current state: {state}")
    assert result_of(session, world, world.trainee).score == Decimal("72.5")


def test_a_frozen_result_is_immutable_by_every_path(session: Session, world: World) -> None:
    enter(session, world)
    publish(session, world)
    result_id = result_of(session, world, world.trainee).id
    decided = changes_svc.request_change(
        session, world.admin, result_id=result_id, new_score=90, reason="typo", now=NOW
    )
    changes_svc.decide_change(
        session, world.admin2, request_id=decided.id, approve=False, comment="typo was ours", now=NOW
    )
    freeze(session, world)
    with pytest.raises(
        ConflictError, match="(?i)change requests are only for published results; current state: frozen"
    ):
        changes_svc.request_change(session, world.admin2, result_id=result_id, new_score=91, reason="again", now=NOW)
    with pytest.raises(ConflictError, match="already decided"):
        changes_svc.decide_change(session, world.admin2, request_id=decided.id, approve=True, now=NOW)
    with pytest.raises(ConflictError):
        transitions_svc.publish_results(
            session, world.admin, assessment_id=world.assessment_id, result_ids=[result_id], now=NOW
        )
    result = result_of(session, world, world.trainee)
    assert (result.state, result.score) == ("frozen", Decimal("72.5"))


# --- change requests: the two-person rule ------------------------------------------------------


@pytest.fixture
def published(session: Session, world: World) -> int:
    enter(session, world)
    publish(session, world)
    return result_of(session, world, world.trainee).id


def test_approval_by_a_second_admin_applies_the_value_with_full_history(
    session: Session, world: World, published: int
) -> None:
    raised = changes_svc.request_change(
        session, world.admin, result_id=published, new_score="78", reason="Q7 mis-marked", now=NOW
    )
    assert (raised.status, raised.old_score, raised.new_score) == ("pending", 72.5, 78.0)
    assert "change_request" in notifications_for(session, world.admin2.id)
    assert "change_request" not in notifications_for(session, world.admin.id)
    decided_at = NOW + timedelta(hours=2)
    done = changes_svc.decide_change(session, world.admin2, request_id=raised.id, approve=True, now=decided_at)
    assert (done.status, done.decided_by, done.decided_at) == ("approved", world.admin2.full_name, decided_at)
    result = result_of(session, world, world.trainee)
    assert (result.state, result.score) == ("published", Decimal("78"))
    assert history(session, result)[-1] == (
        "changed",
        world.admin2.id,
        "published",
        "published",
        Decimal("72.50"),
        Decimal("78.00"),
        "Q7 mis-marked",
    )
    assert "result_changed" in notifications_for(session, world.trainee.id)
    assert "change_request_decided" in notifications_for(session, world.admin.id)
    assert audit_actions(session)[-2:] == ["result_change_requested", "result_change_approved"]
    frame = changes_svc.get_result_history(session, world.admin, result_id=published)
    assert frame.iloc[-1][["by", "old_score", "new_score", "reason", "requested_by"]].tolist() == [
        world.admin2.full_name,
        72.5,
        78.0,
        "Q7 mis-marked",
        world.admin.full_name,
    ]


@pytest.mark.parametrize("approve", [True, False])
def test_the_requester_can_never_decide_their_own_request(
    session: Session, world: World, published: int, approve: bool
) -> None:
    raised = changes_svc.request_change(session, world.admin, result_id=published, new_score=78, reason="why", now=NOW)
    with pytest.raises(PermissionDeniedError, match="another admin must decide it"):
        changes_svc.decide_change(session, world.admin, request_id=raised.id, approve=approve, comment="self", now=NOW)
    session.expire_all()
    assert session.get(ChangeRequest, raised.id).status == "pending"  # type: ignore[union-attr]
    assert result_of(session, world, world.trainee).score == Decimal("72.5")


@pytest.mark.parametrize(("first", "second"), [(True, True), (True, False), (False, True), (False, False)])
def test_a_decided_request_cannot_be_decided_again(
    session: Session, world: World, published: int, first: bool, second: bool
) -> None:
    raised = changes_svc.request_change(session, world.admin, result_id=published, new_score=78, reason="why", now=NOW)
    changes_svc.decide_change(session, world.admin2, request_id=raised.id, approve=first, comment="no", now=NOW)
    third_admin = actor(session, make_user(session, "admin"))
    with pytest.raises(ConflictError, match="already decided; current state: " + ("approved" if first else "rejected")):
        changes_svc.decide_change(session, third_admin, request_id=raised.id, approve=second, comment="again", now=NOW)
    assert result_of(session, world, world.trainee).score == (Decimal("78") if first else Decimal("72.5"))


def test_rejection_needs_a_comment_and_leaves_the_value(session: Session, world: World, published: int) -> None:
    raised = changes_svc.request_change(session, world.admin, result_id=published, new_score=78, reason="why", now=NOW)
    with pytest.raises(InvalidInputError, match="comment"):
        changes_svc.decide_change(session, world.admin2, request_id=raised.id, approve=False, comment="  ", now=NOW)
    done = changes_svc.decide_change(
        session, world.admin2, request_id=raised.id, approve=False, comment="Marking was right", now=NOW
    )
    assert (done.status, done.decision_comment) == ("rejected", "Marking was right")
    assert result_of(session, world, world.trainee).score == Decimal("72.5")
    assert [h[0] for h in history(session, result_of(session, world, world.trainee))] == ["entered", "published"]


@pytest.mark.parametrize(
    ("new_score", "reason", "message"),
    [
        (78, "", "a reason is required"),
        (None, "why", "score is required"),
        (101, "why", "outside 0..100"),
        ("72.5", "why", "equals the current value"),
    ],
)
def test_a_change_request_needs_a_valid_new_value_and_a_reason(
    session: Session, world: World, published: int, new_score: object, reason: str, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        changes_svc.request_change(
            session, world.admin, result_id=published, new_score=new_score, reason=reason, now=NOW
        )
    assert session.scalars(select(ChangeRequest)).all() == []


def test_change_requests_on_draft_results_are_refused(session: Session, world: World) -> None:
    enter(session, world)
    with pytest.raises(ConflictError, match="current state: draft"):
        changes_svc.request_change(
            session,
            world.admin,
            result_id=result_of(session, world, world.trainee).id,
            new_score=1,
            reason="why",
            now=NOW,
        )


def test_freezing_waits_for_pending_change_requests_and_freezes_nothing(
    session: Session, world: World, published: int
) -> None:
    raised = changes_svc.request_change(session, world.admin, result_id=published, new_score=78, reason="why", now=NOW)
    with pytest.raises(ConflictError, match="1 of these results has a pending change request"), session.begin_nested():
        freeze(session, world)
    session.expire_all()
    assert {r.state for r in session.scalars(select(Result).where(Result.assessment_id == world.assessment_id))} == {
        "published"
    }
    changes_svc.decide_change(session, world.admin2, request_id=raised.id, approve=True, now=NOW)
    freeze(session, world)
    assert (result_of(session, world, world.trainee).state, result_of(session, world, world.trainee).score) == (
        "frozen",
        Decimal("78"),
    )


def test_only_one_pending_request_per_result(session: Session, world: World, published: int) -> None:
    changes_svc.request_change(session, world.admin, result_id=published, new_score=78, reason="why", now=NOW)
    with pytest.raises(ConflictError, match="already pending"):
        changes_svc.request_change(session, world.admin2, result_id=published, new_score=79, reason="why", now=NOW)


def test_an_approval_that_cannot_apply_changes_nothing_at_all(session: Session, world: World, published: int) -> None:
    raised = changes_svc.request_change(session, world.admin, result_id=published, new_score=78, reason="why", now=NOW)
    # Another admin's session froze it between the request and the decision (freeze_results itself refuses).
    session.execute(update(Result).where(Result.id == published).values(state="frozen"))
    with pytest.raises(ConflictError, match="current state: frozen"), session.begin_nested():
        changes_svc.decide_change(session, world.admin2, request_id=raised.id, approve=True, now=NOW)
    session.expire_all()
    assert session.get(ChangeRequest, raised.id).status == "pending"  # type: ignore[union-attr]
    assert result_of(session, world, world.trainee).score == Decimal("72.5")


def test_an_unknown_change_request_is_not_found(session: Session, world: World) -> None:
    with pytest.raises(NotFoundError):
        changes_svc.decide_change(session, world.admin2, request_id=987654, approve=True, now=NOW)


def test_two_admins_deciding_the_same_request_at_once_only_one_wins(committed_engine: Engine) -> None:
    factory = make_session_factory(committed_engine)
    with factory.begin() as setup:
        w = build_world(setup)
        enter(setup, w)
        publish(setup, w)
        request = changes_svc.request_change(
            setup, w.admin, result_id=result_of(setup, w, w.trainee).id, new_score=80, reason="why", now=NOW
        )
        admin3 = actor(setup, make_user(setup, "admin"))
    first, second = factory(), factory()
    try:
        # Both read the pending request before either writes (the race), then decide in turn.
        assert first.get(ChangeRequest, request.id).status == "pending"  # type: ignore[union-attr]
        assert second.get(ChangeRequest, request.id).status == "pending"  # type: ignore[union-attr]
        second.rollback()
        changes_svc.decide_change(first, w.admin2, request_id=request.id, approve=True, now=NOW)
        first.commit()
        with pytest.raises(ConflictError, match="already decided"):
            changes_svc.decide_change(second, admin3, request_id=request.id, approve=False, comment="no", now=NOW)
        second.rollback()
    finally:
        first.close()
        second.close()
    with factory() as check:
        assert check.get(ChangeRequest, request.id).decided_by_id == w.admin2.id  # type: ignore[union-attr]
        assert check.scalar(select(func.count()).where(ResultHistory.action == "changed")) == 1


def test_a_stale_approval_after_a_concurrent_change_is_refused_by_the_conditional_update(
    committed_engine: Engine,
) -> None:
    factory = make_session_factory(committed_engine)
    with factory.begin() as setup:
        w = build_world(setup)
        enter(setup, w)
        publish(setup, w)
        request = changes_svc.request_change(
            setup, w.admin, result_id=result_of(setup, w, w.trainee).id, new_score=80, reason="why", now=NOW
        )
    with factory() as stale:
        loaded = stale.get(ChangeRequest, request.id)
        assert loaded is not None and loaded.status == "pending"
        with factory.begin() as racer:
            changes_svc.decide_change(racer, w.admin2, request_id=request.id, approve=False, comment="no", now=NOW)
        # `stale` still holds the pending row in its identity map; the UPDATE ... WHERE status='pending' decides.
        with pytest.raises(ConflictError, match="already decided"):
            changes_svc.decide_change(stale, w.admin2, request_id=request.id, approve=True, now=NOW)
        stale.rollback()
    with factory() as check:
        assert check.get(ChangeRequest, request.id).status == "rejected"  # type: ignore[union-attr]


# --- eligibility gate ---------------------------------------------------------------------------


def test_trainees_ineligible_for_the_gate_period_are_flagged_in_grid_and_export(session: Session) -> None:
    w = build_world(session, period="2026-07")
    for day in range(1, 5):
        make_attendance(session, w.trainee, date(2026, 7, day), "present")
        make_attendance(session, w.trainee2, date(2026, 7, day), "absent" if day < 4 else "present")
    enter(session, w)
    grid = svc.get_review_grid(session, w.admin, assessment_id=w.assessment_id).set_index("trainee_id")
    assert bool(grid.loc[w.trainee.registration_number, "eligible"]) is True
    assert bool(grid.loc[w.trainee2.registration_number, "eligible"]) is False
    assert grid.loc[w.trainee2.registration_number, "flag"] == "⚠ ineligible: 25.00 % attended in 2026-07"
    assert grid.loc[w.trainee.registration_number, "flag"] == ""


def test_drafts_are_labelled_pass_or_fail_for_admins_only(session: Session) -> None:
    w = build_world(session)
    enter(session, w)
    labels = {
        role: set(svc.results_frame(session, viewer, assessment_id=w.assessment_id)["result"])
        for role, viewer in (("admin", w.admin), ("leadership", w.leadership), ("supervisor", w.supervisor))
    }
    assert labels["admin"] == {"pass", "fail"}
    assert labels["leadership"] == labels["supervisor"] == {"not published"}
    publish(session, w)
    assert set(svc.results_frame(session, w.leadership, assessment_id=w.assessment_id)["result"]) == {"pass", "fail"}


def test_the_attendance_gate_is_shown_with_a_published_result_to_the_trainee(session: Session) -> None:
    w = build_world(session, period="2026-07")
    for day in range(1, 5):
        make_attendance(session, w.trainee, date(2026, 7, day), "absent" if day < 4 else "present")
    enter(session, w, {w.trainee: "72.5"})
    publish(session, w)
    mine = svc.results_frame(session, w.as_trainee(session), trainee_id=w.trainee.id)
    assert mine["result"].tolist() == ["pass (ineligible: 25.00 % attended in 2026-07)"]


def test_a_stored_snapshot_decides_eligibility_at_that_time(session: Session) -> None:
    w = build_world(session, period="2026-07")
    make_attendance(session, w.trainee, date(2026, 7, 1), "absent")
    session.add(
        EligibilitySnapshot(
            trainee_id=w.trainee.id,
            period="2026-07",
            period_start=date(2026, 7, 1),
            period_end=date(2026, 7, 31),
            sessions=10,
            attended=9,
            percentage=Decimal("90"),
            threshold=Decimal("75"),
            eligible=True,
            computed_at=NOW,
        )
    )
    session.flush()
    enter(session, w)
    frame = svc.results_frame(session, w.admin, assessment_id=w.assessment_id).set_index("trainee_id")
    assert frame.loc[w.trainee.registration_number, "flag"] == ""
    assert frame.loc[w.trainee2.registration_number, "flag"].startswith("⚠ ineligible: 0.00 % attended")


def test_the_admin_grid_lists_trainees_without_a_score_as_not_entered(session: Session, world: World) -> None:
    enter(session, world, {world.trainee: 50})
    grid = svc.get_review_grid(session, world.admin, assessment_id=world.assessment_id).set_index("trainee_id")
    assert grid.loc[world.trainee2.registration_number, "state"] == "not entered"
    assert world.outsider.registration_number not in grid.index
    assert grid.loc[world.trainee.registration_number, ["percentage", "result", "grade"]].tolist() == [
        50.0,
        "pass",
        "D",
    ]


# --- visibility -----------------------------------------------------------------------------------


def test_supervisors_see_only_their_trainees_and_trainees_only_their_published_results(
    session: Session, world: World
) -> None:
    enter(session, world)
    regs = {world.trainee.registration_number, world.trainee2.registration_number}
    assert set(svc.results_frame(session, world.leadership)["trainee_id"]) >= regs
    assert set(svc.results_frame(session, world.supervisor)["trainee_id"]) == {world.trainee.registration_number}
    assert svc.results_frame(session, world.as_trainee(session)).empty
    assert svc.list_assessments(session, world.as_trainee(session)) == []
    publish(session, world)
    mine = svc.results_frame(session, world.as_trainee(session))
    assert mine["trainee_id"].tolist() == [world.trainee.registration_number]
    grid = svc.get_review_grid(session, world.supervisor, assessment_id=world.assessment_id)
    assert grid["trainee_id"].tolist() == [world.trainee.registration_number]


def test_history_outside_scope_is_not_found(session: Session, world: World) -> None:
    enter(session, world)
    other = result_of(session, world, world.trainee2).id
    own = result_of(session, world, world.trainee).id
    with pytest.raises(NotFoundError):
        changes_svc.get_result_history(session, world.supervisor, result_id=other)
    with pytest.raises(NotFoundError):
        changes_svc.get_result_history(session, world.as_trainee(session), result_id=own)  # still draft
    assert len(changes_svc.get_result_history(session, world.supervisor, result_id=own)) == 1


def test_change_requests_are_listed_within_scope(session: Session, world: World, published: int) -> None:
    changes_svc.request_change(session, world.admin, result_id=published, new_score=78, reason="why", now=NOW)
    assert len(changes_svc.list_change_requests(session, world.leadership, status="pending")) >= 1
    assert [i.result_id for i in changes_svc.list_change_requests(session, world.supervisor)] == [published]
    assert changes_svc.list_change_requests(session, world.other_supervisor) == []


# --- authorization matrix: every action x every role -----------------------------------------------

ROLES = ("admin", "supervisor", "leadership", "trainee")
Action = Callable[[Session, World, UserSummary], object]


def _raise_change(s: Session, w: World, who: UserSummary) -> object:
    return changes_svc.request_change(
        s, who, result_id=result_of(s, w, w.trainee).id, new_score=70, reason="r", now=NOW
    )


def _decide(s: Session, w: World, who: UserSummary) -> object:
    raised = changes_svc.request_change(
        s, w.admin2, result_id=result_of(s, w, w.trainee).id, new_score=70, reason="r", now=NOW
    )
    return changes_svc.decide_change(s, who, request_id=raised.id, approve=True, now=NOW)


ACTIONS: dict[str, tuple[Action, tuple[str, ...]]] = {
    "create_assessment": (
        lambda s, w, who: svc.create_assessment(
            s,
            who,
            title="X",
            department_id=w.department.id,
            assessment_date=date(2026, 1, 1),
            max_score=10,
            pass_mark=5,
            weight=10,
            group_name="g",
            now=NOW,
        ),
        ("admin",),
    ),
    "save_scores": (
        lambda s, w, who: scores_svc.save_scores(
            s, who, assessment_id=w.assessment_id, scores={w.trainee2.registration_number: 9}, now=NOW
        ),
        ("admin",),
    ),
    "import_scores_csv": (
        lambda s, w, who: scores_svc.import_scores_csv(
            s,
            who,
            assessment_id=w.assessment_id,
            content=f"trainee_id,score\n{w.trainee2.registration_number},9\n".encode(),
            now=NOW,
        ),
        ("admin",),
    ),
    "publish": (
        lambda s, w, who: transitions_svc.publish_results(s, who, assessment_id=w.assessment_id, now=NOW),
        ("admin",),
    ),
    "freeze": (
        lambda s, w, who: transitions_svc.freeze_results(
            s, who, assessment_id=w.assessment_id, result_ids=[result_of(s, w, w.trainee).id], now=NOW
        ),
        ("admin",),
    ),
    "request_change": (_raise_change, ("admin",)),
    "decide_change": (_decide, ("admin",)),
    "list_assessments": (lambda s, w, who: svc.list_assessments(s, who), ROLES),
    "results_frame": (lambda s, w, who: svc.results_frame(s, who), ROLES),
    "review_grid": (lambda s, w, who: svc.get_review_grid(s, who, assessment_id=w.assessment_id), ROLES),
    "list_change_requests": (
        lambda s, w, who: changes_svc.list_change_requests(s, who),
        ("admin", "supervisor", "leadership"),
    ),
    "list_group_weights": (lambda s, w, who: svc.list_group_weights(s, who), ("admin", "leadership")),
    "result_history": (
        lambda s, w, who: changes_svc.get_result_history(s, who, result_id=result_of(s, w, w.trainee).id),
        ROLES,
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_authorization_matrix(session: Session, world: World, name: str, role: str) -> None:
    enter(session, world, {world.trainee: 60})
    transitions_svc.publish_results(session, world.admin, assessment_id=world.assessment_id, now=NOW)
    enter(session, world, {world.trainee2: 50})
    who = {
        "admin": world.admin,
        "supervisor": world.supervisor,
        "leadership": world.leadership,
        "trainee": world.as_trainee(session),
    }[role]
    action, allowed = ACTIONS[name]
    if role in allowed:
        action(session, world, who)
    else:
        with pytest.raises(PermissionDeniedError):
            action(session, world, who)


def test_a_deactivated_admin_can_do_nothing(session: Session, world: World) -> None:
    user = session.get(User, world.admin2.id)
    assert user is not None
    user.is_active = False
    session.flush()
    with pytest.raises(PermissionDeniedError, match="not active"):
        transitions_svc.publish_results(session, world.admin2, assessment_id=world.assessment_id, now=NOW)


def test_a_stale_dto_claiming_admin_is_checked_against_the_database(session: Session, world: World) -> None:
    forged = UserSummary(id=world.supervisor.id, username=world.supervisor.username, full_name="x", role="admin")
    with pytest.raises(PermissionDeniedError):
        scores_svc.save_scores(
            session,
            forged,
            assessment_id=world.assessment_id,
            scores={world.trainee.registration_number: 1},
            now=datetime(2026, 1, 1),
        )
