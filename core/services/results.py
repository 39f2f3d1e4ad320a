"""Assessments and results: scores in draft, publish, freeze, and two-person change requests.

DESIGN.md §4.4: draft -> published -> frozen; values change only in draft; a published value
changes only through a change request that a second admin approves; every transition keeps
who, when, old and new value (ResultHistory). State changes use conditional UPDATEs
(`WHERE state = ...`) so two admins racing on the same rows cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from core.dto import AssessmentSummary, ChangeRequestItem, Scope, ScoreImportReport, UserSummary
from core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from core.models import Assessment, ChangeRequest, Department, Notification, Result, ResultHistory, User
from core.repositories import results as repo
from core.rules import results as rules
from core.rules.access import ADMIN, ALL_ROLES, LEADERSHIP, SUPERVISOR, can_see_trainee
from core.rules.eligibility import compute_eligibility, compute_period
from core.services.access import authorize
from core.services.audit import record_event
from core.services.notifications import notify
from core.services.settings import get_setting

READERS = (ADMIN, LEADERSHIP, SUPERVISOR)
RESULTS_LINK = "/results"


def create_assessment(
    session: Session,
    actor: UserSummary,
    *,
    title: str,
    department_id: int,
    assessment_date: date,
    max_score: Decimal | float | str,
    pass_mark: Decimal | float | str,
    weight: Decimal | float | str,
    group_name: str,
    now: datetime,
    eligibility_period: str | None = None,
) -> AssessmentSummary:
    """Create an assessment (admins); its group's weights may not exceed 100 %.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: a field is missing or out of range, or the group would exceed 100 %.
        NotFoundError: no such department.
    """
    authorize(session, actor, ADMIN)
    department = session.get(Department, department_id)
    if department is None:
        raise NotFoundError("No such department.")
    maximum, passing, share = _decimal(max_score, "maximum score"), _decimal(pass_mark, "pass mark"), _decimal(weight, "weight")
    problems = rules.compute_assessment_problems(
        title=title, max_score=maximum, pass_mark=passing, weight=share, group=group_name
    )
    period_label = (eligibility_period or "").strip() or None
    if period_label:
        try:
            period_label = compute_period(period_label).label
        except ValueError as exc:
            problems.append(f"eligibility period {exc}")
    if title.strip() and repo.get_assessment_by_title(session, department_id, title) is not None:
        problems.append(f"'{title.strip()}' already exists in {department.name}")
    if not problems and (problem := rules.compute_weight_problem(repo.list_group_weights(session, group_name), share, group_name.strip())):
        problems.append(problem)
    if problems:
        raise InvalidInputError("Cannot create the assessment: " + "; ".join(problems) + ".", problems)
    assessment = Assessment(
        title=title.strip(), department_id=department_id, assessment_date=assessment_date, max_score=maximum,
        pass_mark=passing, weight=share, group_name=group_name.strip(), eligibility_period=period_label,
        created_by_id=actor.id, created_at=now,
    )
    session.add(assessment)
    session.flush()
    record_event(session, actor=actor, action="assessment_created", now=now, entity_type="assessment",
                 entity_id=assessment.id, details={"title": assessment.title, "group": assessment.group_name,
                                                   "weight": float(share), "department": department.name})
    return _summary(assessment, department.name, (0, 0, 0), repo.list_group_weights(session, group_name))


def list_assessments(session: Session, actor: UserSummary) -> list[AssessmentSummary]:
    """Assessments the actor may see, newest first, with result counts and group weight status."""
    authorize(session, actor, *ALL_ROLES)
    groups = repo.list_all_group_weights(session)
    return [
        _summary(a, dept, (int(d or 0), int(p or 0), int(f or 0)), groups.get(a.group_name, []))
        for a, dept, d, p, f in repo.list_assessment_rows(session, actor.scope)
    ]


def list_group_weights(session: Session, actor: UserSummary) -> pd.DataFrame:
    """Each assessment group's total weight, flagged unless exactly 100 %."""
    authorize(session, actor, ADMIN, LEADERSHIP)
    rows = [rules.compute_group_weight(name, weights) for name, weights in sorted(repo.list_all_group_weights(session).items())]
    return pd.DataFrame(
        [{"group": g.group, "total_weight": float(g.total), "status": "ok" if g.complete else "⚠ " + g.message} for g in rows],
        columns=["group", "total_weight", "status"],
    )


def get_review_grid(session: Session, actor: UserSummary, *, assessment_id: int) -> pd.DataFrame:
    """One row per trainee for an assessment, with derived grade and eligibility flag.

    Admins get every active trainee of the assessment's department (empty score = not entered);
    supervisors and leadership get the existing results in their scope; trainees their own
    published or frozen result.

    Raises:
        NotFoundError: no such assessment (or not visible).
    """
    authorize(session, actor, *ALL_ROLES)
    assessment = _get_assessment(session, assessment_id)
    frame = results_frame(session, actor, assessment_id=assessment_id)
    if actor.role == ADMIN:
        present = set(frame["trainee_pk"]) if not frame.empty else set()
        missing = [t for t in repo.list_department_trainees(session, assessment.department_id) if t.id not in present]
        if missing:
            extra = pd.DataFrame([{
                "result_id": None, "trainee_pk": t.id, "trainee_id": t.registration_number, "trainee": t.full_name,
                "supervisor": t.supervisor.full_name if t.supervisor else "", "state": "not entered", "score": None,
            } for t in missing])
            extra = _derive(extra, assessment)
            extra = _flag_eligibility(session, extra, assessment.eligibility_period)
            frame = pd.concat([frame, extra], ignore_index=True) if not frame.empty else extra
        frame = frame.sort_values("trainee", kind="stable").reset_index(drop=True)
    return frame


def results_frame(session: Session, actor: UserSummary, *, assessment_id: int | None = None,
                  trainee_id: int | None = None) -> pd.DataFrame:
    """Visible results with percentage, pass/fail, grade and eligibility flag (for grids and exports)."""
    authorize(session, actor, *ALL_ROLES)
    rows = session.execute(repo.results_query(actor.scope, assessment_id=assessment_id, trainee_id=trainee_id)).all()
    columns = ["result_id", "assessment_id", "assessment", "group", "date", "max_score", "pass_mark", "weight",
               "eligibility_period", "department", "trainee_pk", "trainee_id", "trainee", "supervisor", "score",
               "state", "published_at", "frozen_at"]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    if frame.empty:
        return _empty_results(frame)
    for col in ("max_score", "pass_mark", "weight", "score"):
        frame[col] = frame[col].astype(float)
    grades = [rules.compute_grade(s, max_score=m, pass_mark=p)
              for s, m, p in zip(frame["score"], frame["max_score"], frame["pass_mark"], strict=True)]
    frame["percentage"] = [g.percentage for g in grades]
    frame["result"] = ["pass" if g.passed else "fail" for g in grades]
    frame["grade"] = [g.band for g in grades]
    frame["eligible"] = None
    frame["flag"] = ""
    for period, part in frame.groupby("eligibility_period", dropna=True):
        flagged = _flag_eligibility(session, part.copy(), str(period))
        frame.loc[part.index, "eligible"] = flagged["eligible"]
        frame.loc[part.index, "flag"] = flagged["flag"]
    frame["supervisor"] = frame["supervisor"].fillna("")
    return frame


def save_scores(session: Session, actor: UserSummary, *, assessment_id: int, scores: dict[str, object],
                now: datetime) -> ScoreImportReport:
    """Save draft scores from the review grid, keyed by registration number; all or nothing.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: any bad score or trainee; `errors` lists "<trainee_id>: message".
    """
    authorize(session, actor, ADMIN)
    assessment = _get_assessment(session, assessment_id)
    rows: list[tuple[str, str, Decimal]] = []
    errors: list[str] = []
    for registration, raw in scores.items():
        score, error = rules.compute_score(raw, Decimal(str(assessment.max_score)))
        if error or score is None:
            errors.append(f"{registration}: {error}")
        else:
            rows.append((str(registration), str(registration), score))
    return _apply_scores(session, actor, assessment, rows, errors, now=now, source="grid")


def import_scores_csv(session: Session, actor: UserSummary, *, assessment_id: int, content: bytes,
                      now: datetime, file_name: str = "scores.csv") -> ScoreImportReport:
    """Load draft scores from a `trainee_id,score` CSV, all or nothing (header is row 1).

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: any bad row; `errors` lists "row N: message" and nothing is written.
    """
    authorize(session, actor, ADMIN)
    assessment = _get_assessment(session, assessment_id)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError("The file is not UTF-8 text: save it as 'CSV UTF-8' and try again.") from None
    parsed, errors = rules.compute_score_rows(text, Decimal(str(assessment.max_score)))
    rows = [(f"row {r.row}", r.trainee_id, r.score) for r in parsed]
    return _apply_scores(session, actor, assessment, rows, errors, now=now, source=file_name)


def publish_results(session: Session, actor: UserSummary, *, assessment_id: int, now: datetime,
                    result_ids: list[int] | None = None) -> int:
    """Publish the selected draft results (or all drafts) of an assessment; notifies trainees.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        ConflictError: a selected result is not in draft, or there is nothing to publish.
    """
    return _transition(session, actor, assessment_id=assessment_id, result_ids=result_ids, now=now,
                       action="published", source=rules.DRAFT, target=rules.PUBLISHED, check=rules.can_publish)


def freeze_results(session: Session, actor: UserSummary, *, assessment_id: int, now: datetime,
                   result_ids: list[int] | None = None) -> int:
    """Freeze the selected published results (or all published ones); frozen is final.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        ConflictError: a selected result is not published or has a pending change request, or there is
            nothing to freeze.
    """
    return _transition(session, actor, assessment_id=assessment_id, result_ids=result_ids, now=now,
                       action="frozen", source=rules.PUBLISHED, target=rules.FROZEN, check=rules.can_freeze)


def request_change(session: Session, actor: UserSummary, *, result_id: int, new_score: object, reason: str,
                   now: datetime) -> ChangeRequestItem:
    """Ask for a published result's value to change; another admin must decide.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: no such result.
        ConflictError: the result is not published, or a request is already pending for it.
        InvalidInputError: missing reason, or a score that is invalid or equal to the current one.
    """
    authorize(session, actor, ADMIN)
    result = _get_result(session, result_id)
    if problem := rules.can_request_change(result.state):
        raise ConflictError(problem[0].upper() + problem[1:] + ".")
    assessment = _get_assessment(session, result.assessment_id)
    score, error = rules.compute_score(new_score, Decimal(str(assessment.max_score)))
    problems = [f"new value: {error}"] if error else []
    if score is not None and score == Decimal(str(result.score)):
        problems.append(f"the new value equals the current value ({float(score):g})")
    if not (reason or "").strip():
        problems.append("a reason is required")
    if problems or score is None:  # no score always comes with a problem
        raise InvalidInputError("Cannot raise the change request: " + "; ".join(problems) + ".", problems)
    if repo.get_pending_change_for_result(session, result.id) is not None:
        raise ConflictError("A change request for this result is already pending; decide it first.")
    request = ChangeRequest(result_id=result.id, requested_by_id=actor.id, requested_at=now,
                            old_score=result.score, new_score=score, reason=reason.strip(), status="pending")
    session.add(request)
    session.flush()
    trainee = session.get(User, result.trainee_id)
    for admin_id in repo.list_active_admin_ids(session):
        if admin_id != actor.id:
            notify(session, user_id=admin_id, kind="change_request", now=now, link=RESULTS_LINK,
                   title=f"Change request needs a second admin: {assessment.title}",
                   body=f"{actor.full_name} asks to change {trainee.full_name if trainee else 'a trainee'}'s "
                        f"score from {float(result.score):g} to {float(score):g}: {reason.strip()}")
    record_event(session, actor=actor, action="result_change_requested", now=now, entity_type="result",
                 entity_id=result.id, details={"request_id": request.id, "old": float(result.score),
                                               "new": float(score), "reason": reason.strip()})
    return _change_item(session, request.id, actor)


def decide_change(session: Session, actor: UserSummary, *, request_id: int, approve: bool, now: datetime,
                  comment: str | None = None) -> ChangeRequestItem:
    """Approve (apply the new value, with history) or reject a pending change request.

    Raises:
        PermissionDeniedError: the actor is not an admin, or raised this request themselves.
        NotFoundError: no such request.
        ConflictError: already decided, or the result is no longer published with the old value.
        InvalidInputError: a rejection without a comment.
    """
    authorize(session, actor, ADMIN)
    request = session.get(ChangeRequest, request_id)
    if request is None:
        raise NotFoundError("No such change request.")
    if request.status != "pending":
        raise ConflictError(f"This change request was already decided; current state: {request.status}.")
    if rules.can_decide_change(status=request.status, requested_by_id=request.requested_by_id, decider_id=actor.id):
        raise PermissionDeniedError("You raised this change request, so another admin must decide it.")
    if not approve and not (comment or "").strip():
        raise InvalidInputError("A rejection needs a comment saying why.")
    status = "approved" if approve else "rejected"
    claimed = session.execute(
        update(ChangeRequest)
        .where(ChangeRequest.id == request_id, ChangeRequest.status == "pending")
        .values(status=status, decided_by_id=actor.id, decided_at=now, decision_comment=(comment or "").strip() or None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("This change request was already decided by someone else.")
    result = _get_result(session, request.result_id)
    assessment = _get_assessment(session, result.assessment_id)
    if approve:
        if problem := rules.can_request_change(result.state):
            raise ConflictError(f"Cannot apply the change: {problem}.")
        applied = session.execute(
            update(Result)
            .where(Result.id == result.id, Result.state == rules.PUBLISHED, Result.score == request.old_score)
            .values(score=request.new_score, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if applied.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError("The result changed since this request was raised; nothing was applied.")
        session.add(ResultHistory(result_id=result.id, action="changed", actor_id=actor.id, at=now,
                                  old_score=request.old_score, new_score=request.new_score,
                                  old_state=rules.PUBLISHED, new_state=rules.PUBLISHED, reason=request.reason,
                                  change_request_id=request.id))
        notify(session, user_id=result.trainee_id, kind="result_changed", now=now, link=RESULTS_LINK,
               title=f"Your result was corrected: {assessment.title}",
               body=f"Score {float(request.old_score):g} → {float(request.new_score):g}. Reason: {request.reason}")
    if request.requested_by_id is not None:
        notify(session, user_id=request.requested_by_id, kind="change_request_decided", now=now, link=RESULTS_LINK,
               title=f"Your change request was {status}: {assessment.title}",
               body=(comment or "").strip() or None)
    record_event(session, actor=actor, action=f"result_change_{status}", now=now, entity_type="result",
                 entity_id=result.id, details={"request_id": request.id, "old": float(request.old_score),
                                               "new": float(request.new_score), "comment": (comment or "").strip()})
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
        viewer_role=actor.role, viewer_id=actor.id, trainee_id=result.trainee_id,
        trainee_supervisor_id=trainee.supervisor_id,
    )
    if not visible or (actor.role == "trainee" and result.state == rules.DRAFT):
        raise NotFoundError("No such result.")
    rows = repo.list_history(session, result_id)
    return pd.DataFrame(
        [{"at": at, "action": action, "by": by or "system", "old_state": old_state or "", "new_state": new_state,
          "old_score": None if old is None else float(old), "new_score": None if new is None else float(new),
          "reason": reason or "", "requested_by": requester or ""}
         for at, action, by, old_state, new_state, old, new, reason, requester in rows],
        columns=["at", "action", "by", "old_state", "new_state", "old_score", "new_score", "reason", "requested_by"],
    )


def compute_trainee_eligibility(session: Session, trainee_ids: list[int], period_label: str) -> dict[int, Any]:
    """Eligibility per trainee for a period: the stored snapshot if one exists, else computed
    now from attendance records with the current threshold."""
    period = compute_period(period_label)
    snapshots = repo.get_snapshot_eligibility(session, trainee_ids, period.label)
    threshold = float(get_setting(session, "attendance_threshold"))
    counts = repo.count_attendance(session, [t for t in trainee_ids if t not in snapshots], period.start, period.end)
    outcome: dict[int, Any] = {}
    for trainee_id in trainee_ids:
        if trainee_id in snapshots:
            snap = snapshots[trainee_id]
            outcome[trainee_id] = compute_eligibility(sessions=snap.sessions, attended=snap.attended,
                                                      threshold=float(snap.threshold))
        else:
            sessions, attended = counts.get(trainee_id, (0, 0))
            outcome[trainee_id] = compute_eligibility(sessions=sessions, attended=attended, threshold=threshold)
    return outcome


@dataclass(frozen=True)
class _Target:
    label: str
    trainee: User
    score: Decimal


def _apply_scores(session: Session, actor: UserSummary, assessment: Assessment, rows: list[tuple[str, str, Decimal]],
                  errors: list[str], *, now: datetime, source: str) -> ScoreImportReport:
    trainees = repo.get_trainees_by_registration(session, [r[1] for r in rows])
    existing = repo.get_results_by_trainee(session, assessment.id)
    targets: list[_Target] = []
    for label, registration, score in rows:
        trainee = trainees.get(registration.strip().lower())
        if trainee is None or trainee.role != "trainee":
            errors.append(f"{label}: unknown trainee_id '{registration}'")
        elif trainee.department_id != assessment.department_id:
            errors.append(f"{label}: trainee '{registration}' is not in this assessment's department")
        elif (current := existing.get(trainee.id)) is not None and (problem := rules.can_edit_score(current.state)):
            errors.append(f"{label}: trainee '{registration}': {problem}")
        else:
            targets.append(_Target(label, trainee, score))
    if errors:
        record_event(session, actor=actor, action="scores_refused", now=now, entity_type="assessment",
                     entity_id=assessment.id, details={"source": source, "rows": len(rows) + len(errors), "errors": len(errors)})
        raise InvalidInputError(f"Nothing was saved: {len(errors)} problem(s).", sorted(errors, key=_row_order))
    fresh = [t for t in targets if t.trainee.id not in existing]
    history: list[dict[str, Any]] = []
    if fresh:
        # One multi-row INSERT ... RETURNING instead of a flush per row (a cohort is thousands).
        ids = session.execute(insert(Result).returning(Result.id, Result.trainee_id), [
            {"assessment_id": assessment.id, "trainee_id": t.trainee.id, "score": t.score, "state": rules.DRAFT,
             "entered_by_id": actor.id, "entered_at": now, "updated_at": now} for t in fresh
        ]).all()
        scores = {t.trainee.id: t.score for t in fresh}
        history += [_history_row(rid, "entered", actor, now, None, scores[tid], None, rules.DRAFT) for rid, tid in ids]
    updated = unchanged = 0
    for target in targets:
        result = existing.get(target.trainee.id)
        if result is None:
            continue
        if Decimal(str(result.score)) == target.score:
            unchanged += 1
            continue
        history.append(_history_row(result.id, "edited", actor, now, result.score, target.score, rules.DRAFT, rules.DRAFT))
        result.score = target.score
        result.updated_at = now
        updated += 1
    if history:
        session.execute(insert(ResultHistory), history)
    created = len(fresh)
    session.flush()
    record_event(session, actor=actor, action="scores_saved", now=now, entity_type="assessment", entity_id=assessment.id,
                 details={"source": source, "created": created, "updated": updated, "unchanged": unchanged})
    return ScoreImportReport(assessment.id, created, updated, unchanged)


def _transition(session: Session, actor: UserSummary, *, assessment_id: int, result_ids: list[int] | None,
                now: datetime, action: str, source: str, target: str, check: Any) -> int:
    authorize(session, actor, ADMIN)
    assessment = _get_assessment(session, assessment_id)
    if result_ids is not None:
        chosen = list(repo.list_results_by_ids(session, assessment_id, result_ids))
        if not result_ids or len(chosen) != len(set(result_ids)):
            raise NotFoundError("Some selected results do not belong to this assessment.")
        for result in chosen:
            if problem := check(result.state):
                raise ConflictError(problem[0].upper() + problem[1:] + ".")
    else:
        chosen = list(repo.list_results_in_state(session, assessment_id, source))
        if not chosen:
            raise ConflictError(f"There are no {source} results to {'publish' if target == rules.PUBLISHED else 'freeze'}.")
    ids = [r.id for r in chosen]
    if target == rules.FROZEN:
        _refuse_freezing_pending_changes(session, assessment_id, ids)
    values: dict[str, Any] = {"state": target, "updated_at": now}
    values.update({"published_by_id": actor.id, "published_at": now} if target == rules.PUBLISHED
                  else {"frozen_by_id": actor.id, "frozen_at": now})
    moved = session.execute(
        update(Result).where(Result.id.in_(ids), Result.state == source).values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != len(ids):  # type: ignore[attr-defined]
        raise ConflictError("Some results changed state while you were working; nothing was changed. Reload and retry.")
    session.execute(insert(ResultHistory), [
        {"result_id": r.id, "action": action, "actor_id": actor.id, "at": now, "old_score": r.score,
         "new_score": r.score, "old_state": source, "new_state": target} for r in chosen
    ])
    verb = "published" if target == rules.PUBLISHED else "finalised (frozen)"
    # One multi-row INSERT rather than notify() per trainee (which flushes each time): a cohort is thousands.
    session.execute(insert(Notification), [
        {"user_id": r.trainee_id, "kind": f"result_{action}", "created_at": now, "link": RESULTS_LINK,
         "title": f"Your result is {verb}: {assessment.title}",
         "body": f"{assessment.title} ({assessment.assessment_date.isoformat()}): score {float(r.score):g} "
                 f"of {float(assessment.max_score):g}."} for r in chosen
    ])
    record_event(session, actor=actor, action=f"results_{action}", now=now, entity_type="assessment",
                 entity_id=assessment.id, details={"count": len(ids), "selected": result_ids is not None})
    session.expire_all()
    return len(ids)


def _refuse_freezing_pending_changes(session: Session, assessment_id: int, ids: list[int]) -> None:
    """Frozen is final, so a pending change request would be left undecidable: it is decided first."""
    waiting = repo.list_result_ids_with_pending_change(session, assessment_id).intersection(ids)
    if waiting:
        raise ConflictError(
            f"{len(waiting)} of these results {'has' if len(waiting) == 1 else 'have'} a pending change request; "
            "approve or reject it first, then freeze (frozen results can no longer change). Nothing was frozen."
        )


def _history_row(result_id: int, action: str, actor: UserSummary, now: datetime, old: Decimal | None,
                 new: Decimal | None, old_state: str | None, new_state: str) -> dict[str, Any]:
    return {"result_id": result_id, "action": action, "actor_id": actor.id, "at": now, "old_score": old,
            "new_score": new, "old_state": old_state, "new_state": new_state, "reason": None,
            "change_request_id": None}


def _derive(frame: pd.DataFrame, assessment: Assessment) -> pd.DataFrame:
    frame["assessment_id"] = assessment.id
    frame["assessment"] = assessment.title
    frame["max_score"] = float(assessment.max_score)
    frame["percentage"] = None
    frame["result"] = ""
    frame["grade"] = ""
    return frame


def _flag_eligibility(session: Session, frame: pd.DataFrame, period: str | None) -> pd.DataFrame:
    frame["eligible"] = None
    frame["flag"] = ""
    if not period or frame.empty:
        return frame
    outcome = compute_trainee_eligibility(session, [int(t) for t in frame["trainee_pk"]], period)
    frame["eligible"] = [outcome[int(t)].eligible for t in frame["trainee_pk"]]
    frame["flag"] = [
        "" if outcome[int(t)].eligible else f"⚠ ineligible ({outcome[int(t)].percentage:g}% attended in {period})"
        for t in frame["trainee_pk"]
    ]
    return frame


def _empty_results(frame: pd.DataFrame) -> pd.DataFrame:
    for col in ("percentage", "result", "grade", "eligible", "flag"):
        frame[col] = pd.Series(dtype=object)
    return frame


def _summary(a: Assessment, department: str, counts: tuple[int, int, int], weights: list[Decimal]) -> AssessmentSummary:
    group = rules.compute_group_weight(a.group_name, weights)
    return AssessmentSummary(
        id=a.id, title=a.title, department_id=a.department_id, department_name=department,
        assessment_date=a.assessment_date, max_score=float(a.max_score), pass_mark=float(a.pass_mark),
        weight=float(a.weight), group_name=a.group_name, eligibility_period=a.eligibility_period,
        draft=counts[0], published=counts[1], frozen=counts[2], group_total=float(group.total),
        group_complete=group.complete,
    )


def _change_item(session: Session, request_id: int, actor: UserSummary) -> ChangeRequestItem:
    rows = repo.list_change_request_rows(session, Scope(ADMIN, actor.id), request_id=request_id)
    return _to_item(*rows[0])


def _to_item(request: ChangeRequest, title: str, trainee: str, registration: str | None, requester: str | None,
             decider: str | None) -> ChangeRequestItem:
    return ChangeRequestItem(
        id=request.id, result_id=request.result_id, assessment_title=title, trainee_name=trainee,
        registration_number=registration, old_score=float(request.old_score), new_score=float(request.new_score),
        reason=request.reason, status=request.status, requested_by_id=request.requested_by_id,
        requested_by=requester or "system", requested_at=request.requested_at, decided_by=decider,
        decided_at=request.decided_at, decision_comment=request.decision_comment,
    )


def _get_assessment(session: Session, assessment_id: int) -> Assessment:
    assessment = repo.get_assessment(session, assessment_id)
    if assessment is None:
        raise NotFoundError("No such assessment.")
    return assessment


def _get_result(session: Session, result_id: int) -> Result:
    result = repo.get_result(session, result_id)
    if result is None:
        raise NotFoundError("No such result.")
    return result


def _decimal(value: Decimal | float | str, name: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInputError(f"The {name} '{value}' is not a number.") from None
    if not number.is_finite():
        raise InvalidInputError(f"The {name} '{value}' is not a number.")
    return number


def _row_order(message: str) -> tuple[int, str]:
    head = message.split(":", 1)[0]
    return (int(head[4:]), message) if head.startswith("row ") and head[4:].isdigit() else (10**9, message)
