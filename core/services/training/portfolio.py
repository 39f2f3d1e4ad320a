"""Annual-review portfolios: one PDF per trainee and training year, verifiable and archived.

Admins generate one for anyone, supervisors for their trainees, trainees for themselves. Each carries
a fresh verification token (the transcripts' QR scheme, kind 'portfolio') and is kept in the report
archive (kind 'portfolio'), so it can be found and downloaded again like any report.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.calendar import short_period
from core.clock import programme_date
from core.config import Settings, get_settings
from core.dto import PortfolioFile, UserSummary
from core.errors import InvalidInputError, NotFoundError
from core.models import TrainingYearChange, User
from core.pdf.documents import EligibilityLine
from core.pdf.portfolio import FeedbackLine, PortfolioData, ResultLine, TargetLine, TotalLine, render_portfolio_pdf
from core.repositories import training as repo
from core.rules.progress import compute_year_window
from core.rules.values import ReportKind, ResultState, Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.documents.transcripts import issue_token, person_of, verify_url
from core.services.reports.archive import store_report
from core.services.results.assessments import compute_trainee_eligibility, results_frame
from core.services.results.weighted import list_weighted_totals
from core.services.training._common import progress_settings
from core.services.training.progress import get_trainee_progress

DOCUMENT_KIND = "portfolio"
TERM_MONTHS = 3


def generate_portfolio(
    session: Session,
    actor: UserSummary,
    *,
    trainee_id: int,
    training_year: int,
    now: datetime,
    settings: Settings | None = None,
) -> PortfolioFile:
    """Build, verify-stamp and archive one trainee's portfolio for a training year.

    Raises:
        PermissionDeniedError: leadership, or an inactive account.
        NotFoundError: no such trainee in the actor's scope (a supervisor's trainees, a trainee's self).
        InvalidInputError: nothing records the trainee in that training year.
    """
    authorize(session, actor, Role.ADMIN, Role.SUPERVISOR, Role.TRAINEE)
    if not repo.list_trainee_rows(session, actor.scope, trainee_id=trainee_id):
        raise NotFoundError("No such trainee.")
    trainee = session.get(User, trainee_id)
    assert trainee is not None
    settings = settings or get_settings()
    today = programme_date(now)
    window = _window(session, trainee, training_year, today)
    progress = get_trainee_progress(
        session, actor, trainee_id=trainee_id, today=min(today, window[1]), training_year=training_year, window=window
    )
    data = PortfolioData(
        programme=settings.programme_name,
        person=person_of(trainee),
        training_year=training_year,
        cohort=trainee.cohort,
        window=short_period(*window),
        summary=progress.summary,
        behind=progress.behind,
        category_totals=_category_totals(session, trainee_id, window),
        targets=tuple(TargetLine(t.label, t.approved, t.minimum, t.still_needed, t.share) for t in progress.targets),
        feedback=_feedback(session, trainee_id, window),
        attendance=_attendance(session, trainee_id, window, today),
        results=_results(results_frame(session, actor, trainee_id=trainee_id), window),
        totals=_totals(list_weighted_totals(session, actor, trainee_id=trainee_id)),
    )
    summary = (
        f"Annual review portfolio, {settings.programme_name}: {trainee.full_name}, training year {training_year} "
        f"({data.window}): {progress.summary}."
    )
    token, expires_at = issue_token(
        session, trainee_id=trainee_id, kind=DOCUMENT_KIND, summary=summary[:2000], actor=actor, now=now
    )
    link = verify_url(settings, token)
    content = render_portfolio_pdf(data, generated_at=now, verify_link=link, expires_at=expires_at)
    who = trainee.registration_number or str(trainee.id)
    run = store_report(
        session,
        actor,
        kind=ReportKind.PORTFOLIO,
        file_format="pdf",
        content=content,
        params={"period": f"{who}-year-{training_year}", "trainee": who, "training_year": training_year},
        now=now,
        title=f"Portfolio: {trainee.full_name}, training year {training_year}",
    )
    record_event(
        session,
        actor=actor,
        action="portfolio_generated",
        now=now,
        entity_type="user",
        entity_id=trainee_id,
        details={"training_year": training_year, "file": run.file_name, "summary": progress.summary},
    )
    return PortfolioFile(
        file_name=run.file_name,
        content=content,
        trainee_id=trainee_id,
        training_year=training_year,
        summary=progress.summary,
        report_id=run.id,
    )


def generate_portfolios(
    session: Session,
    actor: UserSummary,
    *,
    training_year: int,
    now: datetime,
    department_id: int | None = None,
    settings: Settings | None = None,
) -> list[PortfolioFile]:
    """One portfolio per active trainee in scope currently in `training_year` (optionally one department).

    Raises:
        PermissionDeniedError: leadership or trainees (a trainee generates only their own, one at a time).
        InvalidInputError: nobody in scope is in that training year.
    """
    authorize(session, actor, Role.ADMIN, Role.SUPERVISOR)
    rows = repo.list_trainee_rows(session, actor.scope, department_id=department_id, training_year=training_year)
    if not rows:
        raise InvalidInputError(f"No active trainee in your scope is in training year {training_year}.")
    return [
        generate_portfolio(
            session, actor, trainee_id=int(r[0]), training_year=training_year, now=now, settings=settings
        )
        for r in rows
    ]


def _window(session: Session, trainee: User, year: int, today: date) -> tuple[date, date]:
    entered = session.execute(
        select(TrainingYearChange.effective_on, TrainingYearChange.to_year).where(
            TrainingYearChange.trainee_id == trainee.id
        )
    ).all()
    settings = progress_settings(session)
    window = compute_year_window(
        [(d, y) for d, y in entered],
        year=year,
        current_year=trainee.training_year,
        today=today,
        start_month=settings.start_month,
    )
    if window is None:
        raise InvalidInputError(f"{trainee.full_name} has no record of training year {year}.")
    return window


def _category_totals(session: Session, trainee_id: int, window: tuple[date, date]) -> tuple[tuple[str, int], ...]:
    rows = repo.count_approved_by_category(session, [trainee_id], start=window[0], end=window[1])
    return tuple(sorted((str(c), int(n)) for _, c, n in rows))


def _feedback(session: Session, trainee_id: int, window: tuple[date, date]) -> tuple[FeedbackLine, ...]:
    rows = repo.list_latest_feedback(session, trainee_id, start=window[0], end=window[1])
    return tuple(FeedbackLine(d, str(c), str(t), str(f or ""), str(v or "")) for d, c, t, f, v in rows)


def _terms(window: tuple[date, date], today: date) -> list[tuple[date, date]]:
    """The training year in 3-month terms, the started ones only (the running one up to today)."""
    terms = []
    start = window[0]
    while start <= min(window[1], today):
        month = start.month - 1 + TERM_MONTHS
        end = date(start.year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        terms.append((start, min(end, today)))
        start = end + timedelta(days=1)
    return terms


def _attendance(
    session: Session, trainee_id: int, window: tuple[date, date], today: date
) -> tuple[EligibilityLine, ...]:
    lines = []
    for start, end in _terms(window, today):
        label = f"{start.isoformat()}..{end.isoformat()}"
        lines.append(
            EligibilityLine(period=label, result=compute_trainee_eligibility(session, [trainee_id], label)[trainee_id])
        )
    return tuple(lines)


def _results(frame: pd.DataFrame, window: tuple[date, date]) -> tuple[ResultLine, ...]:
    if frame.empty:
        return ()
    shown = frame[frame["state"].isin([ResultState.PUBLISHED, ResultState.FROZEN])]
    shown = shown[(shown["date"] >= window[0]) & (shown["date"] <= window[1])]
    return tuple(
        ResultLine(
            assessment=str(r["assessment"]),
            group=str(r["group"]),
            held_on=r["date"],
            score=f"{r['score']:g} / {r['max_score']:g}",
            percentage=f"{r['percentage']:g}",
            grade=str(r["grade"] or ""),
            result=str(r["result"]),
        )
        for r in shown.to_dict("records")
    )


def _totals(frame: pd.DataFrame) -> tuple[TotalLine, ...]:
    return tuple(
        TotalLine(
            group=str(r["group"]),
            owner=str(r["owner"]),
            total=None if pd.isna(r["weighted_total"]) else float(r["weighted_total"]),
            note=str(r["note"]),
        )
        for r in frame.to_dict("records")
    )
