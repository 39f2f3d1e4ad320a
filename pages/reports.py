"""Reports: generate leadership packs, logbook summaries and eligibility lists; the archive (admin, leadership, supervisor)."""

from datetime import date

import pandas as pd
import streamlit as st

from core.calendar import add_months, month_label, month_start
from core.clock import today as programme_today
from core.config import get_settings
from core.dto import ReportRequest, ReportRunItem, UserSummary
from core.rules.access import ADMIN, LEADERSHIP, SUPERVISOR
from core.rules.values import ReportKind
from core.services.dashboards import analytics
from core.services.reports import archive as archive_service
from core.services.reports import generation
from core.services.reports import pack as pack_service
from portal import actions, auth, loaders, state, tables, widgets

ROLES = (ADMIN, LEADERSHIP, SUPERVISOR)
KINDS = {
    ReportKind.LEADERSHIP_PACK: "Leadership pack (PDF)",
    ReportKind.LOGBOOK_SUMMARY: "Logbook summary (PDF, CSV or Excel)",
    ReportKind.ELIGIBILITY_LIST: "Eligibility list (Excel)",
}
FORMATS = ("pdf", "csv", "xlsx")
MONTHS_OFFERED = 24


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("📑 Reports")
    st.caption(
        "Every report is built for your view"
        + (" (your trainees only)" if user.role == SUPERVISOR else " (all trainees)")
        + " and kept in the archive with who made it, when and with which parameters."
    )
    generate, archive = st.tabs(["Generate a report", "Archive"], key="reports.tab", bind="query-params")
    if generate.open:
        with generate:
            _section_generate(user)
    if archive.open:
        with archive:
            _section_archive(user)


def _section_generate(user: UserSummary) -> None:
    today = programme_today()
    kind = st.radio("Report", list(KINDS), format_func=lambda k: KINDS[k], key="reports.kind", horizontal=True)
    departments: dict[int, str] = {0: "All departments", **dict(loaders.users.departments())}
    start = end = None
    period = None
    with st.form("reports.generate"):
        if kind == ReportKind.LEADERSHIP_PACK:
            months = [month_label(add_months(month_start(today), -i)) for i in range(MONTHS_OFFERED - 1, -1, -1)]
            default = analytics.default_filters(today, pack_service.PACK_MONTHS)
            chosen = st.select_slider(
                "Months",
                options=months,
                key="reports.months",
                value=(month_label(default.start), month_label(default.end)),
            )
            st.caption(
                "KPIs, compliance and ageing cover these months; the trends show the 12 months "
                "up to the last one; the at-risk list is the current quarter."
            )
            start, end = _month(chosen[0]), _month(chosen[1])
        else:
            period = st.text_input(
                "Period",
                value=today.strftime("%Y" if kind == ReportKind.LOGBOOK_SUMMARY else "%Y-%m"),
                key="reports.period",
            )
            st.caption("A month (YYYY-MM), a quarter (YYYY-Qn), a year (YYYY) or days (YYYY-MM-DD..YYYY-MM-DD).")
        file_format = "pdf"
        if kind == ReportKind.LOGBOOK_SUMMARY:
            file_format = st.selectbox("Format", FORMATS, key="reports.format") or "pdf"
        department = st.selectbox(
            "Department", list(departments), format_func=lambda i: departments[i], key="reports.department"
        )
        training_year, cohort = (None, None) if kind == ReportKind.LEADERSHIP_PACK else _training_fields(user)
        submitted = st.form_submit_button("Generate", type="primary")
    if submitted and kind is not None:
        request = ReportRequest(
            kind=kind,
            department_id=department or None,
            start=start,
            end=end,
            period=period,
            file_format=file_format,
            training_year=training_year,
            cohort=cohort,
        )
        _generate(user, request)
    _last_generated(user)


def _training_fields(user: UserSummary) -> tuple[int | None, str | None]:
    """Training year and cohort of the logbook summary and the eligibility list (issue 17); None = everyone."""
    years = [0, *range(1, int(str(loaders.settings.runtime_settings().get("training_years", 5))) + 1)]
    cohorts = ["", *loaders.training.cohorts(user)]
    left, right = st.columns(2)
    year = left.selectbox(
        "Training year", years, format_func=lambda y: f"Year {y}" if y else "All years", key="reports.year"
    )
    cohort = right.selectbox("Cohort", cohorts, format_func=lambda c: c or "All cohorts", key="reports.cohort")
    return year or None, cohort or None


def _generate(user: UserSummary, request: ReportRequest) -> None:
    settings = get_settings()
    actions.run_with_progress(
        lambda session, now, progress: generation.generate_report(
            session,
            user,
            request,
            now=now,
            programme=settings.programme_name,
            progress=progress,
        ),
        label=f"Generating the {KINDS[request.kind].split(' (')[0].lower()}…",
        affects=actions.Write.REPORT,
        finished=lambda item: f"Generated {item.file_name}",
        after=_remember,
    )


def _remember(item: ReportRunItem) -> None:
    st.session_state[state.REPORTS_LAST_RUN] = item.id


def _last_generated(user: UserSummary) -> None:
    run_id = st.session_state.get(state.REPORTS_LAST_RUN)
    if run_id is None:
        return
    item = next((r for r in loaders.reports.report_runs(user) if r.id == run_id), None)
    if item is None:
        return
    st.success(
        f"**{widgets.plain(item.title)}** ready: {widgets.plain(item.file_name)} ({item.size_bytes:,} bytes). It is also in the archive."
    )
    _download(user, item, key="reports.last_download")


def _section_archive(user: UserSummary) -> None:
    runs = loaders.reports.report_runs(user)
    if not runs:
        widgets.empty_state("No reports yet.", "Generate one, or wait for the weekly leadership pack.")
        return
    kinds: list[str] = ["", *KINDS]
    current = widgets.url_param("kind", "")
    kind = st.selectbox(
        "Report type",
        kinds,
        index=kinds.index(current) if current in kinds else 0,
        format_func=lambda k: KINDS.get(ReportKind(k), "All reports") if k else "All reports",
        key="reports.archive_kind",
    )
    widgets.set_url_params(kind=kind)
    shown = [r for r in runs if not kind or r.kind == kind]
    frame = _archive_frame(shown)
    st.caption(f"{len(frame)} report(s), newest first.")
    tables.show(
        frame, hide_index=True, width="stretch", column_config={"id": st.column_config.NumberColumn("id", format="%d")}
    )
    widgets.download_buttons(frame, name="report-archive", key="reports.archive_table")
    by_id = {r.id: r for r in shown}
    if not by_id:
        return
    choice = st.selectbox(
        "Download a report",
        list(by_id),
        key="reports.archive_pick",
        format_func=lambda i: (
            f"#{i} {by_id[i].file_name} ({by_id[i].created_by}, {by_id[i].created_at:%Y-%m-%d %H:%M})"
        ),
    )
    _download(user, by_id[choice], key="reports.archive_download")


def _archive_frame(runs: list[ReportRunItem]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": r.id,
                "report": r.title,
                "format": r.file_format.upper(),
                "period": str(r.params.get("period", "")),
                "department": str(r.params.get("department", "")),
                "scope": str(r.params.get("scope", "")),
                "generated_by": r.created_by,
                "generated_at": r.created_at,
                "size_kb": round(r.size_bytes / 1024, 1),
                "sha256": (r.checksum or "")[:16],
                "file": r.file_name,
            }
            for r in runs
        ]
    )


def _download(user: UserSummary, item: ReportRunItem, *, key: str) -> None:
    """The file is read (and the download audited, report_downloaded) only when the button is clicked: the
    archive preselects the newest report, and showing its button is not downloading it."""
    st.download_button(
        f"⬇️ Download {widgets.plain(item.file_name)}",
        data=lambda: loaders.reports.report_file(user, item.id).content,
        file_name=item.file_name,
        mime=archive_service.MIME.get(item.file_format, "application/octet-stream"),
        key=key,
        type="primary",
        on_click="ignore",
    )


def _month(label: str) -> date:
    return date.fromisoformat(f"{label}-01")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
