"""Assessments and their results as read: the assessment list, group weights, the review grid,
result frames for grids and exports, and each trainee's exam-eligibility flag.

DESIGN.md §4.4: a result is draft -> published -> frozen. Scores are entered in
`result_scores`, moved between states in `result_transitions`, and a published value changes
only through a two-person change request in `result_changes`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.calendar import PeriodError, parse_period
from core.dto import AssessmentSummary, UserSummary
from core.errors import InvalidInputError, NotFoundError
from core.models import Assessment, Department
from core.repositories import leave as leave_repo
from core.repositories import results as repo
from core.rules import leave as leave_rules
from core.rules import results as rules
from core.rules.access import ALL_ROLES
from core.rules.eligibility import compute_eligibility
from core.rules.values import ResultState, Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.results._common import get_assessment_or_raise
from core.services.settings import get_setting


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
    programme_wide: bool = False,
) -> AssessmentSummary:
    """Create an assessment (admins); its group's weights may not exceed 100 %.

    A group belongs to the assessment's department unless `programme_wide` (issue 17), so two
    departments may each have "Final exam 2026". Group names ignore letter case: a name matching an
    existing group of the same owner joins that group under the group's existing spelling.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: a field is missing or out of range, or the group would exceed 100 %.
        NotFoundError: no such department.
    """
    authorize(session, actor, Role.ADMIN)
    department = session.get(Department, department_id)
    if department is None:
        raise NotFoundError("No such department.")
    maximum, passing, share = (
        _decimal(max_score, "maximum score"),
        _decimal(pass_mark, "pass mark"),
        _decimal(weight, "weight"),
    )
    period_label, group = _validate_assessment(
        session,
        department,
        title=title,
        max_score=maximum,
        pass_mark=passing,
        weight=share,
        group_name=group_name,
        eligibility_period=eligibility_period,
        programme_wide=programme_wide,
    )
    assessment = Assessment(
        title=title.strip(),
        department_id=department_id,
        assessment_date=assessment_date,
        max_score=maximum,
        pass_mark=passing,
        weight=share,
        group_name=group,
        programme_wide=programme_wide,
        eligibility_period=period_label,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(assessment)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="assessment_created",
        now=now,
        entity_type="assessment",
        entity_id=assessment.id,
        details={
            "title": assessment.title,
            "group": assessment.group_name,
            "programme_wide": programme_wide,
            "weight": float(share),
            "department": department.name,
        },
    )
    return _summary(assessment, department.name, (0, 0, 0), _group_weights(session))


def list_assessments(session: Session, actor: UserSummary) -> list[AssessmentSummary]:
    """Assessments the actor may see, newest first, with result counts and group weight status."""
    authorize(session, actor, *ALL_ROLES)
    rows = repo.list_assessment_rows(session, actor.scope)
    groups = _group_weights(session)  # read after the rows, so it holds every listed assessment
    return [_summary(a, dept, (int(d or 0), int(p or 0), int(f or 0)), groups) for a, dept, d, p, f in rows]


def list_group_weights(session: Session, actor: UserSummary) -> pd.DataFrame:
    """Each assessment group's total weight, flagged unless exactly 100 % (names ignore letter case).

    A group belongs to a department, or to the whole programme (`belongs_to`).
    """
    authorize(session, actor, Role.ADMIN, Role.LEADERSHIP)
    owners = {d.id: d.name for d in session.scalars(select(Department))}
    rows = sorted(_group_weights(session).items(), key=lambda kv: (kv[1].group.casefold(), kv[0]))
    return pd.DataFrame(
        [
            {
                "group": g.group,
                "belongs_to": _owner_label(key, owners),
                "total_weight": float(g.total),
                "status": "ok" if g.complete else "⚠ " + g.message,
            }
            for key, g in rows
        ],
        columns=["group", "belongs_to", "total_weight", "status"],
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
    assessment = get_assessment_or_raise(session, assessment_id)
    frame = results_frame(session, actor, assessment_id=assessment_id)
    if actor.role == Role.ADMIN:
        present = set(frame["trainee_pk"]) if not frame.empty else set()
        missing = [t for t in repo.list_department_trainees(session, assessment.department_id) if t.id not in present]
        if missing:
            extra = pd.DataFrame(
                [
                    {
                        "result_id": None,
                        "trainee_pk": t.id,
                        "trainee_id": t.registration_number,
                        "trainee": t.full_name,
                        "supervisor": t.supervisor.full_name if t.supervisor else "",
                        "state": "not entered",
                        "score": None,
                        "training_year": t.training_year,
                        "cohort": t.cohort,
                    }
                    for t in missing
                ]
            )
            extra = _derive(extra, assessment)
            extra = _flag_eligibility(session, extra, assessment.eligibility_period)
            frame = pd.concat([frame, extra], ignore_index=True) if not frame.empty else extra
        frame = frame.sort_values("trainee", kind="stable").reset_index(drop=True)
    return frame


def results_frame(
    session: Session, actor: UserSummary, *, assessment_id: int | None = None, trainee_id: int | None = None
) -> pd.DataFrame:
    """Visible results with percentage, pass/fail, grade and eligibility flag (for grids and exports)."""
    authorize(session, actor, *ALL_ROLES)
    rows = session.execute(repo.results_query(actor.scope, assessment_id=assessment_id, trainee_id=trainee_id)).all()
    columns = [
        "result_id",
        "assessment_id",
        "assessment",
        "group",
        "date",
        "max_score",
        "pass_mark",
        "weight",
        "eligibility_period",
        "department",
        "trainee_pk",
        "trainee_id",
        "trainee",
        "supervisor",
        "score",
        "state",
        "published_at",
        "frozen_at",
        "training_year",
        "cohort",
    ]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    if frame.empty:
        return _empty_results(frame)
    for col in ("max_score", "pass_mark", "weight", "score"):
        frame[col] = frame[col].astype(float)
    grades = [
        rules.compute_grade(s, max_score=m, pass_mark=p)
        for s, m, p in zip(frame["score"], frame["max_score"], frame["pass_mark"], strict=True)
    ]
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
    return _labels_for(actor, frame)


def _labels_for(actor: UserSummary, frame: pd.DataFrame) -> pd.DataFrame:
    """A draft is labelled pass/fail for admins only; a published result carries its attendance gate.

    The gate travels in `result` itself, so every place that shows a published result (the trainee's
    Results page, grids, exports, the transcript PDF) shows "pass (ineligible: 64.04 % attended in 2026-Q4)".
    """
    draft = frame["state"] == ResultState.DRAFT
    if actor.role != Role.ADMIN:
        frame.loc[draft, "result"] = "not published"
        frame.loc[draft, "grade"] = ""
    gated = ~draft & (frame["flag"] != "")
    frame.loc[gated, "result"] = [
        f"{result} ({flag.removeprefix('⚠ ')})"
        for result, flag in zip(frame.loc[gated, "result"], frame.loc[gated, "flag"], strict=True)
    ]
    return frame


def compute_trainee_eligibility(session: Session, trainee_ids: list[int], period_label: str) -> dict[int, Any]:
    """Eligibility per trainee for a period: the stored snapshot if one exists, else computed
    now from attendance records with the current threshold."""
    period = parse_period(period_label)
    snapshots = repo.get_snapshot_eligibility(session, trainee_ids, period.label)
    threshold = float(get_setting(session, "attendance_threshold"))
    excluded = leave_repo.in_use(
        session, leave_rules.excluded_types(leave_rules.compute_leave_types(get_setting(session, "leave_types")))
    )
    counts = repo.count_attendance(
        session, [t for t in trainee_ids if t not in snapshots], period.start, period.end, excluded_types=excluded
    )
    # Issue 16: an approved condonation covering the period makes the trainee eligible, flagged with its reason.
    condoned = leave_repo.list_condoned(session, start=period.start, end=period.end, trainee_ids=trainee_ids)
    outcome: dict[int, Any] = {}
    for trainee_id in trainee_ids:
        if trainee_id in snapshots:
            snap = snapshots[trainee_id]
            outcome[trainee_id] = compute_eligibility(
                sessions=snap.sessions,
                attended=snap.attended,
                threshold=float(snap.threshold),
                leave_excluded=snap.leave_excluded,
                condoned=snap.condoned or trainee_id in condoned,
                condonation_reason=condoned.get(trainee_id) or snap.condonation_reason or "",
            )
        else:
            sessions, attended = counts.get(trainee_id, (0, 0))
            outcome[trainee_id] = compute_eligibility(
                sessions=sessions,
                attended=attended,
                threshold=threshold,
                condoned=trainee_id in condoned,
                condonation_reason=condoned.get(trainee_id, ""),
            )
    return outcome


def _validate_assessment(
    session: Session,
    department: Department,
    *,
    title: str,
    max_score: Decimal,
    pass_mark: Decimal,
    weight: Decimal,
    group_name: str,
    eligibility_period: str | None,
    programme_wide: bool = False,
) -> tuple[str | None, str]:
    """Refuse an invalid new assessment with every problem at once.

    Returns the normalised eligibility period and the group name to store: the existing
    group's spelling when the name matches one ignoring letter case.
    """
    problems = rules.compute_assessment_problems(
        title=title, max_score=max_score, pass_mark=pass_mark, weight=weight, group=group_name
    )
    period_label = (eligibility_period or "").strip() or None
    if period_label:
        try:
            period_label = parse_period(period_label).label
        except PeriodError as exc:
            problems.append(f"eligibility period {exc}")
    if title.strip() and repo.get_assessment_by_title(session, department.id, title) is not None:
        problems.append(f"'{title.strip()}' already exists in {department.name}")
    owner = None if programme_wide else department.id
    existing = _group_weights(session).get(rules.compute_group_key(group_name, owner))
    group = existing.group if existing else group_name.strip()
    used = [existing.total] if existing else []
    if not problems and (problem := rules.compute_weight_problem(used, weight, group)):
        problems.append(problem)
    if problems:
        raise InvalidInputError("Cannot create the assessment: " + "; ".join(problems) + ".", problems)
    return period_label, group


def _owner_label(key: str, departments: dict[int, str]) -> str:
    owner = key.split(":", 1)[0]
    if not owner.startswith("department "):
        return "Programme-wide"
    return departments.get(int(owner.removeprefix("department ")), owner)


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
    frame["flag"] = [_gate_flag(outcome[int(t)], period) for t in frame["trainee_pk"]]
    return frame


def _gate_flag(result: Any, period: str) -> str:
    """The attendance gate's note: none when eligible, "condoned: reason" when an exemption made it so."""
    if result.condoned:
        return f"condoned for {period}: {result.condonation_reason}"
    return "" if result.eligible else f"⚠ ineligible: {result.percentage:.2f} % attended in {period}"


def _empty_results(frame: pd.DataFrame) -> pd.DataFrame:
    for col in ("percentage", "result", "grade", "eligible", "flag"):
        frame[col] = pd.Series(dtype=object)
    return frame


def _group_weights(session: Session) -> dict[str, rules.GroupWeight]:
    """Every assessment group's weight status, keyed by `rules.compute_group_key`."""
    return rules.compute_group_weights(repo.list_group_weights(session))


def _summary(
    a: Assessment, department: str, counts: tuple[int, int, int], groups: dict[str, rules.GroupWeight]
) -> AssessmentSummary:
    """The assessment as listed, named by its group's one spelling (the first created)."""
    group = groups[rules.compute_group_key(a.group_name, None if a.programme_wide else a.department_id)]
    return AssessmentSummary(
        id=a.id,
        title=a.title,
        department_id=a.department_id,
        department_name=department,
        assessment_date=a.assessment_date,
        max_score=float(a.max_score),
        pass_mark=float(a.pass_mark),
        weight=float(a.weight),
        group_name=group.group,
        eligibility_period=a.eligibility_period,
        draft=counts[0],
        published=counts[1],
        frozen=counts[2],
        group_total=float(group.total),
        group_complete=group.complete,
    )


def _decimal(value: Decimal | float | str, name: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInputError(f"The {name} '{value}' is not a number.") from None
    if not number.is_finite():
        raise InvalidInputError(f"The {name} '{value}' is not a number.")
    return number
