"""Two persons (issue 14, item 8): an admin account cannot decide a change request raised by the
admin who created or last reactivated it; the refusal says why, and the account events name their
creator (SQLite, and PostgreSQL through the session fixture)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.errors import PermissionDeniedError
from core.models import AuditEvent, ChangeRequest, Result
from core.services.results import assessments as assessments_svc
from core.services.results import changes as changes_svc
from core.services.results import scores as scores_svc
from core.services.results import transitions as transitions_svc
from core.services.users.accounts import create_user, set_user_active
from tests.factories import NOW, actor, make_department, make_user


@dataclass
class World:
    admin: UserSummary
    admin2: UserSummary


def _published(session: Session) -> tuple[World, int]:
    """Two independent admins and one published result of 72.5."""
    department = make_department(session)
    trainee = make_user(session, "trainee", department=department)
    world = World(actor(session, make_user(session, "admin")), actor(session, make_user(session, "admin")))
    assessment = assessments_svc.create_assessment(
        session,
        world.admin,
        title="Paper 1",
        department_id=department.id,
        assessment_date=date(2026, 10, 1),
        max_score=100,
        pass_mark=50,
        weight=40,
        group_name=f"Y2 {department.id}",
        now=NOW,
    )
    scores = {trainee.registration_number: "72.5"}
    scores_svc.save_scores(session, world.admin, assessment_id=assessment.id, scores=scores, now=NOW)
    transitions_svc.publish_results(session, world.admin, assessment_id=assessment.id, now=NOW)
    result = session.scalars(select(Result).where(Result.assessment_id == assessment.id)).one()
    return world, result.id


def _account_by(session: Session, creator: UserSummary) -> UserSummary:
    created = create_user(
        session, creator, username=f"second.{creator.id}", full_name="Second Admin", role="admin", now=NOW
    )
    return created


def _event(session: Session, action: str, user_id: int) -> AuditEvent:
    return session.scalars(
        select(AuditEvent).where(AuditEvent.action == action, AuditEvent.entity_id == str(user_id))
    ).one()


@pytest.mark.parametrize("approve", [True, False])
def test_an_admin_created_by_the_requester_cannot_decide_and_another_admin_can(session: Session, approve: bool) -> None:
    world, result_id = _published(session)
    puppet = _account_by(session, world.admin)
    created = _event(session, "user_created", puppet.id)  # type: ignore[arg-type]
    assert created.actor_id == world.admin.id
    assert created.details["created_by"] == world.admin.username  # type: ignore[index]

    raised = changes_svc.request_change(session, world.admin, result_id=result_id, new_score=78, reason="why", now=NOW)
    with pytest.raises(PermissionDeniedError) as refused:
        changes_svc.decide_change(session, puppet, request_id=raised.id, approve=approve, comment="ok", now=NOW)
    assert refused.value.message == (
        "Your account was created by the admin who raised this change request, "
        "so an admin independent of them must decide it."
    )
    session.expire_all()
    assert session.get(ChangeRequest, raised.id).status == "pending"  # type: ignore[union-attr]
    assert session.get(Result, result_id).score == Decimal("72.5")  # type: ignore[union-attr]

    done = changes_svc.decide_change(
        session, world.admin2, request_id=raised.id, approve=approve, comment="ok", now=NOW
    )
    assert done.status == ("approved" if approve else "rejected")
    session.expire_all()
    assert session.get(Result, result_id).score == (Decimal("78") if approve else Decimal("72.5"))  # type: ignore[union-attr]


def test_an_admin_last_reactivated_by_the_requester_cannot_decide(session: Session) -> None:
    world, result_id = _published(session)
    third = actor(session, make_user(session, "admin"))
    set_user_active(session, world.admin2, third.id, active=False, now=NOW)  # type: ignore[arg-type]
    set_user_active(session, world.admin, third.id, active=True, now=NOW)  # type: ignore[arg-type]
    reactivated = _event(session, "user_reactivated", third.id)  # type: ignore[arg-type]
    assert reactivated.actor_id == world.admin.id
    assert reactivated.details["reactivated_by"] == world.admin.username  # type: ignore[index]

    raised = changes_svc.request_change(session, world.admin, result_id=result_id, new_score=80, reason="why", now=NOW)
    with pytest.raises(PermissionDeniedError, match="last reactivated by the admin who raised this change request"):
        changes_svc.decide_change(session, third, request_id=raised.id, approve=True, now=NOW)
    # an account the requester neither created nor reactivated decides it
    assert changes_svc.decide_change(session, world.admin2, request_id=raised.id, approve=True, now=NOW).status == (
        "approved"
    )


def test_a_later_reactivation_by_someone_else_does_not_forget_the_creator(session: Session) -> None:
    world, result_id = _published(session)
    puppet = _account_by(session, world.admin)
    set_user_active(session, world.admin2, puppet.id, active=False, now=NOW)  # type: ignore[arg-type]
    set_user_active(session, world.admin2, puppet.id, active=True, now=NOW)  # type: ignore[arg-type]
    raised = changes_svc.request_change(session, world.admin, result_id=result_id, new_score=81, reason="why", now=NOW)
    with pytest.raises(PermissionDeniedError, match="created by the admin who raised"):
        changes_svc.decide_change(session, puppet, request_id=raised.id, approve=True, now=NOW)
