"""Generating a report: one entry point taking a typed request, dispatched on the report's kind.

The Reports page (and anything else that offers a choice of reports) calls `generate_report`; each
kind's builder stays in its module (the leadership pack in `pack`, the logbook summary and the
eligibility list in `exports`) and keeps every file in the archive (`archive.store_report`).
"""

from __future__ import annotations

from datetime import datetime
from typing import assert_never

from sqlalchemy.orm import Session

from core.dto import ReportRequest, ReportRunItem, UserSummary
from core.errors import InvalidInputError
from core.rules.values import ReportKind
from core.services.reports.archive import Progress
from core.services.reports.exports import generate_eligibility_list, generate_logbook_summary
from core.services.reports.pack import generate_leadership_pack


def generate_report(
    session: Session,
    actor: UserSummary,
    request: ReportRequest,
    *,
    now: datetime,
    programme: str,
    progress: Progress | None = None,
) -> ReportRunItem:
    """Build the requested report for the actor's scope and keep it in the archive.

    Raises:
        PermissionDeniedError: the actor's role has no reports.
        InvalidInputError: bad months, period or file format.
        NotFoundError: unknown department.
    """
    match request.kind:
        case ReportKind.LEADERSHIP_PACK:
            return generate_leadership_pack(
                session,
                actor,
                now=now,
                programme=programme,
                start=request.start,
                end=request.end,
                department_id=request.department_id,
                progress=progress,
            )
        case ReportKind.LOGBOOK_SUMMARY:
            return generate_logbook_summary(
                session,
                actor,
                now=now,
                period=request.period,
                file_format=request.file_format,
                department_id=request.department_id,
                programme=programme,
                progress=progress,
                training_year=request.training_year,
                cohort=request.cohort,
            )
        case ReportKind.ELIGIBILITY_LIST:
            return generate_eligibility_list(
                session,
                actor,
                now=now,
                period=request.period,
                department_id=request.department_id,
                progress=progress,
                training_year=request.training_year,
                cohort=request.cohort,
            )
        case ReportKind.PORTFOLIO:
            # One per trainee and training year: core.services.training.portfolio (Progress page, CLI `portfolio`).
            raise InvalidInputError("Portfolios are generated per trainee on the Progress page or with `portfolio`.")
        case _:
            assert_never(request.kind)
