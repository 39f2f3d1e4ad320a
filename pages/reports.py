"""Reports: generate leadership packs, logbook summaries and eligibility lists; the archive (admin, leadership, supervisor)."""

from datetime import date

import pandas as pd
import streamlit as st

from core.clock import utcnow
from core.config import get_settings
from core.dto import ReportRunItem, UserSummary
from core.rules.access import ADMIN, LEADERSHIP, SUPERVISOR
from core.services.dashboards import analytics
from core.services.dashboards.rollups import add_months, month_start
from core.services.reports import archive as report_service
from core.services.reports import exports as export_service
from core.services.reports import pack as pack_service
from portal import auth, errors, loaders, state, widgets
from portal.db import session_scope

ROLES = (ADMIN, LEADERSHIP, SUPERVISOR)
KINDS = {
    "leadership_pack": "Leadership pack (PDF)",
    "logbook_summary": "Logbook summary (PDF, CSV or Excel)",
    "eligibility_list": "Eligibility list (Excel)",
}
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
    today = utcnow().date()
    kind = st.radio("Report", list(KINDS), format_func=KINDS.get, key="reports.kind", horizontal=True)
    departments = {0: "All departments", **dict(loaders.users.departments())}
    with st.form("reports.generate"):
        if kind == "leadership_pack":
            months = [
                analytics.month_label(add_months(month_start(today), -i)) for i in range(MONTHS_OFFERED - 1, -1, -1)
            ]
            default = analytics.default_filters(today, pack_service.PACK_MONTHS)
            chosen = st.select_slider(
                "Months",
                options=months,
                key="reports.months",
                value=(analytics.month_label(default.start), analytics.month_label(default.end)),
            )
            st.caption(
                "KPIs, compliance and ageing cover these months; the trends show the 12 months "
                "up to the last one; the at-risk list is the current quarter."
            )
        else:
            period = st.text_input(
                "Period",
                value=today.strftime("%Y" if kind == "logbook_summary" else "%Y-%m"),
                key="reports.period",
                help="YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-DD..YYYY-MM-DD",
            )
        file_format = "pdf"
        if kind == "logbook_summary":
            file_format = st.selectbox("Format", ["pdf", "csv", "xlsx"], key="reports.format")
        department = st.selectbox(
            "Department", list(departments), format_func=departments.get, key="reports.department"
        )
        submitted = st.form_submit_button("Generate", type="primary")
    if submitted:
        options = {"department_id": department or None}
        if kind == "leadership_pack":
            options |= {"start": _month(chosen[0]), "end": _month(chosen[1])}
        else:
            options |= {"period": period, "file_format": file_format}
        _generate(user, kind, options)
    _last_generated(user)


def _generate(user: UserSummary, kind: str, options: dict[str, object]) -> None:
    settings = get_settings()
    with st.status(f"Generating the {KINDS[kind].split(' (')[0].lower()}…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting")

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        with errors.handled():
            with session_scope() as session:
                common = {"report_dir": settings.report_dir, "now": utcnow(), "progress": progress}
                if kind == "leadership_pack":
                    item = pack_service.generate_leadership_pack(
                        session, user, programme=settings.programme_name, **common, **options
                    )  # type: ignore[arg-type]
                elif kind == "logbook_summary":
                    item = export_service.generate_logbook_summary(
                        session, user, programme=settings.programme_name, **common, **options
                    )  # type: ignore[arg-type]
                else:
                    options.pop("file_format", None)
                    item = export_service.generate_eligibility_list(session, user, **common, **options)  # type: ignore[arg-type]
            bar.progress(1.0, text="Done")
            status.update(label=f"Generated {item.file_name}", state="complete", expanded=False)
            st.session_state[state.REPORTS_LAST_RUN] = item.id
            loaders.reports.report_runs.clear()
            return
        status.update(label="The report was not generated", state="error", expanded=True)


def _last_generated(user: UserSummary) -> None:
    run_id = st.session_state.get(state.REPORTS_LAST_RUN)
    if run_id is None:
        return
    item = next((r for r in loaders.reports.report_runs(user) if r.id == run_id), None)
    if item is None:
        return
    st.success(f"**{item.title}** ready: {item.file_name} ({item.size_bytes:,} bytes). It is also in the archive.")
    _download(user, item, key="reports.last_download")


def _section_archive(user: UserSummary) -> None:
    runs = loaders.reports.report_runs(user)
    if not runs:
        widgets.empty_state("No reports yet.", "Generate one, or wait for the weekly leadership pack.")
        return
    kinds = ["", *KINDS]
    current = widgets.url_param("kind", "")
    kind = st.selectbox(
        "Report type",
        kinds,
        index=kinds.index(current) if current in kinds else 0,
        format_func=lambda k: KINDS.get(k, "All reports"),
        key="reports.archive_kind",
    )
    widgets.set_url_params(kind=kind)
    shown = [r for r in runs if not kind or r.kind == kind]
    frame = _archive_frame(shown)
    st.caption(f"{len(frame)} report(s), newest first.")
    st.dataframe(
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
    with errors.handled(), session_scope() as session:
        report = report_service.get_report_file(session, user, item.id, report_dir=get_settings().report_dir)
        st.download_button(
            f"⬇️ Download {report.file_name}",
            data=report.content,
            file_name=report.file_name,
            mime=report.mime,
            key=key,
            type="primary",
        )


def _month(label: str) -> date:
    return date.fromisoformat(f"{label}-01")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
