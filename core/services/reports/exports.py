"""Report exports: the logbook summary (PDF, CSV or XLSX) and the eligibility list (XLSX), into the archive."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import Session, aliased

from core.calendar import Period, month_label, parse_period
from core.clock import programme_date
from core.dto import ReportRunItem, UserSummary
from core.errors import InvalidInputError
from core.exports import ExportAbout, to_csv_bytes, to_xlsx_bytes
from core.models import Department, LogbookEntry, User
from core.pdf.reports import render_table_pdf
from core.repositories.scope import trainee_scope_clause
from core.rules.logbook import compute_compliance, compute_reviewed
from core.rules.values import EntryStatus, ReportKind, Role
from core.services.access import authorize
from core.services.attendance.eligibility import list_eligibility
from core.services.attendance.leave import policy_text
from core.services.reports.archive import (
    KIND_FORMATS,
    REPORT_ROLES,
    Progress,
    department_name,
    scope_label,
    store_report,
)


def logbook_summary_frame(
    session: Session,
    actor: UserSummary,
    *,
    period: Period,
    department_id: int | None = None,
    training_year: int | None = None,
    cohort: str | None = None,
) -> pd.DataFrame:
    """Per trainee in scope: submitted entries by status with case date in the period, and compliance.

    The department, training year and cohort (each trainee's current ones) only narrow the scope.
    Drafts are private to their trainee (issue 14): they are neither counted nor make a trainee appear.

    Raises:
        PermissionDeniedError: the actor's role has no reports.
    """
    authorize(session, actor, *REPORT_ROLES)
    supervisor = aliased(User)
    counts = [
        func.count(case((LogbookEntry.status == s, 1))).label(s)
        for s in (
            EntryStatus.PENDING,
            EntryStatus.APPROVED,
            EntryStatus.RETURNED,
            EntryStatus.REJECTED,
        )
    ]
    rows = session.execute(
        select(User.full_name, User.registration_number, Department.name, supervisor.full_name, *counts)
        .join(
            LogbookEntry,
            and_(
                LogbookEntry.trainee_id == User.id,
                LogbookEntry.case_date >= period.start,
                LogbookEntry.case_date <= period.end,
                LogbookEntry.status != EntryStatus.DRAFT,
            ),
        )
        .outerjoin(Department, Department.id == User.department_id)
        .outerjoin(supervisor, supervisor.id == User.supervisor_id)
        .where(
            User.role == Role.TRAINEE,
            trainee_scope_clause(actor.scope, User.id),
            _department(department_id),
            *_training(training_year, cohort),
        )
        .group_by(User.id, User.full_name, User.registration_number, Department.name, supervisor.full_name)
        .order_by(Department.name, User.full_name)
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "trainee",
            "registration_number",
            "department",
            "supervisor",
            "pending",
            "approved",
            "returned",
            "rejected",
        ],
    )
    frame[["trainee", "registration_number", "department", "supervisor"]] = frame[
        ["trainee", "registration_number", "department", "supervisor"]
    ].fillna("")
    frame["submitted"] = frame[["pending", "approved", "returned", "rejected"]].sum(axis=1).astype(int)
    decided = frame[["approved", "returned", "rejected"]].sum(axis=1).astype(int)
    # Compliance = approved / submitted; reviewed % = decided / submitted (core.rules.logbook, DESIGN.md §4.3).
    frame["compliance_pct"] = [
        compute_compliance(int(a), int(s)) for a, s in zip(frame["approved"], frame["submitted"], strict=True)
    ]
    frame["reviewed_pct"] = [compute_reviewed(int(d), int(s)) for d, s in zip(decided, frame["submitted"], strict=True)]
    return frame[
        [
            "trainee",
            "registration_number",
            "department",
            "supervisor",
            "submitted",
            "approved",
            "returned",
            "rejected",
            "pending",
            "compliance_pct",
            "reviewed_pct",
        ]
    ]


def generate_logbook_summary(
    session: Session,
    actor: UserSummary,
    *,
    now: datetime,
    period: str | None = None,
    file_format: str = "pdf",
    department_id: int | None = None,
    programme: str = "",
    progress: Progress | None = None,
    training_year: int | None = None,
    cohort: str | None = None,
) -> ReportRunItem:
    """The logbook summary (PDF, CSV or XLSX) for a period, into the archive (optionally one training year / cohort).

    Raises:
        PermissionDeniedError: the actor's role has no reports.
        InvalidInputError: bad period or format.
        NotFoundError: unknown department.
    """
    authorize(session, actor, *REPORT_ROLES)
    step = progress or (lambda _f, _m: None)
    if file_format not in KIND_FORMATS[ReportKind.LOGBOOK_SUMMARY]:
        raise InvalidInputError("The logbook summary comes as pdf, csv or xlsx.")
    chosen = parse_period(period or _default_period(now))
    department = department_name(session, department_id)
    step(0.2, "Counting logbook entries")
    frame = logbook_summary_frame(
        session, actor, period=chosen, department_id=department_id, training_year=training_year, cohort=cohort
    )
    step(0.6, f"Writing the {file_format.upper()} file")
    content = _summary_content(
        session,
        actor,
        frame,
        file_format=file_format,
        period=chosen,
        department=department,
        programme=programme,
        now=now,
        training=_training_filters(training_year, cohort),
    )
    params = _params(
        session, actor, chosen, department_id, department, rows=len(frame), training_year=training_year, cohort=cohort
    )
    step(0.9, "Saving to the archive")
    return store_report(
        session,
        actor,
        kind=ReportKind.LOGBOOK_SUMMARY,
        file_format=file_format,
        content=content,
        params=params,
        now=now,
    )


def _summary_content(
    session: Session,
    actor: UserSummary,
    frame: pd.DataFrame,
    *,
    file_format: str,
    period: Period,
    department: str,
    programme: str,
    now: datetime,
    training: dict[str, str],
) -> bytes:
    if file_format == "pdf":
        narrowed = "".join(f" - {name} {value}" for name, value in training.items())
        return render_table_pdf(
            "Logbook summary",
            f"{programme} - {period.label} ({period.start} to {period.end}) - {department}{narrowed} - "
            f"{scope_label(session, actor)}",
            frame,
            footer=f"Generated {now:%Y-%m-%d %H:%M} UTC by {actor.username}",
        )
    if file_format == "csv":
        return to_csv_bytes(frame)
    about = _about("Logbook summary", session, actor, period, department, now, programme)
    about = replace(about, filters={**about.filters, **training})
    return to_xlsx_bytes(frame, sheet_name="logbook summary", about=about)


def _about(
    title: str, session: Session, actor: UserSummary, period: Period, department: str, now: datetime, programme: str
) -> ExportAbout:
    return ExportAbout(
        title=f"{title} - {programme}" if programme else title,
        generated_by=actor.username,
        generated_at=now,
        period=f"{period.label} ({period.start} to {period.end})",
        scope=scope_label(session, actor),
        filters={"department": department},
        data_as_of=now,
    )


def _params(
    session: Session, actor: UserSummary, period: Period, department_id: int | None, department: str, **extra: Any
) -> dict[str, Any]:
    return {
        "period": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "department_id": department_id,
        "department": department,
        "scope": scope_label(session, actor),
        **extra,
    }


def generate_eligibility_list(
    session: Session,
    actor: UserSummary,
    *,
    now: datetime,
    period: str | None = None,
    department_id: int | None = None,
    progress: Progress | None = None,
    training_year: int | None = None,
    cohort: str | None = None,
) -> ReportRunItem:
    """Every active trainee in scope (optionally of one training year / cohort) with their eligibility for the
    period, as XLSX, into the archive.

    Raises:
        PermissionDeniedError: the actor's role has no reports.
        InvalidInputError: bad period.
        NotFoundError: unknown department.
    """
    authorize(session, actor, *REPORT_ROLES)
    step = progress or (lambda _f, _m: None)
    chosen = parse_period(period or month_label(programme_date(now)))
    department = department_name(session, department_id)
    step(0.2, "Computing eligibility")
    table = list_eligibility(
        session,
        actor,
        period=chosen,
        department_id=department_id,
        today=programme_date(now),
        training_year=training_year,
        cohort=cohort,
    )
    frame = pd.DataFrame(
        {
            "registration_number": table["trainee_id"],
            "trainee": table["full_name"],
            "department": table["department"],
            "supervisor": table["supervisor"],
            "sessions": table["sessions"],
            "attended": table["attended"],
            "attendance_pct": table["percentage"],
            "eligible": table["eligible"].map({True: "yes", False: "no"}),
            "threshold_pct": table["threshold"],
            "sessions_needed": table["forecast"],
            "leave_excluded": table["leave_excluded"],
            "condoned": table["condoned"].map({True: "yes", False: "no"}),
            "condonation_reason": table["condonation_reason"],
        }
    )
    step(0.6, "Writing the XLSX file")
    about = _about("Eligibility list", session, actor, chosen, department, now, "")
    # The leave policy in force is part of what the list means (issue 16): stated on the About sheet.
    about = replace(
        about,
        filters={**about.filters, **_training_filters(training_year, cohort), "leave policy": policy_text(session)},
    )
    content = to_xlsx_bytes(frame, sheet_name=f"eligibility {chosen.label}", about=about)
    params = _params(
        session,
        actor,
        chosen,
        department_id,
        department,
        rows=len(frame),
        eligible=int(table["eligible"].sum()),
        training_year=training_year,
        cohort=cohort,
    )
    step(0.9, "Saving to the archive")
    return store_report(
        session,
        actor,
        kind=ReportKind.ELIGIBILITY_LIST,
        file_format="xlsx",
        content=content,
        params=params,
        now=now,
    )


def _default_period(now: datetime) -> str:
    return str(programme_date(now).year)


def _department(department_id: int | None) -> ColumnElement[bool]:
    return true() if department_id is None else User.department_id == department_id


def _training(training_year: int | None, cohort: str | None) -> list[ColumnElement[bool]]:
    """Conditions on the trainee (`User`) for a training year and cohort filter (issue 17)."""
    conditions: list[ColumnElement[bool]] = []
    if training_year is not None:
        conditions.append(User.training_year == training_year)
    if cohort is not None:
        conditions.append(User.cohort == cohort)
    return conditions


def _training_filters(training_year: int | None, cohort: str | None) -> dict[str, str]:
    """The training year and cohort filters as the About sheet and the PDF name them (only those set)."""
    named = {"training year": None if training_year is None else str(training_year), "cohort": cohort}
    return {name: value for name, value in named.items() if value is not None}
