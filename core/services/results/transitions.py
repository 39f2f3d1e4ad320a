"""Publish and freeze: an assessment's results move draft -> published -> frozen, never back.

DESIGN.md §4.4: every transition keeps who and when (ResultHistory) and tells the trainee.
State changes use conditional UPDATEs (`WHERE state = ...`) so two admins racing on the same
rows cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.errors import ConflictError, NotFoundError
from core.models import Assessment, Notification, Result, ResultHistory
from core.repositories import results as repo
from core.rules import results as rules
from core.rules.values import NotificationKind, ResultAction, ResultState, Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.outbox import queue_event_mails
from core.services.results._common import RESULTS_LINK, get_assessment_or_raise


def publish_results(
    session: Session, actor: UserSummary, *, assessment_id: int, now: datetime, result_ids: list[int] | None = None
) -> int:
    """Publish the selected draft results (or all drafts) of an assessment; notifies trainees.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        ConflictError: a selected result is not in draft, or there is nothing to publish.
    """
    return _transition(
        session,
        actor,
        assessment_id=assessment_id,
        result_ids=result_ids,
        now=now,
        action=ResultAction.PUBLISHED,
        source=ResultState.DRAFT,
        target=ResultState.PUBLISHED,
        check=rules.can_publish,
    )


def freeze_results(
    session: Session, actor: UserSummary, *, assessment_id: int, now: datetime, result_ids: list[int] | None = None
) -> int:
    """Freeze the selected published results (or all published ones); frozen is final.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        ConflictError: a selected result is not published or has a pending change request, or there is
            nothing to freeze.
    """
    return _transition(
        session,
        actor,
        assessment_id=assessment_id,
        result_ids=result_ids,
        now=now,
        action=ResultAction.FROZEN,
        source=ResultState.PUBLISHED,
        target=ResultState.FROZEN,
        check=rules.can_freeze,
    )


def _transition(
    session: Session,
    actor: UserSummary,
    *,
    assessment_id: int,
    result_ids: list[int] | None,
    now: datetime,
    action: ResultAction,
    source: ResultState,
    target: ResultState,
    check: Callable[[str], str | None],
) -> int:
    authorize(session, actor, Role.ADMIN)
    assessment = get_assessment_or_raise(session, assessment_id)
    chosen = _choose_results(session, assessment_id, result_ids, source=source, target=target, check=check)
    ids = [r.id for r in chosen]
    if target == ResultState.FROZEN:
        _refuse_freezing_pending_changes(session, assessment_id, ids)
    values: dict[str, Any] = {"state": target, "updated_at": now}
    values.update(
        {"published_by_id": actor.id, "published_at": now}
        if target == ResultState.PUBLISHED
        else {"frozen_by_id": actor.id, "frozen_at": now}
    )
    moved = session.execute(
        update(Result)
        .where(Result.id.in_(ids), Result.state == source)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != len(ids):  # type: ignore[attr-defined]
        raise ConflictError("Some results changed state while you were working; nothing was changed. Reload and retry.")
    session.execute(
        insert(ResultHistory),
        [
            {
                "result_id": r.id,
                "action": action,
                "actor_id": actor.id,
                "at": now,
                "old_score": r.score,
                "new_score": r.score,
                "old_state": source,
                "new_state": target,
            }
            for r in chosen
        ],
    )
    _notify_trainees(session, assessment, chosen, action=action, target=target, now=now)
    record_event(
        session,
        actor=actor,
        action=f"results_{action}",
        now=now,
        entity_type="assessment",
        entity_id=assessment.id,
        details={"count": len(ids), "selected": result_ids is not None},
    )
    session.expire_all()
    return len(ids)


def _choose_results(
    session: Session,
    assessment_id: int,
    result_ids: list[int] | None,
    *,
    source: str,
    target: str,
    check: Callable[[str], str | None],
) -> list[Result]:
    """The selected results (each must pass `check`), or every result in `source` when none are selected."""
    if result_ids is not None:
        chosen = list(repo.list_results_by_ids(session, assessment_id, result_ids))
        if not result_ids or len(chosen) != len(set(result_ids)):
            raise NotFoundError("Some selected results do not belong to this assessment.")
        for result in chosen:
            if problem := check(result.state):
                raise ConflictError(problem[0].upper() + problem[1:] + ".")
        return chosen
    chosen = list(repo.list_results_in_state(session, assessment_id, source))
    if not chosen:
        if target == ResultState.PUBLISHED:
            raise ConflictError("There are no draft results to publish: the results are already published.")
        raise ConflictError(f"There are no {source} results to freeze.")
    return chosen


def _refuse_freezing_pending_changes(session: Session, assessment_id: int, ids: list[int]) -> None:
    """Frozen is final, so a pending change request would be left undecidable: it is decided first."""
    waiting = repo.list_result_ids_with_pending_change(session, assessment_id).intersection(ids)
    if waiting:
        raise ConflictError(
            f"{len(waiting)} of these results {'has' if len(waiting) == 1 else 'have'} a pending change request; "
            "approve or reject it first, then freeze (frozen results can no longer change). Nothing was frozen."
        )


def _notify_trainees(
    session: Session,
    assessment: Assessment,
    chosen: list[Result],
    *,
    action: ResultAction,
    target: ResultState,
    now: datetime,
) -> None:
    verb = "published" if target == ResultState.PUBLISHED else "finalised (frozen)"
    rows = [
        {
            "user_id": r.trainee_id,
            "kind": NotificationKind(f"result_{action}"),
            "created_at": now,
            "link": RESULTS_LINK,
            "title": f"Your result is {verb}: {assessment.title}",
            "body": f"{assessment.title} ({assessment.assessment_date.isoformat()}): score {float(r.score):g} "
            f"of {float(assessment.max_score):g}.",
        }
        for r in chosen
    ]
    # One multi-row INSERT rather than notify() per trainee (which flushes each time): a cohort is thousands.
    session.execute(insert(Notification), rows)
    kind = NotificationKind(f"result_{action}")
    mails = [
        (r.trainee_id, kind, str(row["title"]), str(row["body"]), RESULTS_LINK)
        for r, row in zip(chosen, rows, strict=True)
    ]
    queue_event_mails(session, mails, now=now)
