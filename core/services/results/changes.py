"""Two-person change requests on published results, and a result's value and state history.

DESIGN.md §4.4: a published value changes only through a change request that a second admin
approves; every decision keeps who, when, old and new value (ResultHistory). The decision and
the new value are written with conditional UPDATEs (`WHERE status = 'pending'`,
`WHERE state = 'published' AND score = old`) so two admins racing cannot both succeed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pandas as pd
from sqlalchemy import update
from sqlalchemy.orm import Session

from core.dto import ChangeRequestItem, Scope, UserSummary
from core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from core.models import Assessment, ChangeRequest, Result, ResultHistory, User
from core.repositories import results as repo
from core.repositories import users as users_repo
from core.rules import results as rules
from core.rules.access import ALL_ROLES, can_see_trainee
from core.rules.values import ChangeRequestStatus, NotificationKind, ResultAction, ResultState, Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.notifications import notify
from core.services.results._common import RESULTS_LINK, get_assessment_or_raise

READERS = (Role.ADMIN, Role.LEADERSHIP, Role.SUPERVISOR)


def request_change(
    session: Session, actor: UserSummary, *, result_id: int, new_score: object, reason: str, now: datetime
) -> ChangeRequestItem:
    """Ask for a published result's value to change; another admin must decide.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: no such result.
        ConflictError: the result is not published, or a request is already pending for it.
        InvalidInputError: missing reason, or a score that is invalid or equal to the current one.
    """
    authorize(session, actor, Role.ADMIN)
    result = _get_result(session, result_id)
    if problem := rules.can_request_change(result.state):
        raise ConflictError(problem[0].upper() + problem[1:] + ".")
    assessment = get_assessment_or_raise(session, result.assessment_id)
    score = _checked_new_score(assessment, result, new_score, reason)
    if repo.get_pending_change_for_result(session, result.id) is not None:
        raise ConflictError("A change request for this result is already pending; decide it first.")
    request = ChangeRequest(
        result_id=result.id,
        requested_by_id=actor.id,
        requested_at=now,
        old_score=result.score,
        new_score=score,
        reason=reason.strip(),
        status=ChangeRequestStatus.PENDING,
    )
    session.add(request)
    session.flush()
    _notify_other_admins(session, actor, assessment, result, score, reason, now=now)
    record_event(
        session,
        actor=actor,
        action="result_change_requested",
        now=now,
        entity_type="result",
        entity_id=result.id,
        details={"request_id": request.id, "old": float(result.score), "new": float(score), "reason": reason.strip()},
    )
    return _change_item(session, request.id, actor)


def decide_change(
    session: Session, actor: UserSummary, *, request_id: int, approve: bool, now: datetime, comment: str | None = None
) -> ChangeRequestItem:
    """Approve (apply the new value, with history) or reject a pending change request.

    Raises:
        PermissionDeniedError: the actor is not an admin, or raised this request themselves.
        NotFoundError: no such request.
        ConflictError: already decided, or the result is no longer published with the old value.
        InvalidInputError: a rejection without a comment.
    """
    authorize(session, actor, Role.ADMIN)
    request = _get_decidable_request(session, actor, request_id=request_id, approve=approve, comment=comment)
    status = ChangeRequestStatus.APPROVED if approve else ChangeRequestStatus.REJECTED
    _claim_request(session, actor, request_id=request_id, status=status, comment=comment, now=now)
    result = _get_result(session, request.result_id)
    assessment = get_assessment_or_raise(session, result.assessment_id)
    if approve:
        _apply_change(session, actor, request, result, assessment, now=now)
    if request.requested_by_id is not None:
        notify(
            session,
            user_id=request.requested_by_id,
            kind=NotificationKind.CHANGE_REQUEST_DECIDED,
            now=now,
            link=RESULTS_LINK,
            title=f"Your change request was {status}: {assessment.title}",
            body=(comment or "").strip() or None,
        )
    record_event(
        session,
        actor=actor,
        action=f"result_change_{status}",
        now=now,
        entity_type="result",
        entity_id=result.id,
        details={
            "request_id": request.id,
            "old": float(request.old_score),
            "new": float(request.new_score),
            "comment": (comment or "").strip(),
        },
    )
    session.flush()
    session.expire_all()
    return _change_item(session, request.id, actor)


def list_change_requests(session: Session, actor: UserSummary, *, status: str | None = None) -> list[ChangeRequestItem]:
    """Change requests on results in the actor's scope, newest first."""
    authorize(session, actor, *READERS)
    return [_to_item(*row) for row in repo.list_change_request_rows(session, actor.scope, status=status)]


def get_result_history(session: Session, actor: UserSummary, *, result_id: int) -> pd.DataFrame:
    """A result's full value and state history (who, when, old, new, why).

    Raises:
        NotFoundError: no such result, or it is outside the actor's scope.
    """
    authorize(session, actor, *ALL_ROLES)
    result = _get_result(session, result_id)
    trainee = session.get(User, result.trainee_id)
    visible = trainee is not None and can_see_trainee(
        viewer_role=actor.role,
        viewer_id=actor.id,
        trainee_id=result.trainee_id,
        trainee_supervisor_id=trainee.supervisor_id,
    )
    if not visible or (actor.role == Role.TRAINEE and result.state == ResultState.DRAFT):
        raise NotFoundError("No such result.")
    rows = repo.list_history(session, result_id)
    return pd.DataFrame(
        [
            {
                "at": at,
                "action": action,
                "by": by or "system",
                "old_state": old_state or "",
                "new_state": new_state,
                "old_score": None if old is None else float(old),
                "new_score": None if new is None else float(new),
                "reason": reason or "",
                "requested_by": requester or "",
            }
            for at, action, by, old_state, new_state, old, new, reason, requester in rows
        ],
        columns=["at", "action", "by", "old_state", "new_state", "old_score", "new_score", "reason", "requested_by"],
    )


def _checked_new_score(assessment: Assessment, result: Result, new_score: object, reason: str) -> Decimal:
    score, error = rules.compute_score(new_score, Decimal(str(assessment.max_score)))
    problems = [f"new value: {error}"] if error else []
    if score is not None and score == Decimal(str(result.score)):
        problems.append(f"the new value equals the current value ({float(score):g})")
    if not (reason or "").strip():
        problems.append("a reason is required")
    if problems or score is None:  # no score always comes with a problem
        raise InvalidInputError("Cannot raise the change request: " + "; ".join(problems) + ".", problems)
    return score


def _notify_other_admins(
    session: Session,
    actor: UserSummary,
    assessment: Assessment,
    result: Result,
    score: Decimal,
    reason: str,
    *,
    now: datetime,
) -> None:
    trainee = session.get(User, result.trainee_id)
    for admin_id in repo.list_active_admin_ids(session):
        if admin_id != actor.id:
            notify(
                session,
                user_id=admin_id,
                kind=NotificationKind.CHANGE_REQUEST,
                now=now,
                link=RESULTS_LINK,
                title=f"Change request needs a second admin: {assessment.title}",
                body=f"{actor.full_name} asks to change {trainee.full_name if trainee else 'a trainee'}'s "
                f"score from {float(result.score):g} to {float(score):g}: {reason.strip()}",
            )


def _get_decidable_request(
    session: Session, actor: UserSummary, *, request_id: int, approve: bool, comment: str | None
) -> ChangeRequest:
    request = session.get(ChangeRequest, request_id)
    if request is None:
        raise NotFoundError("No such change request.")
    if request.status != ChangeRequestStatus.PENDING:
        raise ConflictError(f"This change request was already decided; current state: {request.status}.")
    if rules.can_decide_change(status=request.status, requested_by_id=request.requested_by_id, decider_id=actor.id):
        raise PermissionDeniedError("You raised this change request, so another admin must decide it.")
    if problem := _provenance_problem(session, actor, request.requested_by_id):
        raise PermissionDeniedError(problem)
    if not approve and not (comment or "").strip():
        raise InvalidInputError("A rejection needs a comment saying why.")
    return request


def _provenance_problem(session: Session, actor: UserSummary, requested_by_id: int | None) -> str | None:
    """The two-person rule also refuses a decider whose account the requester created or last reactivated."""
    decider = users_repo.get_user(session, actor.id) if actor.id is not None else None
    if decider is None or requested_by_id is None:
        return None
    if decider.created_by_id == requested_by_id:
        return (
            "Your account was created by the admin who raised this change request, "
            "so an admin independent of them must decide it."
        )
    if decider.reactivated_by_id == requested_by_id:
        return (
            "Your account was last reactivated by the admin who raised this change request, "
            "so an admin independent of them must decide it."
        )
    return None


def _claim_request(
    session: Session, actor: UserSummary, *, request_id: int, status: str, comment: str | None, now: datetime
) -> None:
    claimed = session.execute(
        update(ChangeRequest)
        .where(ChangeRequest.id == request_id, ChangeRequest.status == ChangeRequestStatus.PENDING)
        .values(status=status, decided_by_id=actor.id, decided_at=now, decision_comment=(comment or "").strip() or None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("This change request was already decided by someone else.")


def _apply_change(
    session: Session,
    actor: UserSummary,
    request: ChangeRequest,
    result: Result,
    assessment: Assessment,
    *,
    now: datetime,
) -> None:
    if problem := rules.can_request_change(result.state):
        raise ConflictError(f"Cannot apply the change: {problem}.")
    applied = session.execute(
        update(Result)
        .where(Result.id == result.id, Result.state == ResultState.PUBLISHED, Result.score == request.old_score)
        .values(score=request.new_score, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if applied.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("The result changed since this request was raised; nothing was applied.")
    session.add(
        ResultHistory(
            result_id=result.id,
            action=ResultAction.CHANGED,
            actor_id=actor.id,
            at=now,
            old_score=request.old_score,
            new_score=request.new_score,
            old_state=ResultState.PUBLISHED,
            new_state=ResultState.PUBLISHED,
            reason=request.reason,
            change_request_id=request.id,
        )
    )
    notify(
        session,
        user_id=result.trainee_id,
        kind=NotificationKind.RESULT_CHANGED,
        now=now,
        link=RESULTS_LINK,
        title=f"Your result was corrected: {assessment.title}",
        body=f"Score {float(request.old_score):g} → {float(request.new_score):g}. Reason: {request.reason}",
    )


def _change_item(session: Session, request_id: int, actor: UserSummary) -> ChangeRequestItem:
    rows = repo.list_change_request_rows(session, Scope(Role.ADMIN, actor.id), request_id=request_id)
    return _to_item(*rows[0])


def _to_item(
    request: ChangeRequest,
    title: str,
    trainee: str,
    registration: str | None,
    requester: str | None,
    decider: str | None,
) -> ChangeRequestItem:
    return ChangeRequestItem(
        id=request.id,
        result_id=request.result_id,
        assessment_title=title,
        trainee_name=trainee,
        registration_number=registration,
        old_score=float(request.old_score),
        new_score=float(request.new_score),
        reason=request.reason,
        status=request.status,
        requested_by_id=request.requested_by_id,
        requested_by=requester or "system",
        requested_at=request.requested_at,
        decided_by=decider,
        decided_at=request.decided_at,
        decision_comment=request.decision_comment,
    )


def _get_result(session: Session, result_id: int) -> Result:
    result = repo.get_result(session, result_id)
    if result is None:
        raise NotFoundError("No such result.")
    return result
