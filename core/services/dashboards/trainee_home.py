"""The trainee's home dashboard (issue 11 §4): one person's figures, scoped to the acting trainee only.

Attendance this quarter against the threshold with the sessions-needed forecast (the Eligibility page's
rule and rate), their logbook by status with the returned entries that need their action, and their
published results with the attendance gate. Nothing about the programme, departments or other trainees.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy.orm import Session

from core.calendar import is_running, period_text, quarter_of
from core.dto import PublishedResultItem, ReturnedEntry, TraineeHome, UserSummary
from core.models import LogbookEntry
from core.repositories import eligibility as eligibility_repo
from core.repositories import leave as leave_repo
from core.repositories import logbook as logbook_repo
from core.repositories.scope import trainee_scope_clause
from core.rules.eligibility import ForecastState, compute_eligibility, compute_sessions_forecast
from core.rules.values import EntryStatus, ResultState, Role
from core.services.access import authorize
from core.services.attendance.eligibility import programme_sessions_so_far, resolve_threshold
from core.services.attendance.leave import excluded_leave_types
from core.services.logbook.entries import list_entries
from core.services.results.assessments import results_frame

STATUS_ORDER = (
    EntryStatus.DRAFT,
    EntryStatus.PENDING,
    EntryStatus.RETURNED,
    EntryStatus.APPROVED,
    EntryStatus.REJECTED,
)


def get_trainee_home(session: Session, actor: UserSummary, *, today: date, now: datetime) -> TraineeHome:
    """The acting trainee's own figures for the quarter containing `today`.

    Raises:
        PermissionDeniedError: the actor is not an active trainee.
    """
    authorize(session, actor, Role.TRAINEE)
    period = quarter_of(today)
    threshold = resolve_threshold(session, None)
    rows = eligibility_repo.list_trainee_counts(
        session, scope=actor.scope, start=period.start, end=period.end, excluded_types=excluded_leave_types(session)
    )
    mine = [r for r in rows if r[0] == actor.id]
    sessions, attended, excluded = (
        (int(mine[0][5] or 0), int(mine[0][6] or 0), int(mine[0][7] or 0)) if mine else (0, 0, 0)
    )
    condoned = actor.id in leave_repo.list_condoned(
        session, start=period.start, end=period.end, trainee_ids=[actor.id or 0]
    )
    result = compute_eligibility(
        sessions=sessions, attended=attended, threshold=threshold, leave_excluded=excluded, condoned=condoned
    )
    held = programme_sessions_so_far(session, period=period, today=today)
    forecast = compute_sessions_forecast(result, period=period, today=today, programme_sessions=held)
    counts = logbook_repo.count_by_status(
        session, scope_clause=trainee_scope_clause(actor.scope, LogbookEntry.trainee_id)
    )
    returned = list_entries(session, actor, now=now, status=EntryStatus.RETURNED)
    return TraineeHome(
        name=actor.full_name,
        period_label=period.label,
        period_text=period_text(period),
        period_open=is_running(period, today),
        sessions=result.sessions,
        attended=result.attended,
        percentage=result.percentage,
        threshold=result.threshold,
        eligible=result.eligible,
        sessions_needed=forecast.needed,
        sessions_left=forecast.sessions_left,
        forecast=forecast.text,
        out_of_reach=forecast.state is ForecastState.OUT_OF_REACH,
        logbook=tuple((str(status), counts.get(status, 0)) for status in STATUS_ORDER),
        returned=tuple(
            ReturnedEntry(
                id=e.id, title=e.title, case_date=e.case_date, feedback=e.feedback, link=f"/logbook?entry={e.id}"
            )
            for e in returned
        ),
        results=_published(results_frame(session, actor, trainee_id=actor.id)),
    )


def _published(frame: pd.DataFrame) -> tuple[PublishedResultItem, ...]:
    if frame.empty:
        return ()
    shown = frame[frame["state"].isin([ResultState.PUBLISHED, ResultState.FROZEN])]
    return tuple(
        PublishedResultItem(
            assessment=str(r["assessment"]),
            assessment_date=r["date"],
            score=None if pd.isna(r["score"]) else float(r["score"]),
            max_score=float(r["max_score"]),
            percentage=None if pd.isna(r["percentage"]) else float(r["percentage"]),
            grade=str(r["grade"] or ""),
            result=str(r["result"]),
            state=str(r["state"]),
        )
        for r in shown.to_dict("records")
    )
