"""Exam eligibility (DESIGN.md §4.2): the period table, a trainee's calendar, and stored snapshots."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from core import clock
from core.calendar import Period, PeriodError, parse_period
from core.dto import SYSTEM_ACTOR, UserSummary
from core.errors import InvalidInputError, NotFoundError
from core.repositories import eligibility as repo
from core.repositories import leave as leave_repo
from core.repositories import users as users_repo
from core.rules import leave as leave_rules
from core.rules.access import ALL_ROLES
from core.rules.eligibility import SessionsForecast, compute_eligibility, compute_sessions_forecast
from core.rules.settings import SETTING_SPECS
from core.rules.values import NotificationKind, Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.notifications import notify
from core.services.settings import get_setting

TABLE_COLUMNS = (
    "trainee_pk",
    "trainee_id",
    "full_name",
    "department",
    "supervisor",
    "sessions",
    "attended",
    "percentage",
    "eligible",
    "threshold",
    "sessions_needed",
    "sessions_left",
    "forecast",
    "leave_excluded",
    "condoned",
    "condonation_reason",
    "leave_policy",
)


def resolve_period(period: str | Period) -> Period:
    """A Period from its label (`YYYY-MM`, `YYYY-Qn`, `YYYY`, `YYYY-MM-DD..YYYY-MM-DD`).

    Raises:
        InvalidInputError: the label is not a period, or its start is after its end.
    """
    if isinstance(period, Period):
        return period
    try:
        return parse_period(period)
    except PeriodError as exc:
        raise InvalidInputError(f"Period {exc}.") from None


def resolve_threshold(session: Session, threshold: float | str | None) -> float:
    """The given threshold (0..100) or, when None, the admins' `attendance_threshold` setting.

    Raises:
        InvalidInputError: the threshold is not a number from 0 to 100.
    """
    if threshold is None:
        return float(get_setting(session, "attendance_threshold"))
    try:
        return float(SETTING_SPECS["attendance_threshold"].validate(threshold))
    except ValueError as exc:
        raise InvalidInputError(f"Threshold {exc}.") from None


def resolve_department_id(session: Session, name: str | None) -> int | None:
    """A department's id from its name (case-insensitive); None for no filter.

    Raises:
        NotFoundError: no department has that name.
    """
    if not name:
        return None
    department = users_repo.get_department_by_name(session, name)
    if department is None:
        raise NotFoundError(f"No department named '{name}'.")
    return department.id


def list_eligibility(
    session: Session,
    actor: UserSummary,
    *,
    period: str | Period,
    threshold: float | str | None = None,
    department_id: int | None = None,
    supervisor_id: int | None = None,
    today: date | None = None,
    training_year: int | None = None,
    cohort: str | None = None,
) -> pd.DataFrame:
    """One row per active trainee in the viewer's scope (optionally of one training year and cohort),
    ordered by registration number.

    Columns: trainee_pk, trainee_id (registration number), full_name, department, supervisor,
    sessions, attended, percentage, eligible, threshold, sessions_needed (NA: cannot be reached),
    sessions_left (the estimate of sessions still to come; NA: period closed or no rate yet) and
    forecast (core.rules.eligibility.compute_sessions_forecast: "period closed", "6 more (about 20
    sessions left)", "out of reach this period ..."), leave_excluded (unattended sessions on approved
    leave of an excluded type, already left out of `sessions`), condoned and condonation_reason (an
    approved condonation covering the whole period: eligible whatever the figures) and leave_policy
    (the leave policy used, the same on every row).

    Raises:
        PermissionDeniedError: the actor is not active.
        InvalidInputError: bad period or threshold.
    """
    authorize(session, actor, *ALL_ROLES)
    span = resolve_period(period)
    limit = resolve_threshold(session, threshold)
    types = leave_rules.compute_leave_types(get_setting(session, "leave_types"))
    rows = repo.list_trainee_counts(
        session,
        scope=actor.scope,
        start=span.start,
        end=span.end,
        department_id=department_id,
        supervisor_id=supervisor_id,
        excluded_types=leave_repo.in_use(session, leave_rules.excluded_types(types)),
        training_year=training_year,
        cohort=cohort,
    )
    condoned = leave_repo.list_condoned(session, start=span.start, end=span.end)
    policy = leave_rules.compute_policy_text(types)
    day = today or clock.today()
    held = programme_sessions_so_far(session, period=span, today=day)
    records = []
    for pk, registration, name, department, supervisor, sessions, attended, excluded in rows:
        result = compute_eligibility(
            sessions=int(sessions or 0),
            attended=int(attended or 0),
            threshold=limit,
            leave_excluded=int(excluded or 0),
            condoned=pk in condoned,
        )
        forecast = compute_sessions_forecast(result, period=span, today=day, programme_sessions=held)
        records.append(
            (
                pk,
                registration or "",
                name,
                department or "",
                supervisor or "",
                result.sessions,
                result.attended,
                result.percentage,
                result.eligible,
                result.threshold,
                result.sessions_needed,
                forecast.sessions_left,
                forecast.text,
                result.leave_excluded,
                result.condoned,
                condoned.get(pk, ""),
                policy,
            )
        )
    frame = pd.DataFrame.from_records(records, columns=list(TABLE_COLUMNS))
    return frame.astype(
        {
            "trainee_pk": "int64",
            "sessions": "int64",
            "attended": "int64",
            "percentage": "float64",
            "eligible": "bool",
            "threshold": "float64",
            "sessions_needed": "Int64",
            "sessions_left": "Int64",
            "forecast": "object",
            "leave_excluded": "int64",
            "condoned": "bool",
            "condonation_reason": "object",
            "leave_policy": "object",
        }
    )


def programme_sessions_so_far(session: Session, *, period: Period, today: date) -> int:
    """Distinct sessions (date, slot) the programme has held in the period up to `today`: the forecast's rate."""
    if today < period.start:
        return 0
    return repo.count_programme_sessions(session, start=period.start, end=min(today, period.end))


def forecast_sessions(
    session: Session, *, sessions: int, attended: int, threshold: float, period: Period, today: date
) -> SessionsForecast:
    """One trainee's sessions-needed forecast in a period (the rule with the programme's session rate)."""
    result = compute_eligibility(sessions=sessions, attended=attended, threshold=threshold)
    held = programme_sessions_so_far(session, period=period, today=today)
    return compute_sessions_forecast(result, period=period, today=today, programme_sessions=held)


def list_trainee_sessions(
    session: Session, actor: UserSummary, *, trainee_id: int, period: str | Period
) -> pd.DataFrame:
    """A trainee's sessions in the period (session_date, session, status), for the calendar heat map.

    Raises:
        NotFoundError: the trainee does not exist or is outside the viewer's scope.
    """
    authorize(session, actor, *ALL_ROLES)
    span = resolve_period(period)
    if repo.get_visible_trainee(session, scope=actor.scope, trainee_id=trainee_id) is None:
        raise NotFoundError("No such trainee in your view.")
    rows = repo.list_sessions(session, trainee_id=trainee_id, start=span.start, end=span.end)
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["session_date", "session", "status"])
    frame["session_date"] = pd.to_datetime(frame["session_date"])
    return frame


def snapshot_period(
    session: Session, actor: UserSummary, *, period: str | Period, now: datetime, threshold: float | None = None
) -> dict[str, Any]:
    """Store every active trainee's eligibility for the period, upserting on (trainee, period).

    Running it again replaces the same rows (idempotent); each row records the threshold used.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: bad period or threshold.
    """
    authorize(session, actor, Role.ADMIN)
    span = resolve_period(period)
    limit = resolve_threshold(session, threshold)
    table = list_eligibility(session, actor, period=span, threshold=limit)
    rows = [
        {
            "trainee_id": int(r["trainee_pk"]),
            "period": span.label,
            "period_start": span.start,
            "period_end": span.end,
            "sessions": int(r["sessions"]),
            "attended": int(r["attended"]),
            "percentage": Decimal(f"{r['percentage']:.2f}"),
            "threshold": Decimal(f"{limit:.2f}"),
            "eligible": bool(r["eligible"]),
            "computed_at": now,
            "computed_by_id": actor.id,
            "leave_excluded": int(r["leave_excluded"]),
            "leave_policy": str(r["leave_policy"]),
            "condoned": bool(r["condoned"]),
            "condonation_reason": str(r["condonation_reason"]) or None,
        }
        for r in table.to_dict("records")
    ]
    repo.upsert_snapshots(session, rows)
    outcome = {
        "trainees": len(rows),
        "eligible": int(table["eligible"].sum()),
        "condoned": int(table["condoned"].sum()),
        "leave_excluded": int(table["leave_excluded"].sum()),
        "threshold": limit,
    }
    record_event(
        session,
        actor=actor,
        action="eligibility_snapshot_saved",
        now=now,
        entity_type="period",
        entity_id=span.label,
        details=dict(outcome),
    )
    session.flush()
    return outcome


save_eligibility_snapshot = snapshot_period


def get_snapshot_summary(session: Session, actor: UserSummary, *, period: str | Period) -> dict[str, Any] | None:
    """How many trainees in the viewer's scope a stored snapshot of the period holds, when it was taken and its
    threshold (a supervisor counts their trainees, a trainee themselves; admins and leadership the programme)."""
    authorize(session, actor, *ALL_ROLES)
    row = repo.get_snapshot_summary(session, resolve_period(period).label, scope=actor.scope)
    if row is None:
        return None
    count, computed_at, low, high = row
    return {
        "trainees": int(count),
        "computed_at": computed_at,
        "threshold_min": float(low),
        "threshold_max": float(high),
    }


def warn_at_risk_trainees(session: Session, *, period: str | Period, now: datetime) -> int:
    """Tell each active trainee with sessions below the threshold in `period`, once per period; returns how many.

    The inbox always gets it; e-mail too when the trainee keeps at-risk warnings on (My account).
    """
    chosen = resolve_period(period)
    table = list_eligibility(session, SYSTEM_ACTOR, period=chosen)
    below = table[(table["sessions"] > 0) & ~table["eligible"]]
    warned = 0
    for row in below.to_dict("records"):
        missing = pd.isna(row["sessions_needed"])
        needed = "cannot be reached any more" if missing else f"{int(row['sessions_needed'])} more"
        threshold, trainee_id = float(row["threshold"]), int(row["trainee_pk"])
        warned += notify(
            session,
            user_id=trainee_id,
            kind=NotificationKind.AT_RISK_WARNING,
            title=f"Attendance below {threshold:g}% in {chosen.label}",
            body=(
                f"You attended {int(row['attended'])} of {int(row['sessions'])} sessions "
                f"({float(row['percentage']):g}%) in {chosen.label}, below the {threshold:g}% needed for "
                f"eligibility; sessions needed: {needed}."
            ),
            link=f"/eligibility?period={chosen.label}",
            now=now,
            dedupe_key=f"at_risk:{chosen.label}:{trainee_id}",
        )
    return warned
