"""Attendance: upload attendance files, preview, import all or nothing, history and undo (programme office, supervisors)."""

import hashlib
from datetime import date

import pandas as pd
import streamlit as st

from core.dto import AttendanceImportReport, ImportBatchSummary, RowError, UndoReport, UserSummary
from core.errors import InvalidInputError
from core.rules.access import ADMIN, SUPERVISOR
from core.rules.values import AttendanceStatus, ImportBatchState
from core.services.attendance import batches as batch_service
from core.services.attendance import imports as attendance_service
from portal import actions, attendance_monitor, auth, confirm, loaders, state, tables, widgets

ROLES = (ADMIN, SUPERVISOR)
SHORT_LIST = 50  # problems shown as a plain table; longer lists get a scrollable, searchable grid
FORMAT_HELP = """
**Required columns** (header row first; names are case-insensitive, any order, unknown columns are ignored):
`trainee_id` (registration number), `session_date` (not in the future), `session` (e.g. AM, PM,
Grand round), `status` (present, late, absent, excused; also P, L, A, E, and leave = excused; more words
in the System setting *status vocabulary*).

**Optional:** `department` (must exist; defaults to the trainee's), `check_in_time` (08:05, 8:05 AM or
2026-11-03T08:05), `remarks`.

**Dates:** YYYY-MM-DD, 4-Mar-2025, and DD/MM/YYYY, MM/DD/YYYY or YY/MM/DD as the *date order* below says
(two-digit years and dots work too). Other headers (`Student ID`, `Date`, `Reg No`…) are matched, or you map
them. A file with one column per session (`03/03/2025 AM`, `3 Mar 2025 Ward round`) and status codes in the
cells is read one row per mark.

The same trainee, date and session uploaded again **updates** that row; the same key twice in one file
is an error. If any row has an error, **nothing** is imported. CSV must be UTF-8.
"""
FIELDS = ("trainee_id", "session_date", "session", "status", "department", "check_in_time", "remarks")
REQUIRED = FIELDS[:4]
DATE_ORDERS = ("DMY", "MDY", "YMD")
NOT_IN_FILE = "(not in the file)"


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("🗓️ Attendance")
    if user.role == SUPERVISOR:
        st.caption("You can import a file when every row is one of your own trainees.")
    result = st.session_state.get(state.ATTENDANCE_RESULT)
    if result:
        st.success(widgets.plain(result), icon="✅")  # it names the uploaded file
        st.session_state[state.ATTENDANCE_RESULT] = None  # shown once
    labels = ["Upload", "Import history", *(["Correct a record"] if user.role == ADMIN else []), "Missing attendance"]
    tabs = st.tabs(labels, key="attendance.tab")
    with tabs[0]:
        _section_upload(user)
    with tabs[1]:
        _section_history(user)
    if user.role == ADMIN:
        with tabs[2]:
            _section_correct(user)
    with tabs[-1]:
        attendance_monitor.render_monitor(user)


def _section_upload(user: UserSummary) -> None:
    runtime = loaders.settings.runtime_settings()
    limit = int(str(runtime.get("upload_max_mb", 50)))
    with st.expander("File format and template"):
        st.markdown(FORMAT_HELP)
        st.download_button(
            "⬇️ Template (CSV)",
            attendance_service.attendance_template_csv(),
            file_name="attendance-template.csv",
            mime="text/csv",
            key="attendance.template",
        )
    version = st.session_state[state.ATTENDANCE_UPLOADER_VERSION]
    uploaded = st.file_uploader(
        f"Attendance file: CSV or Excel (.xlsx), up to {limit} MB",
        type=["csv", "xlsx"],
        key=f"attendance.file.{version}",
        max_upload_size=limit,
    )
    if uploaded is None:
        st.session_state[state.ATTENDANCE_PREVIEW] = None
        return
    st.session_state[state.ATTENDANCE_RESULT] = None
    content = uploaded.getvalue()
    sheet = _choose_sheet(uploaded.name, content)
    options = _choose_options(runtime, sheet, version)
    key = (hashlib.sha256(content).hexdigest(), uploaded.name, repr(options))
    preview = st.session_state.get(state.ATTENDANCE_PREVIEW)
    if not preview or preview["key"] != key:
        name = uploaded.name
        # A refused check is audited, so the check goes through the seam like the import.
        report = actions.run_with_progress(
            lambda session, now, progress: attendance_service.preview_attendance_import(
                session, user, content=content, file_name=name, now=now, progress=progress, options=options
            ),
            label="Checking the file…",
            affects=actions.Write.ATTENDANCE_IMPORT,
            succeeded=lambda r: r.accepted,
        )
        if report is None:
            return
        preview = {"key": key, "report": report}
        st.session_state[state.ATTENDANCE_PREVIEW] = preview
    _show_preview(preview["report"])
    _mapping_step(user, preview["report"], version)
    _import_button(user, preview["report"], content, uploaded.name, options)


def _choose_options(runtime: dict[str, object], sheet: str | None, version: int) -> attendance_service.ImportOptions:
    """The upload's date order, saved mapping and the mapping chosen in the mapping step."""
    default_order = str(runtime.get("date_order") or "DMY")
    saved_text = str(runtime.get("attendance_mappings") or "")
    saved = [p.partition(":")[0].strip() for p in saved_text.split(";") if p.strip()]
    columns = st.columns(2)
    order = columns[0].selectbox(
        "Date order in this file",
        DATE_ORDERS,
        index=DATE_ORDERS.index(default_order) if default_order in DATE_ORDERS else 0,
        key=f"attendance.date_order.{version}",
    )
    # Shown, not a tooltip: a phone has no hover (issue 18).
    columns[0].caption(
        "How to read a date such as 03/04/2025: DMY is 3 April, MDY is 4 March. "
        "The default is the date order setting on the System page."
    )
    name = columns[1].selectbox(
        "Saved column mapping",
        ["(none)", *saved],
        index=0,
        key=f"attendance.saved_mapping.{version}",
        disabled=not saved,
    )
    mapping = st.session_state.get(f"attendance.mapping.{version}")
    return attendance_service.ImportOptions(
        sheet=sheet,
        mapping=dict(mapping) if mapping else None,
        mapping_name=None if name == "(none)" else name,
        date_order=order,
    )


def _mapping_step(user: UserSummary, report: AttendanceImportReport, version: int) -> None:
    """When fields are missing (or the file was mapped), let the user say which column is which."""
    if report.refusal or not report.file_columns:
        return
    mapped = dict(report.mapping)
    if not report.missing_columns and all(mapped.get(f) == f for f in REQUIRED):
        return
    with st.expander("Column mapping", expanded=bool(report.missing_columns)):
        if report.wide_sessions:
            st.caption(
                f"One column per session: {len(report.wide_sessions)} session columns "
                f"({widgets.plain(', '.join(report.wide_sessions[:5]))}{'…' if len(report.wide_sessions) > 5 else ''}); "
                "each mark becomes one row."
            )
        st.caption("Each field takes one of the file's columns (pre-filled from the column names).")
        choices = [NOT_IN_FILE, *report.file_columns]
        chosen: dict[str, str] = {}
        fields = ("trainee_id", "department") if report.wide_sessions else FIELDS
        columns = st.columns(2)
        for position, name in enumerate(fields):
            current = mapped.get(name)
            picked = columns[position % 2].selectbox(
                name + (" (required)" if name in REQUIRED else ""),
                choices,
                index=choices.index(current) if current in choices else 0,
                key=f"attendance.map.{version}.{name}",
            )
            if picked != NOT_IN_FILE:
                chosen[picked] = name
        if st.button("Check again with this mapping", key=f"attendance.map.apply.{version}"):
            st.session_state[f"attendance.mapping.{version}"] = chosen
            st.rerun()
        if user.role == ADMIN:
            _save_mapping(user, chosen, version)


def _save_mapping(user: UserSummary, chosen: dict[str, str], version: int) -> None:
    cols = st.columns([3, 1])
    name = cols[0].text_input("Save this mapping as", key=f"attendance.map.name.{version}", max_chars=40)
    if not cols[1].button("Save mapping", key=f"attendance.map.save.{version}", disabled=not name.strip()):
        return
    actions.run(
        lambda session, now: attendance_service.save_column_mapping(session, user, name, chosen, now=now),
        affects=actions.Write.SETTINGS,
        done=f"Saved the column mapping '{name.strip()}'.",
    )


def _choose_sheet(file_name: str, content: bytes) -> str | None:
    if not file_name.lower().endswith(".xlsx"):
        return None
    try:
        sheets = attendance_service.list_sheet_names(content)
    except InvalidInputError:
        return None  # the preview says why the workbook cannot be read
    if len(sheets) <= 1:
        return sheets[0] if sheets else None
    return st.selectbox("Sheet", sheets, index=0, key="attendance.sheet")


def _show_preview(report: AttendanceImportReport) -> None:
    if report.refusal:
        st.error(widgets.plain(report.refusal), icon="⛔")
        return
    if report.previous_batch is not None:
        st.warning(
            f"This exact file was already imported as {widgets.plain(batch_service.describe_batch(report.previous_batch))}. "
            "Importing it again only changes rows edited since then.",
            icon="⚠️",
        )
    if report.warnings:
        st.warning(
            "Rows dated on a holiday or term break of the programme calendar: check them before importing "
            "(they are imported as they are).",
            icon="📅",
        )
        st.table(pd.DataFrame({"Dated on a closure": list(report.warnings)}), hide_index=True)
    if not report.accepted:
        st.error(
            f"{len(report.problem_lines):,} problem(s) in {report.rows_total:,} rows: nothing can be imported "
            "until they are fixed. Correct the file and upload it again.",
            icon="⛔",
        )
        frame = _problem_frame(report.problems)
        if len(frame) <= SHORT_LIST:
            st.table(frame, hide_index=True)
        else:
            tables.show(frame, hide_index=True, width="stretch", height=400)
        columns = st.columns(2)
        columns[0].download_button(
            "⬇️ Bad rows with reasons (CSV)",
            report.bad_rows_csv or b"",
            file_name=f"{report.file_name}-bad-rows.csv",
            mime="text/csv",
            key="attendance.bad_rows",
            disabled=not report.bad_rows_csv,
            width="stretch",
        )
        with columns[1]:
            widgets.download_buttons(frame, name="attendance-errors", key="attendance.errors", xlsx=False)
        return
    st.success(f"All {report.rows_total:,} rows are valid.", icon="✅")
    cols = st.columns(4)
    cols[0].metric("Rows in file", f"{report.rows_total:,}")
    cols[1].metric("To insert", f"{report.inserted:,}")
    cols[2].metric("To update", f"{report.updated:,}")
    cols[3].metric("Unchanged", f"{report.unchanged:,}")
    if report.changes:
        st.caption(
            f"Rows that would change ({report.changes_total:,}; the first {len(report.changes):,} are listed, "
            "the download has them all):"
        )
        tables.show(_changes_frame(report), hide_index=True, width="stretch", height=300)
        st.download_button(
            "⬇️ Rows that would change (CSV)",
            report.changes_csv,
            file_name=f"{report.file_name}-changes.csv",
            mime="text/csv",
            key="attendance.changes",
        )


def _changes_frame(report: AttendanceImportReport) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "trainee": [c.trainee for c in report.changes],
            "session_date": [f"{c.session_date:%Y-%m-%d}" for c in report.changes],
            "session": [c.session for c in report.changes],
            "old_status": [c.old_status or "(new row)" for c in report.changes],
            "new_status": [c.new_status for c in report.changes],
        }
    )


def _problem_frame(problems: tuple[RowError, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.array([p.row for p in problems], dtype="Int64"),
            "problem": pd.Series([p.message for p in problems], dtype="str"),
        }
    )


def _import_button(
    user: UserSummary,
    report: AttendanceImportReport,
    content: bytes,
    name: str,
    options: attendance_service.ImportOptions,
) -> None:
    if not report.accepted:
        return
    again = True
    if report.previous_batch is not None:
        again = st.checkbox("Import it again anyway", key="attendance.import_again")
    if not st.button("Import", type="primary", disabled=not again, key="attendance.import"):
        return
    done = actions.run_with_progress(
        lambda session, now, progress: attendance_service.import_attendance(
            session, user, content=content, file_name=name, now=now, progress=progress, options=options
        ),
        label="Importing…",
        affects=actions.Write.ATTENDANCE_IMPORT,
        succeeded=lambda r: r.accepted,
        after=lambda r: _imported(r, name),
        rerun=lambda r: r.accepted,
    )
    if done is not None and not done.accepted:  # the rows changed since the check: show why, import nothing
        st.session_state[state.ATTENDANCE_PREVIEW] = {"key": None, "report": done}
        _show_preview(done)


def _imported(done: AttendanceImportReport, name: str) -> None:
    """After an accepted import: keep its summary for the next run and start a fresh uploader."""
    if not done.accepted:
        return
    st.session_state[state.ATTENDANCE_RESULT] = (
        f"Imported batch #{done.batch_id} ({name}): inserted {done.inserted:,}, updated {done.updated:,}, "
        f"unchanged {done.unchanged:,}. It is listed under Import history, where it can be undone."
    )
    st.session_state[state.ATTENDANCE_PREVIEW] = None
    st.session_state[state.ATTENDANCE_UPLOADER_VERSION] += 1


def _history_frame(batches: list[ImportBatchSummary]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "batch": b.id,
                "file": b.file_name,
                "imported_by": b.imported_by,
                "imported_at": f"{b.imported_at:%Y-%m-%d %H:%M}",
                "rows": b.rows_total,
                "inserted": b.inserted,
                "updated": b.updated,
                "unchanged": b.unchanged,
                "state": b.state,
                "undone_at": f"{b.undone_at:%Y-%m-%d %H:%M}" if b.undone_at else "",
                "undone_by": b.undone_by or "",
            }
            for b in batches
        ],
        columns=[
            "batch",
            "file",
            "imported_by",
            "imported_at",
            "rows",
            "inserted",
            "updated",
            "unchanged",
            "state",
            "undone_at",
            "undone_by",
        ],
    )


def _section_history(user: UserSummary) -> None:
    batches = loaders.attendance.import_batches(user)
    if not batches:
        widgets.empty_state("No files imported yet.", "Upload a file on the Upload tab.")
        return
    frame = _history_frame(batches)
    tables.show(frame, hide_index=True, width="stretch")
    widgets.download_buttons(frame, name="attendance-import-history", key="attendance.history")
    undoable = {b.id: b for b in batches if b.state == ImportBatchState.IMPORTED}
    st.subheader("Undo a batch")
    if not undoable:
        st.caption("Every batch listed has already been undone.")
        return
    choice = st.selectbox(
        "Batch",
        list(undoable),
        index=None,
        placeholder="Choose a batch to undo…",
        format_func=lambda i: batch_service.describe_batch(undoable[i]),
        key=f"attendance.undo_batch.{st.session_state[state.ATTENDANCE_UNDO_VERSION]}",
    )
    if choice is None:
        st.caption("Undo removes the rows a batch inserted and restores the previous values of rows it updated.")
        return
    picked = undoable[choice]
    st.caption(
        f"Undoing batch #{picked.id} removes {picked.inserted:,} inserted rows and restores "
        f"{picked.updated:,} updated rows."
    )
    confirm.ask_button(f"Undo batch #{picked.id}", key="attendance.undo")
    if confirm.confirmed(
        "attendance.undo",
        f"Undo batch #{picked.id} ({picked.file_name})? It removes {picked.inserted:,} inserted "
        f"rows and restores {picked.updated:,} updated rows to their earlier values.",
        confirm=f"Yes, undo batch #{picked.id}",
        final="Importing the file again brings the rows back.",
    ):
        # A denied undo is audited too, so it commits (and clears the caches) like a done one.
        outcome = actions.run(
            lambda session, now: batch_service.undo_import_batch(session, user, batch_id=picked.id, now=now),
            affects=actions.Write.ATTENDANCE_IMPORT,
            after=_undone,
            rerun=lambda o: o.undone,
        )
        if outcome is not None and not outcome.undone:
            st.warning(widgets.plain(outcome.message), icon="⚠️")


def _undone(outcome: UndoReport) -> None:
    if outcome.undone:
        st.session_state[state.ATTENDANCE_RESULT] = outcome.message
        st.session_state[state.ATTENDANCE_UNDO_VERSION] += 1  # a fresh, empty batch picker


def _section_correct(user: UserSummary) -> None:
    """An admin corrects one record's status and remarks, with a reason (audited; undoable like a batch)."""
    st.caption(
        "Correct one stored record without a new file. The correction is audited with the old and new values "
        "and listed under Import history, where it can be undone; an older batch that wrote the same row "
        "can then no longer be undone before it."
    )
    cols = st.columns(3)
    trainee = cols[0].text_input("Trainee (registration number)", key="attendance.fix.trainee").strip()
    day = cols[1].date_input("Date", value=None, key="attendance.fix.date", format="YYYY-MM-DD")
    slot = cols[2].text_input("Session", value="AM", key="attendance.fix.session").strip()
    if not trainee or not isinstance(day, date) or not slot:
        return
    record = loaders.attendance.attendance_record(user, trainee, day, slot)
    if record is None:
        st.info(f"No record for {widgets.plain(trainee)} on {day:%Y-%m-%d} ({widgets.plain(slot)}).", icon="ℹ️")
        return
    st.text(f"Now: {record.status}" + (f" — {record.remarks}" if record.remarks else ""))
    statuses = [status.value for status in AttendanceStatus]
    with st.form(f"attendance.fix.form.{record.id}"):
        status = st.selectbox("New status", statuses, index=statuses.index(record.status))
        remarks = st.text_area("Remarks", value=record.remarks or "", max_chars=2000)
        reason = st.text_input("Reason for the correction (required)", max_chars=300)
        submitted = st.form_submit_button("Save correction", type="primary")
    if submitted:
        actions.run(
            lambda session, now: batch_service.correct_attendance_record(
                session, user, record_id=record.id, status=status, remarks=remarks, reason=reason, now=now
            ),
            affects=actions.Write.ATTENDANCE_IMPORT,
            done=lambda b: f"Saved {batch_service.describe_batch(b)}.",
        )


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router()
