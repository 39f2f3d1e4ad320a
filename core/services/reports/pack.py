"""The leadership pack: the dashboards' figures (core.services.dashboards.analytics) as a PDF in the archive.

Every number comes from the same read services the dashboard uses, with the viewer's scope,
so a pack and the dashboard with the same filters agree, and a supervisor's pack holds only
their trainees.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from core.calendar import month_end, month_label, month_start, months_between, period_label
from core.clock import programme_date
from core.dto import SYSTEM_ACTOR, DashboardFilters, KpiCard, ReportRunItem, Scope, UserSummary
from core.errors import InvalidInputError
from core.exports import human_header
from core.models import User
from core.pdf.charts import Trend
from core.pdf.reports import PackData, render_pack_pdf
from core.repositories import analytics as analytics_repo
from core.rules.values import ReportKind
from core.services.access import authorize
from core.services.dashboards import analytics, figures
from core.services.dashboards import overview as analytics_overview
from core.services.dashboards import trainees as analytics_trainees
from core.services.reports.archive import REPORT_ROLES, Progress, department_name, scope_label, store_report
from core.services.results.analytics import results_by_department, score_distribution
from core.services.settings import get_setting
from core.services.training.progress import list_progress, on_track_frame

PACK_MONTHS = 3


def pack_filters(
    today: date, *, start: date | None = None, end: date | None = None, department_id: int | None = None
) -> DashboardFilters:
    """Whole months [start, end] (default: the dashboard's default, the last 3 months to date).

    Raises:
        InvalidInputError: start after end, or an end in the future.
    """
    default = analytics.default_filters(today, PACK_MONTHS)
    first = month_start(start) if start else default.start
    last = month_start(end) if end else default.end
    if first > last:
        raise InvalidInputError("The first month is after the last month.")
    if last > month_start(today):
        raise InvalidInputError("The last month is in the future.")
    return DashboardFilters(start=first, end=last, department_id=department_id)


def collect_pack_data(
    session: Session, actor: UserSummary, *, filters: DashboardFilters, now: datetime, programme: str
) -> PackData:
    """The pack's figures for the viewer's scope, from the dashboard read services.

    Raises:
        PermissionDeniedError: the actor's role has no reports.
        NotFoundError: unknown department.
    """
    authorize(session, actor, *REPORT_ROLES)
    today = programme_date(now)
    department = department_name(session, filters.department_id)
    overview = analytics_overview.get_overview(session, actor, filters=filters, today=today, now=now)
    attendance_trend = analytics.attendance_by_department(session, actor, filters=filters)
    entries_trend = analytics.logbook_trend(session, actor, filters=filters)
    compliance = analytics.compliance_by_department(session, actor, filters=filters)
    ageing = analytics.pending_ageing(session, actor, filters=filters, now=now)
    risk = analytics_trainees.at_risk(session, actor, filters=filters, today=today)
    attendance = attendance_and_eligibility(session, actor, filters=filters, monthly=attendance_trend)
    period = period_label(filters.start, filters.end)
    partial = month_label(today) if filters.end >= month_start(today) else None  # this month: figures to date
    data = PackData(
        programme=programme,
        period_label=period,
        period_text=f"{filters.start.isoformat()} to {month_end(filters.end).isoformat()}",
        filters={"Department": department, "Scope": scope_label(session, actor)},
        generated_at=f"{now:%Y-%m-%d %H:%M} UTC",
        generated_by="System (scheduled job)" if actor == SYSTEM_ACTOR else f"{actor.full_name} ({actor.username})",
        data_as_of=f"{now:%Y-%m-%d %H:%M} UTC (live database)",
        kpis=[_kpi(card) for card in overview.cards],
        kpi_note=_kpi_note(overview.period_label, overview.previous_label, period),
        trends=[
            Trend("Attendance % by department, 12 months", _trend(attendance_trend, "Attendance %"), "%", partial),
            Trend(
                "Logbook entries submitted by department, 12 months", _trend(entries_trend, "Entries"), "count", partial
            ),
        ],
        compliance=analytics.compliance_table(compliance),
        ageing=ageing,
        attendance=attendance,
        at_risk=risk.rows,
        at_risk_note=(
            f"Active trainees below the {risk.threshold}% attendance threshold in "
            f"{risk.period_label} so far, with the sessions still needed if all further "
            "sessions are attended; 'out of reach' when that is more than the sessions left this quarter "
            "(the programme's sessions per day so far times the days left)."
        ),
    )
    data.sections.extend(training_sections(session, actor, filters=filters, today=today, department=department))
    return _with_checksum(data)


def training_sections(
    session: Session, actor: UserSummary, *, filters: DashboardFilters, today: date, department: str
) -> list[tuple[str, str, pd.DataFrame]]:
    """Issue 17's pack pages: logbook progress on track, results by department, score distribution."""
    only = None if filters.department_id is None else department
    on_track = on_track_frame(list_progress(session, actor, today=today, department_id=filters.department_id))
    return [
        (
            "Logbook progress: trainees on track by department and training year",
            "Approved entries in the current training year against its targets; behind = a target under its share "
            "once the checkpoint of the year has passed (settings progress_checkpoint_percent, "
            "progress_behind_share_percent). Trainees without targets are not counted.",
            _worded(on_track),
        ),
        (
            "Results by department: pass rate and mean",
            "Published and frozen results; pass rate = passed / results, mean = mean percentage of those results.",
            _worded(results_by_department(session, actor, department=only)),
        ),
        (
            "Score distribution per assessment",
            "Published and frozen results by percentage of the maximum score.",
            _worded(score_distribution(session, actor, department=only)),
        ),
    ]


def _worded(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns=lambda c: human_header(c) if "_" in str(c) else str(c)[:1].upper() + str(c)[1:])


def _kpi_note(cards: str, previous: str, period: str) -> str:
    """The dashboard's caption: the cards compare complete months like with like, so when the pack's period
    runs into this month they cover the complete months before it, while the pages after cover the period."""
    note = f"Cards: {cards}, compared with {previous}."
    return note if cards == period else f"{note} The tables and charts on the next pages cover {period}."


def attendance_and_eligibility(
    session: Session, actor: UserSummary, *, filters: DashboardFilters, monthly: pd.DataFrame
) -> pd.DataFrame:
    """Per department over the period: sessions, attended, attendance %, active trainees, eligible, eligible %."""
    months = {month_label(m) for m in months_between(filters.start, filters.end)}
    in_period = monthly[monthly["Month"].isin(months)]
    sums = in_period.groupby("Department", sort=True)[["Sessions", "Attended"]].sum()
    threshold = float(get_setting(session, "attendance_threshold"))
    options = analytics.dashboard_options(session, actor)
    names = dict(options.departments)
    records = []
    for name, row in sums.iterrows():
        department_id = next((i for i, n in names.items() if n == name), None)
        if filters.department_id is not None and department_id != filters.department_id:
            continue
        trainees, eligible = _eligible_in(session, actor, filters, department_id, threshold)
        sessions, attended = int(row["Sessions"]), int(row["Attended"])
        records.append(
            {
                "Department": name,
                "Sessions": sessions,
                "Attended": attended,
                "Attendance %": figures.attendance_pct(attended, sessions),
                "Active trainees": trainees,
                "Eligible": eligible,
                "Eligible %": round(100 * eligible / trainees, 2) if trainees else None,
            }
        )
    frame = pd.DataFrame(
        records,
        columns=["Department", "Sessions", "Attended", "Attendance %", "Active trainees", "Eligible", "Eligible %"],
    )
    for column in ("Attendance %", "Eligible %"):
        frame[column] = frame[column].astype("float64")
    return frame


def _eligible_in(
    session: Session, actor: UserSummary, filters: DashboardFilters, department_id: int | None, threshold: float
) -> tuple[int, int]:
    user = authorize(session, actor, *REPORT_ROLES)
    scope = actor.scope if user is None else Scope(role=user.role, user_id=user.id)
    narrowed = DashboardFilters(filters.start, filters.end, department_id=department_id)
    view = analytics_repo.view_conditions(scope, narrowed)
    if department_id is None:
        view.append(User.department_id.is_(None))
    return figures.eligible_counts(session, view, start=filters.start, end=filters.end, threshold=threshold)


def generate_leadership_pack(
    session: Session,
    actor: UserSummary,
    *,
    now: datetime,
    programme: str,
    start: date | None = None,
    end: date | None = None,
    department_id: int | None = None,
    progress: Progress | None = None,
) -> ReportRunItem:
    """Build the pack for the viewer's scope and keep it in the archive.

    Raises:
        PermissionDeniedError: the actor's role has no reports.
        InvalidInputError: bad months.
        NotFoundError: unknown department.
    """
    step = progress or (lambda _f, _m: None)
    authorize(session, actor, *REPORT_ROLES)
    filters = pack_filters(programme_date(now), start=start, end=end, department_id=department_id)
    step(0.1, "Reading the dashboard figures")
    data = collect_pack_data(session, actor, filters=filters, now=now, programme=programme)
    content = render_pack_pdf(data, progress=step)
    params = {
        "period": data.period_label.replace(" – ", ".."),
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "department_id": department_id,
        "department": data.filters["Department"],
        "scope": data.filters["Scope"],
        "content_checksum": data.content_checksum,
        "at_risk": len(data.at_risk),
    }
    step(0.95, "Saving to the archive")
    return store_report(
        session,
        actor,
        kind=ReportKind.LEADERSHIP_PACK,
        file_format="pdf",
        content=content,
        params=params,
        now=now,
    )


def _kpi(card: KpiCard) -> tuple[str, str, str]:
    if card.value is None:
        value = analytics.DASH
    elif card.unit == "percent":
        value = f"{analytics.percent_text(card.value)}%"
    else:
        value = f"{int(card.value):,}"
    base = f"{card.base_text}{' (small base)' if card.small_base else ''}; " if card.base is not None else ""
    if card.previous is None:
        note = card.comparison
    elif card.unit == "percent":
        note = f"{analytics.percent_text(card.previous)}% {card.comparison}"
    else:
        note = f"{int(card.previous):,} {card.comparison}"
    return card.label, value, base + note


def _trend(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return pd.DataFrame({"month": frame["Month"], "department": frame["Department"], "value": frame[column]})


def _with_checksum(data: PackData) -> PackData:
    def frame_json(frame: pd.DataFrame) -> Any:
        return json.loads(frame.to_json(orient="split", date_format="iso"))

    content = {
        "period": [data.period_label, data.period_text],
        "filters": data.filters,
        "kpis": data.kpis,
        "trends": [[t.title, frame_json(t.frame)] for t in data.trends],
        "compliance": frame_json(data.compliance),
        "ageing": frame_json(data.ageing),
        "attendance": frame_json(data.attendance),
        "at_risk": frame_json(data.at_risk),
        "sections": [[title, frame_json(table)] for title, _, table in data.sections],
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
    return PackData(**{**data.__dict__, "content_checksum": digest})
