"""Training years and cohorts: set one trainee's, promote trainees in bulk at year end (preview, then
confirm), and the dated history of every change.

A promotion moves a trainee from year N to N+1 only if they are still in year N when it is confirmed
(a conditional UPDATE), so a preview that went stale (someone else promoted them meanwhile) promotes
nobody twice. Each move writes a `training_year_changes` row with its effective date and the admin.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from core.dto import PromotionReport, PromotionRow, TrainingYearChangeItem, UserSummary
from core.errors import ConflictError, InvalidInputError, NotFoundError
from core.models import TrainingYearChange, User
from core.repositories import training as repo
from core.rules.access import ALL_ROLES
from core.rules.progress import compute_promotion
from core.rules.values import Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.training._common import clean_cohort, progress_settings

MAX_COHORT_LENGTH = 40


def set_training_year(
    session: Session,
    actor: UserSummary,
    *,
    trainee_id: int,
    training_year: int | None,
    cohort: str | None,
    effective_on: date,
    now: datetime,
) -> PromotionRow:
    """Set (or correct) one trainee's training year and cohort (admins); the change is dated and kept.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: no such trainee.
        InvalidInputError: the year is outside 1..N or the cohort too long; nothing changed.
    """
    authorize(session, actor, Role.ADMIN)
    trainee = session.get(User, trainee_id)
    if trainee is None or trainee.role != Role.TRAINEE:
        raise NotFoundError("No such trainee.")
    settings = progress_settings(session)
    label = clean_cohort(cohort)
    problems = []
    if training_year is not None and not 1 <= training_year <= settings.last_year:
        problems.append(f"the training year must be between 1 and {settings.last_year}")
    if label is not None and len(label) > MAX_COHORT_LENGTH:
        problems.append(f"the cohort must be at most {MAX_COHORT_LENGTH} characters")
    if problems:
        raise InvalidInputError("Cannot set the training year: " + "; ".join(problems) + ".", problems)
    before_year, before_cohort = trainee.training_year, trainee.cohort
    if (before_year, before_cohort) != (training_year, label):
        if not repo.set_trainee_year(
            session, trainee_id, expected_year=before_year, training_year=training_year, cohort=label
        ):
            raise ConflictError("The trainee's training year changed meanwhile; reload and try again.")
        _record_change(
            session, actor, trainee, before_year, training_year, before_cohort, label, effective_on, "set", now
        )
        session.refresh(trainee)
    return _row(trainee, trainee.department.name if trainee.department else "", before_year, training_year, "")


def preview_promotion(
    session: Session,
    actor: UserSummary,
    *,
    department_id: int | None = None,
    cohort: str | None = None,
    from_year: int | None = None,
) -> list[PromotionRow]:
    """Who a year-end promotion would move, and who stays (with why), for the chosen trainees (admins).

    Raises:
        PermissionDeniedError: the actor is not an admin.
    """
    authorize(session, actor, Role.ADMIN)
    last_year = progress_settings(session).last_year
    rows = repo.list_trainee_rows(
        session, actor.scope, department_id=department_id, training_year=from_year, cohort=clean_cohort(cohort)
    )
    preview = []
    for trainee_id, name, reg, _, department, _, year, trainee_cohort in rows:
        to_year, why = compute_promotion(year, last_year=last_year)
        preview.append(
            PromotionRow(
                trainee_id=trainee_id,
                trainee_name=name,
                registration_number=reg,
                department_name=department or "",
                cohort=trainee_cohort,
                from_year=year,
                to_year=to_year,
                note="" if why is None else f"stays: {why}",
            )
        )
    return preview


def promote_trainees(
    session: Session, actor: UserSummary, *, preview: Sequence[PromotionRow], effective_on: date, now: datetime
) -> PromotionReport:
    """Promote the previewed trainees one year, effective `effective_on` (admins); audited, dated history.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: nothing in the preview can be promoted.
        ConflictError: a trainee's year changed since the preview; nothing is promoted.
    """
    authorize(session, actor, Role.ADMIN)
    movable = [row for row in preview if row.to_year is not None]
    if not movable:
        raise InvalidInputError("Nobody in this preview can be promoted.")
    last_year = progress_settings(session).last_year
    for row in movable:
        trainee = session.get(User, row.trainee_id)
        to_year, _ = compute_promotion(row.from_year, last_year=last_year)
        if (
            trainee is None
            or to_year is None
            or not repo.set_trainee_year(
                session, row.trainee_id, expected_year=row.from_year, training_year=to_year, cohort=trainee.cohort
            )
        ):
            raise ConflictError(
                f"{row.trainee_name}'s training year changed since the preview; nothing was promoted. Preview again."
            )
        _record_change(
            session,
            actor,
            trainee,
            row.from_year,
            to_year,
            trainee.cohort,
            trainee.cohort,
            effective_on,
            "promotion",
            now,
        )
    record_event(
        session,
        actor=actor,
        action="trainees_promoted",
        now=now,
        entity_type="training_year",
        details={
            "promoted": len(movable),
            "skipped": len(preview) - len(movable),
            "effective_on": effective_on.isoformat(),
        },
    )
    return PromotionReport(promoted=len(movable), skipped=len(preview) - len(movable), effective_on=effective_on)


def list_year_history(
    session: Session, actor: UserSummary, *, trainee_id: int | None = None
) -> list[TrainingYearChangeItem]:
    """Training-year and cohort changes the actor may see, newest first."""
    authorize(session, actor, *ALL_ROLES)
    return [
        TrainingYearChangeItem(
            trainee_name=name,
            from_year=from_year,
            to_year=to_year,
            from_cohort=from_cohort,
            to_cohort=to_cohort,
            effective_on=effective_on,
            reason=reason,
            actor_name=actor_name or "system",
            at=at,
        )
        for name, from_year, to_year, from_cohort, to_cohort, effective_on, reason, actor_name, at, _ in (
            repo.list_year_changes(session, actor.scope, trainee_id=trainee_id)
        )
    ]


def list_cohorts(session: Session, actor: UserSummary) -> list[str]:
    """Cohorts of the trainees the actor may see (for filters)."""
    authorize(session, actor, *ALL_ROLES)
    return repo.list_cohorts(session, actor.scope)


def _record_change(
    session: Session,
    actor: UserSummary,
    trainee: User,
    from_year: int | None,
    to_year: int | None,
    from_cohort: str | None,
    to_cohort: str | None,
    effective_on: date,
    reason: str,
    now: datetime,
) -> None:
    session.add(
        TrainingYearChange(
            trainee_id=trainee.id,
            from_year=from_year,
            to_year=to_year,
            from_cohort=from_cohort,
            to_cohort=to_cohort,
            effective_on=effective_on,
            reason=reason,
            actor_id=actor.id,
            at=now,
        )
    )
    if reason != "promotion":  # a bulk promotion is audited once, with its counts
        record_event(
            session,
            actor=actor,
            action="training_year_set",
            now=now,
            entity_type="user",
            entity_id=trainee.id,
            details={"from_year": from_year, "to_year": to_year, "from_cohort": from_cohort, "to_cohort": to_cohort},
        )


def _row(trainee: User, department: str, from_year: int | None, to_year: int | None, note: str) -> PromotionRow:
    return PromotionRow(
        trainee_id=trainee.id,
        trainee_name=trainee.full_name,
        registration_number=trainee.registration_number,
        department_name=department,
        cohort=trainee.cohort,
        from_year=from_year,
        to_year=to_year,
        note=note,
    )
