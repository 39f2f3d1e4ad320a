"""Attendance upload: check a whole file, preview it, import it all or nothing.

Every attempt, accepted or refused, is audited with its counts; the batch history and undo live in
`core.services.attendance.batches`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

import pandas as pd
from sqlalchemy.orm import Session

from core.clock import programme_date
from core.dto import AttendanceChangePreview, AttendanceImportReport, RowError, SettingsUpdate, UserSummary
from core.errors import InvalidInputError
from core.exports import to_csv_bytes
from core.models import ImportBatch
from core.repositories import attendance as repo
from core.rules.attendance import (
    AttendanceValidation,
    build_trainee_directory,
    compute_months,
    compute_session_labels_to_match,
    validate_attendance,
)
from core.rules.attendance_files import FileRefusedError, RawSheet, list_xlsx_sheets, read_attendance_table
from core.rules.attendance_layout import DateOrder, compute_layout, compute_layout_sheet, parse_mapping_text
from core.rules.values import ImportBatchState, Role
from core.services.access import authorize
from core.services.attendance.batches import summarize_batches
from core.services.attendance.programme_calendar import closure_warnings
from core.services.audit import record_event
from core.services.dashboards import rollups
from core.services.settings import get_setting, update_settings

Progress = Callable[[float, str], None]
PREVIEW_ROWS = 500  # changed and new rows listed in the report (all of them are in its CSV)
TEMPLATE_CSV = (
    "trainee_id,session_date,session,status,department,check_in_time,remarks\n"
    "PG2025-0001,2026-11-02,AM,present,Internal Medicine,2026-11-02T08:02,\n"
    "PG2025-0001,2026-11-02,PM,late,,13:20,Traffic\n"
    "PG2026-0002,2026-11-02,AM,leave,,,Annual leave\n"
)


def _no_progress(_fraction: float, _message: str) -> None:
    return None


@dataclass(frozen=True)
class ImportOptions:
    """How to read one upload: its sheet, column mapping (file column -> field), saved mapping and date order."""

    sheet: str | None = None
    mapping: Mapping[str, str] | None = None
    mapping_name: str | None = None
    date_order: str | None = None


def list_saved_mappings(session: Session) -> dict[str, dict[str, str]]:
    """The saved column mappings by name (runtime setting `attendance_mappings`)."""
    text = str(get_setting(session, "attendance_mappings") or "")
    named: dict[str, dict[str, str]] = {}
    for part in (p for p in text.split(";") if p.strip()):
        name, _, mapping = part.partition(":")
        named[" ".join(name.split())] = parse_mapping_text(mapping)
    return named


def compute_mapping_text(mapping: Mapping[str, str]) -> str:
    """{file column: field} -> 'Student ID=trainee_id, Date=session_date' (the CLI's --map form)."""
    return ", ".join(f"{column}={name}" for column, name in mapping.items())


def save_column_mapping(
    session: Session, actor: UserSummary, name: str, mapping: Mapping[str, str], *, now: datetime
) -> dict[str, dict[str, str]]:
    """Save (or replace) a named column mapping in the `attendance_mappings` setting (admins).

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: an empty name or mapping, or an unknown field.
    """
    saved = list_saved_mappings(session)
    if not name.strip() or not mapping:
        raise InvalidInputError("A saved mapping needs a name and at least one column.")
    saved[" ".join(name.split())] = dict(mapping)
    value = "; ".join(f"{n}: {compute_mapping_text(m)}" for n, m in saved.items())
    update_settings(session, actor, SettingsUpdate({"attendance_mappings": value}), now=now)
    return list_saved_mappings(session)


def status_vocabulary(session: Session) -> dict[str, str]:
    """The extra status words (runtime setting `status_vocabulary`), word -> status."""
    text = str(get_setting(session, "status_vocabulary") or "")
    pairs = (part.rpartition("=") for part in text.split(",") if "=" in part)
    return {word.strip(): status.strip() for word, _, status in pairs if word.strip()}


def list_sheet_names(content: bytes) -> list[str]:
    """Sheet names of an uploaded .xlsx workbook.

    Raises:
        InvalidInputError: the bytes are not a readable workbook.
    """
    try:
        return list_xlsx_sheets(content)
    except FileRefusedError as exc:
        raise InvalidInputError(str(exc)) from None


def preview_attendance_import(
    session: Session,
    actor: UserSummary,
    *,
    content: bytes,
    file_name: str,
    now: datetime,
    sheet: str | None = None,
    progress: Progress | None = None,
    options: ImportOptions | None = None,
) -> AttendanceImportReport:
    """Check the whole file and count what an import would insert, update and leave unchanged.

    Writes nothing, except the audit event of a refused attempt.

    Raises:
        PermissionDeniedError: the actor may not upload attendance.
    """
    chosen = replace(options or ImportOptions(), sheet=sheet) if sheet else (options or ImportOptions())
    report, validation = _check(
        session, actor, content=content, file_name=file_name, options=chosen, now=now, progress=progress or _no_progress
    )
    if validation is None:
        _audit_attempt(session, actor, report, now=now, action="attendance_import_refused")
        return report
    step = progress or _no_progress
    step(0.6, "Comparing with stored attendance…")
    repo.stage_rows(session, validation.rows)
    inserted, updated = repo.count_staged_changes(session, validation.compared_columns)
    changes = repo.list_staged_changes(session, validation.compared_columns)
    repo.drop_staging(session)
    step(1.0, "Checked.")
    preview = tuple(
        AttendanceChangePreview(
            trainee=str(r["trainee"]),
            session_date=r["session_date"],
            session=str(r["session"]),
            old_status=None if pd.isna(r["old_status"]) else str(r["old_status"]),
            new_status=str(r["new_status"]),
        )
        for r in changes.head(PREVIEW_ROWS).to_dict("records")
    )
    counted = _counted(report, inserted, updated)
    return replace(
        counted,
        warnings=closure_warnings(session, validation.rows),
        changes=preview,
        changes_total=len(changes),
        changes_csv=to_csv_bytes(changes.fillna({"old_status": ""})) if len(changes) else b"",
    )


def import_attendance(
    session: Session,
    actor: UserSummary,
    *,
    content: bytes,
    file_name: str,
    now: datetime,
    sheet: str | None = None,
    progress: Progress | None = None,
    options: ImportOptions | None = None,
) -> AttendanceImportReport:
    """Check the whole file and, only if every row is valid, write it as one import batch.

    A key seen before is updated (its previous values kept for undo); unchanged rows are skipped.
    A refused file writes nothing but its audit event.

    Raises:
        PermissionDeniedError: the actor may not upload attendance.
    """
    step = progress or _no_progress
    chosen = replace(options or ImportOptions(), sheet=sheet) if sheet else (options or ImportOptions())
    report, validation = _check(
        session, actor, content=content, file_name=file_name, options=chosen, now=now, progress=step
    )
    if validation is None:
        _audit_attempt(session, actor, report, now=now, action="attendance_import_refused")
        return report
    step(0.5, "Writing…")
    batch = _open_batch(session, actor, report, file_name=file_name, now=now)
    inserted, updated = _apply_rows(session, batch, report, validation, step)
    done = replace(
        _counted(report, inserted, updated, imported=True, batch_id=batch.id),
        warnings=closure_warnings(session, validation.rows),
    )
    _audit_attempt(session, actor, done, now=now, action="attendance_imported")
    session.flush()
    step(1.0, "Imported.")
    return done


def _open_batch(
    session: Session, actor: UserSummary, report: AttendanceImportReport, *, file_name: str, now: datetime
) -> ImportBatch:
    """Take the import lock and add the batch the rows will belong to."""
    repo.lock_imports(session)
    batch = ImportBatch(
        file_name=file_name[:255],
        sha256=report.sha256,
        actor_id=actor.id,
        created_at=now,
        state=ImportBatchState.IMPORTED,
        rows_total=report.rows_total,
    )
    session.add(batch)
    session.flush()
    return batch


def _apply_rows(
    session: Session,
    batch: ImportBatch,
    report: AttendanceImportReport,
    validation: AttendanceValidation,
    step: Progress,
) -> tuple[int, int]:
    """Upsert the validated rows under `batch`, record its counts and refresh the months it touched."""
    repo.stage_rows(session, validation.rows)
    step(0.7, "Applying changes…")
    inserted, updated, months = repo.apply_staged_rows(
        session,
        batch_id=batch.id,
        compared=validation.compared_columns,
        staged=len(validation.rows),
        file_months=compute_months(validation.rows["session_date"]),
    )
    repo.drop_staging(session)
    batch.inserted, batch.updated = inserted, updated
    batch.unchanged = report.rows_total - inserted - updated
    if months:
        rollups.refresh_attendance_months(session, months)
    return inserted, updated


def _check(
    session: Session,
    actor: UserSummary,
    *,
    content: bytes,
    file_name: str,
    options: ImportOptions,
    now: datetime,
    progress: Progress,
) -> tuple[AttendanceImportReport, AttendanceValidation | None]:
    """Authorise, size-check, parse and validate; the validation is None when the file is refused."""
    user = authorize(session, actor, Role.ADMIN, Role.SUPERVISOR)
    base = _fingerprint(session, content, file_name)
    limit_mb = int(get_setting(session, "upload_max_mb"))
    if len(content) > limit_mb * 1024 * 1024:
        size = len(content) / (1024 * 1024)
        return _refused(base, f"The file is {size:.1f} MB; the upload limit is {limit_mb} MB."), None
    try:
        order = DateOrder(str(options.date_order or get_setting(session, "date_order")).upper())
    except ValueError:
        return _refused(base, f"Unknown date order '{options.date_order}': use DMY, MDY or YMD."), None
    mapping = dict(options.mapping or {})
    if options.mapping_name:
        saved = list_saved_mappings(session)
        if options.mapping_name not in saved:
            known = ", ".join(saved) or "none are saved"
            return _refused(base, f"No saved column mapping '{options.mapping_name}' ({known})."), None
        mapping = {**saved[options.mapping_name], **mapping}
    progress(0.05, "Reading the file…")
    try:
        table = read_attendance_table(content, file_name, sheet=options.sheet)
        layout = compute_layout(table.header, mapping=mapping, order=order)
        raw = compute_layout_sheet(table, layout)
    except FileRefusedError as exc:
        return _refused(base, str(exc)), None
    described = replace(
        base,
        file_columns=table.header,
        mapping=layout.named(table.header),
        wide_sessions=tuple(table.header[position] for position, _, _ in layout.wide),
        date_order=order.value,
    )
    progress(0.25, f"Checking {len(raw.frame):,} rows…")
    supervisor_id = user.id if user is not None and user.role == Role.SUPERVISOR else None
    validation = _validate(session, raw, supervisor_id=supervisor_id, now=now, order=order)
    report = replace(
        described,
        rows_total=validation.rows_total,
        row_errors=tuple(RowError(row, message) for row, message in validation.row_errors),
        missing_columns=validation.missing_columns,
        bad_rows_csv=to_csv_bytes(validation.bad_rows) if len(validation.bad_rows) else b"",
    )
    return report, (validation if validation.ok else None)


def _fingerprint(session: Session, content: bytes, file_name: str) -> AttendanceImportReport:
    """An empty report carrying the file's hash and the batch that last imported the same bytes."""
    sha = hashlib.sha256(content).hexdigest()
    previous = repo.get_latest_batch_by_sha(session, sha)
    previous_batch = summarize_batches(session, [previous.id])[0] if previous else None
    return AttendanceImportReport(file_name=file_name, sha256=sha, previous_batch=previous_batch)


def _validate(
    session: Session, raw: RawSheet, *, supervisor_id: int | None, now: datetime, order: DateOrder
) -> AttendanceValidation:
    """Validate every row against the stored trainees, departments and sessions."""
    directory = build_trainee_directory(repo.list_trainee_keys(session))
    known_sessions = repo.list_session_labels(session, compute_session_labels_to_match(raw))
    return validate_attendance(
        raw,
        directory=directory,
        departments=repo.list_department_ids(session),
        today=programme_date(now),
        supervisor_id=supervisor_id,
        known_sessions=known_sessions,
        date_order=order,
        vocabulary=status_vocabulary(session),
    )


def _refused(base: AttendanceImportReport, message: str) -> AttendanceImportReport:
    return replace(base, refusal=message)


def _counted(
    report: AttendanceImportReport, inserted: int, updated: int, *, imported: bool = False, batch_id: int | None = None
) -> AttendanceImportReport:
    return replace(
        report,
        inserted=inserted,
        updated=updated,
        unchanged=report.rows_total - inserted - updated,
        imported=imported,
        batch_id=batch_id,
    )


def _audit_attempt(
    session: Session, actor: UserSummary, report: AttendanceImportReport, *, now: datetime, action: str
) -> None:
    details: dict[str, object] = {
        "file": report.file_name,
        "sha256": report.sha256,
        "rows": report.rows_total,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "errors": len(report.problem_lines),
    }
    if report.refusal:
        details["refusal"] = report.refusal[:300]
    if report.mapping:
        details["mapping"] = {name: column for name, column in report.mapping}
    if report.problem_lines:
        details["first_error"] = report.problem_lines[0][:300]
    record_event(
        session,
        actor=actor,
        action=action,
        now=now,
        entity_type="import_batch",
        entity_id=report.batch_id,
        details=details,
    )


def problems_csv(report: AttendanceImportReport) -> bytes:
    """Every reason for refusal as a CSV (row, problem): also for a file refused as a whole (row empty)."""
    if report.problems:
        rows: list[object] = [p.row for p in report.problems]
        messages = [p.message for p in report.problems]
    else:
        rows, messages = [""], list(report.problem_lines)
    return to_csv_bytes(pd.DataFrame({"row": rows, "problem": messages}))


def attendance_template_csv() -> bytes:
    """A small example file with every column, for the upload screen."""
    return TEMPLATE_CSV.encode("utf-8")
