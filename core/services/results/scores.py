"""Draft score entry for an assessment, from the review grid or a `trainee_id,score` CSV.

DESIGN.md §4.4: values change only in draft; every entry and edit keeps who, when, old and new
value (ResultHistory). A batch is all or nothing: one bad row and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from core.dto import ScoreImportReport, UserSummary
from core.errors import InvalidInputError
from core.models import Assessment, Result, ResultHistory, User
from core.repositories import results as repo
from core.rules import results as rules
from core.rules.values import ResultAction, ResultState, Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.results._common import get_assessment_or_raise


def save_scores(
    session: Session, actor: UserSummary, *, assessment_id: int, scores: dict[str, object], now: datetime
) -> ScoreImportReport:
    """Save draft scores from the review grid, keyed by registration number; all or nothing.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: any bad score or trainee; `errors` lists "<trainee_id>: message".
    """
    authorize(session, actor, Role.ADMIN)
    assessment = get_assessment_or_raise(session, assessment_id)
    rows: list[tuple[str, str, Decimal]] = []
    errors: list[str] = []
    for registration, raw in scores.items():
        score, error = rules.compute_score(raw, Decimal(str(assessment.max_score)))
        if error or score is None:
            errors.append(f"{registration}: {error}")
        else:
            rows.append((str(registration), str(registration), score))
    return _apply_scores(session, actor, assessment, rows, errors, now=now, source="grid")


def import_scores_csv(
    session: Session,
    actor: UserSummary,
    *,
    assessment_id: int,
    content: bytes,
    now: datetime,
    file_name: str = "scores.csv",
) -> ScoreImportReport:
    """Load draft scores from a `trainee_id,score` CSV, all or nothing (header is row 1).

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: any bad row; `errors` lists "row N: message" and nothing is written.
    """
    authorize(session, actor, Role.ADMIN)
    assessment = get_assessment_or_raise(session, assessment_id)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError("The file is not UTF-8 text: save it as 'CSV UTF-8' and try again.") from None
    parsed, errors = rules.compute_score_rows(text, Decimal(str(assessment.max_score)))
    rows = [(f"row {r.row}", r.trainee_id, r.score) for r in parsed]
    return _apply_scores(session, actor, assessment, rows, errors, now=now, source=file_name)


@dataclass(frozen=True)
class _Target:
    label: str
    trainee: User
    score: Decimal


def _apply_scores(
    session: Session,
    actor: UserSummary,
    assessment: Assessment,
    rows: list[tuple[str, str, Decimal]],
    errors: list[str],
    *,
    now: datetime,
    source: str,
) -> ScoreImportReport:
    targets, existing = _resolve_targets(session, assessment, rows, errors)
    if errors:  # bad input writes nothing, not even an audit row (the caller's rollback would drop it anyway)
        raise InvalidInputError(f"Nothing was saved: {len(errors)} problem(s).", sorted(errors, key=_row_order))
    created, updated, unchanged = _write_scores(session, actor, assessment, targets, existing, now=now)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="scores_saved",
        now=now,
        entity_type="assessment",
        entity_id=assessment.id,
        details={"source": source, "created": created, "updated": updated, "unchanged": unchanged},
    )
    return ScoreImportReport(assessment.id, created, updated, unchanged)


def _resolve_targets(
    session: Session, assessment: Assessment, rows: list[tuple[str, str, Decimal]], errors: list[str]
) -> tuple[list[_Target], dict[int, Result]]:
    """Match rows to the assessment's trainees; appends a message to `errors` for each row that cannot be saved."""
    trainees = repo.get_trainees_by_registration(session, [r[1] for r in rows])
    existing = repo.get_results_by_trainee(session, assessment.id)
    targets: list[_Target] = []
    for label, registration, score in rows:
        trainee = trainees.get(registration.strip().lower())
        if trainee is None or trainee.role != Role.TRAINEE:
            errors.append(f"{label}: unknown trainee_id '{registration}'")
        elif trainee.department_id != assessment.department_id:
            errors.append(f"{label}: trainee '{registration}' is not in this assessment's department")
        elif (current := existing.get(trainee.id)) is not None and (problem := rules.can_edit_score(current.state)):
            errors.append(f"{label}: trainee '{registration}': {problem}")
        else:
            targets.append(_Target(label, trainee, score))
    return targets, existing


def _write_scores(
    session: Session,
    actor: UserSummary,
    assessment: Assessment,
    targets: list[_Target],
    existing: dict[int, Result],
    *,
    now: datetime,
) -> tuple[int, int, int]:
    """Insert new draft results and edit changed ones, with history; returns (created, updated, unchanged)."""
    fresh = [t for t in targets if t.trainee.id not in existing]
    history: list[dict[str, Any]] = []
    if fresh:
        # One multi-row INSERT ... RETURNING instead of a flush per row (a cohort is thousands).
        ids = session.execute(
            insert(Result).returning(Result.id, Result.trainee_id),
            [
                {
                    "assessment_id": assessment.id,
                    "trainee_id": t.trainee.id,
                    "score": t.score,
                    "state": ResultState.DRAFT,
                    "entered_by_id": actor.id,
                    "entered_at": now,
                    "updated_at": now,
                }
                for t in fresh
            ],
        ).all()
        scores = {t.trainee.id: t.score for t in fresh}
        history += [
            _history_row(rid, ResultAction.ENTERED, actor, now, None, scores[tid], None, ResultState.DRAFT)
            for rid, tid in ids
        ]
    updated = unchanged = 0
    for target in targets:
        result = existing.get(target.trainee.id)
        if result is None:
            continue
        if Decimal(str(result.score)) == target.score:
            unchanged += 1
            continue
        history.append(
            _history_row(
                result.id,
                ResultAction.EDITED,
                actor,
                now,
                result.score,
                target.score,
                ResultState.DRAFT,
                ResultState.DRAFT,
            )
        )
        result.score = target.score
        result.updated_at = now
        updated += 1
    if history:
        session.execute(insert(ResultHistory), history)
    return len(fresh), updated, unchanged


def _history_row(
    result_id: int,
    action: ResultAction,
    actor: UserSummary,
    now: datetime,
    old: Decimal | None,
    new: Decimal | None,
    old_state: str | None,
    new_state: str,
) -> dict[str, Any]:
    return {
        "result_id": result_id,
        "action": action,
        "actor_id": actor.id,
        "at": now,
        "old_score": old,
        "new_score": new,
        "old_state": old_state,
        "new_state": new_state,
        "reason": None,
        "change_request_id": None,
    }


def _row_order(message: str) -> tuple[int, str]:
    head = message.split(":", 1)[0]
    return (int(head[4:]), message) if head.startswith("row ") and head[4:].isdigit() else (10**9, message)
