"""Attendance: upload attendance files, preview, import all or nothing, history and undo (programme office, supervisors)."""

import hashlib

import pandas as pd
import streamlit as st

from core.dto import AttendanceImportReport, ImportBatchSummary, RowError, UndoReport, UserSummary
from core.errors import InvalidInputError
from core.rules.access import ADMIN, SUPERVISOR
from core.rules.values import ImportBatchState
from core.services.attendance import batches as batch_service
from core.services.attendance import imports as attendance_service
from portal import actions, auth, loaders, state, widgets

ROLES = (ADMIN, SUPERVISOR)
SHORT_LIST = 50  # problems shown as a plain table; longer lists get a scrollable, searchable grid
FORMAT_HELP = """
**Required columns** (header row first; names are case-insensitive, any order, unknown columns are ignored):
`trainee_id` (registration number), `session_date` (YYYY-MM-DD, not in the future), `session` (e.g. AM, PM,
Grand round), `status` (present, late, absent, excused; also P, L, A, E, and leave = excused).

**Optional:** `department` (must exist; defaults to the trainee's), `check_in_time` (ISO 8601, e.g.
2026-11-03T08:05 or 08:05), `remarks`.

The same trainee, date and session uploaded again **updates** that row; the same key twice in one file
is an error. If any row has an error, **nothing** is imported. CSV must be UTF-8.
"""


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("🗓️ Attendance")
    if user.role == SUPERVISOR:
        st.caption("You can import a file when every row is one of your own trainees.")
    result = st.session_state.get(state.ATTENDANCE_RESULT)
    if result:
        st.success(result, icon="✅")
        st.session_state[state.ATTENDANCE_RESULT] = None  # shown once
    tab_upload, tab_history = st.tabs(["Upload", "Import history"], key="attendance.tab")
    with tab_upload:
        _section_upload(user)
    with tab_history:
        _section_history(user)


def _section_upload(user: UserSummary) -> None:
    limit = int(str(loaders.settings.runtime_settings().get("upload_max_mb", 50)))
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
    key = (hashlib.sha256(content).hexdigest(), uploaded.name, sheet)
    preview = st.session_state.get(state.ATTENDANCE_PREVIEW)
    if not preview or preview["key"] != key:
        name = uploaded.name
        # A refused check is audited, so the check goes through the seam like the import.
        report = actions.run_with_progress(
            lambda session, now, progress: attendance_service.preview_attendance_import(
                session, user, content=content, file_name=name, sheet=sheet, now=now, progress=progress
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
    _import_button(user, preview["report"], content, uploaded.name, sheet)


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
        st.error(report.refusal, icon="⛔")
        return
    if report.previous_batch is not None:
        st.warning(
            f"This exact file was already imported as {batch_service.describe_batch(report.previous_batch)}. "
            "Importing it again only changes rows edited since then.",
            icon="⚠️",
        )
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
            st.dataframe(frame, hide_index=True, width="stretch", height=400)
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


def _problem_frame(problems: tuple[RowError, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.array([p.row for p in problems], dtype="Int64"),
            "problem": pd.Series([p.message for p in problems], dtype="str"),
        }
    )


def _import_button(
    user: UserSummary, report: AttendanceImportReport, content: bytes, name: str, sheet: str | None
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
            session, user, content=content, file_name=name, sheet=sheet, now=now, progress=progress
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
    st.dataframe(frame, hide_index=True, width="stretch")
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
    if st.button(f"Undo batch #{picked.id}", key="attendance.undo"):
        # A denied undo is audited too, so it commits (and clears the caches) like a done one.
        outcome = actions.run(
            lambda session, now: batch_service.undo_import_batch(session, user, batch_id=picked.id, now=now),
            affects=actions.Write.ATTENDANCE_IMPORT,
            after=_undone,
            rerun=lambda o: o.undone,
        )
        if outcome is not None and not outcome.undone:
            st.warning(outcome.message, icon="⚠️")


def _undone(outcome: UndoReport) -> None:
    if outcome.undone:
        st.session_state[state.ATTENDANCE_RESULT] = outcome.message
        st.session_state[state.ATTENDANCE_UNDO_VERSION] += 1  # a fresh, empty batch picker


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router()
