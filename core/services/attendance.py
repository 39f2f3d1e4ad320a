"""Attendance upload: check a whole file, preview, import all or nothing, history and undo.

Every attempt, accepted or refused, and every undo is audited with its counts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.config import get_settings
from core.dto import AttendanceImportReport, ImportBatchSummary, UndoReport, UserSummary
from core.errors import InvalidInputError, NotFoundError, PermissionDeniedError
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
from core.rules.attendance_files import FileRefusedError, list_xlsx_sheets, read_attendance_file
from core.services import rollups
from core.services.access import authorize
from core.services.audit import record_event
from core.services.settings import get_setting

Progress = Callable[[float, str], None]
TEMPLATE_CSV = (
    "trainee_id,session_date,session,status,department,check_in_time,remarks\n"
    "PG2025-0001,2026-11-02,AM,present,Internal Medicine,2026-11-02T08:02,\n"
    "PG2025-0001,2026-11-02,PM,late,,13:20,Traffic\n"
    "PG2026-0002,2026-11-02,AM,leave,,,Annual leave\n"
)


def _no_progress(_fraction: float, _message: str) -> None:
    return None


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
) -> AttendanceImportReport:
    """Check the whole file and count what an import would insert, update and leave unchanged.

    Writes nothing, except the audit event of a refused attempt.

    Raises:
        PermissionDeniedError: the actor may not upload attendance.
    """
    report, validation = _check(
        session, actor, content=content, file_name=file_name, sheet=sheet, now=now, progress=progress or _no_progress
    )
    if validation is None:
        _audit_attempt(session, actor, report, now=now, action="attendance_import_refused")
        return report
    step = progress or _no_progress
    step(0.6, "Comparing with stored attendance…")
    repo.stage_rows(session, validation.rows)
    inserted, updated = repo.count_staged_changes(session, validation.compared_columns)
    repo.drop_staging(session)
    step(1.0, "Checked.")
    return _counted(report, inserted, updated)


def import_attendance(
    session: Session,
    actor: UserSummary,
    *,
    content: bytes,
    file_name: str,
    now: datetime,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> AttendanceImportReport:
    """Check the whole file and, only if every row is valid, write it as one import batch.

    A key seen before is updated (its previous values kept for undo); unchanged rows are skipped.
    A refused file writes nothing but its audit event.

    Raises:
        PermissionDeniedError: the actor may not upload attendance.
    """
    step = progress or _no_progress
    report, validation = _check(
        session, actor, content=content, file_name=file_name, sheet=sheet, now=now, progress=step
    )
    if validation is None:
        _audit_attempt(session, actor, report, now=now, action="attendance_import_refused")
        return report
    step(0.5, "Writing…")
    repo.lock_imports(session)
    batch = ImportBatch(
        file_name=file_name[:255],
        sha256=report.sha256,
        actor_id=actor.id,
        created_at=now,
        state="imported",
        rows_total=report.rows_total,
    )
    session.add(batch)
    session.flush()
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
    done = _counted(report, inserted, updated, imported=True, batch_id=batch.id)
    _audit_attempt(session, actor, done, now=now, action="attendance_imported")
    session.flush()
    step(1.0, "Imported.")
    return done


def _check(
    session: Session,
    actor: UserSummary,
    *,
    content: bytes,
    file_name: str,
    sheet: str | None,
    now: datetime,
    progress: Progress,
) -> tuple[AttendanceImportReport, AttendanceValidation | None]:
    """Authorise, size-check, parse and validate; the validation is None when the file is refused."""
    user = authorize(session, actor, "admin", "supervisor")
    sha = hashlib.sha256(content).hexdigest()
    previous = repo.get_latest_batch_by_sha(session, sha)
    base = AttendanceImportReport(
        file_name=file_name, sha256=sha, previous_batch=_summaries(session, [previous.id])[0] if previous else None
    )
    limit_mb = int(get_setting(session, "upload_max_mb"))
    if len(content) > limit_mb * 1024 * 1024:
        size = len(content) / (1024 * 1024)
        return _refused(base, f"The file is {size:.1f} MB; the upload limit is {limit_mb} MB."), None
    progress(0.05, "Reading the file…")
    try:
        raw = read_attendance_file(content, file_name, sheet=sheet)
    except FileRefusedError as exc:
        return _refused(base, str(exc)), None
    progress(0.25, f"Checking {len(raw.frame):,} rows…")
    directory = build_trainee_directory(repo.list_trainee_keys(session))
    supervisor_id = user.id if user is not None and user.role == "supervisor" else None
    known_sessions = repo.list_session_labels(session, compute_session_labels_to_match(raw))
    validation = validate_attendance(
        raw,
        directory=directory,
        departments=repo.list_department_ids(session),
        today=_local_today(now),
        supervisor_id=supervisor_id,
        known_sessions=known_sessions,
    )
    report = AttendanceImportReport(
        file_name=file_name,
        sha256=sha,
        rows_total=validation.rows_total,
        errors=validation.errors,
        missing_columns=validation.missing_columns,
        previous_batch=base.previous_batch,
        bad_rows_csv=to_csv_bytes(validation.bad_rows) if len(validation.bad_rows) else b"",
    )
    return report, (validation if validation.ok else None)


def _local_today(now: datetime) -> date:
    """Today in the programme's time zone (a session held this morning is not 'in the future')."""
    try:
        zone = ZoneInfo(get_settings().timezone)
    except (KeyError, ValueError):
        return now.date()
    return now.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).date()


def _refused(base: AttendanceImportReport, message: str) -> AttendanceImportReport:
    return AttendanceImportReport(
        file_name=base.file_name, sha256=base.sha256, refusal=message, previous_batch=base.previous_batch
    )


def _counted(
    report: AttendanceImportReport, inserted: int, updated: int, *, imported: bool = False, batch_id: int | None = None
) -> AttendanceImportReport:
    return AttendanceImportReport(
        file_name=report.file_name,
        sha256=report.sha256,
        rows_total=report.rows_total,
        inserted=inserted,
        updated=updated,
        unchanged=report.rows_total - inserted - updated,
        imported=imported,
        batch_id=batch_id,
        previous_batch=report.previous_batch,
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


def list_import_batches(session: Session, actor: UserSummary, *, limit: int = 500) -> list[ImportBatchSummary]:
    """Import history, newest first: admins see every batch, supervisors their own.

    Raises:
        PermissionDeniedError: the actor may not upload attendance.
    """
    user = authorize(session, actor, "admin", "supervisor")
    only_own = user is not None and user.role == "supervisor"
    rows = repo.list_batches(session, actor_id=actor.id, only_actor=only_own, limit=limit)
    return [_summary(*row) for row in rows]


def _summaries(session: Session, batch_ids: list[int]) -> list[ImportBatchSummary]:
    return [_summary(*row) for row in repo.list_batches(session, batch_ids=batch_ids)]


def _summary(batch: ImportBatch, imported_by: str | None, undone_by: str | None) -> ImportBatchSummary:
    return ImportBatchSummary(
        id=batch.id,
        file_name=batch.file_name,
        sha256=batch.sha256,
        imported_by=imported_by or "system",
        imported_at=batch.created_at,
        state=batch.state,
        rows_total=batch.rows_total,
        inserted=batch.inserted,
        updated=batch.updated,
        unchanged=batch.unchanged,
        undone_at=batch.undone_at,
        undone_by=undone_by or ("system" if batch.undone_at else None),
    )


def describe_batch(batch: ImportBatchSummary) -> str:
    """'batch #7 (march.csv, imported 2026-11-20 10:00 by admin)'."""
    return f"batch #{batch.id} ({batch.file_name}, imported {batch.imported_at:%Y-%m-%d %H:%M} by {batch.imported_by})"


def undo_import_batch(session: Session, actor: UserSummary, *, batch_id: int, now: datetime) -> UndoReport:
    """Remove the rows a batch inserted and restore the rows it updated, unless a later batch
    changed the same rows (then nothing changes and the message names that batch).

    Raises:
        PermissionDeniedError: not an admin, or a supervisor undoing someone else's batch.
        NotFoundError: no such batch.
    """
    user = authorize(session, actor, "admin", "supervisor")
    repo.lock_imports(session)
    batch = repo.get_batch(session, batch_id)
    if batch is None:
        raise NotFoundError(f"No import batch #{batch_id}.")
    if user is not None and user.role == "supervisor" and batch.actor_id != user.id:
        raise PermissionDeniedError("Supervisors can undo only the batches they imported.")
    refusal = _undo_refusal(session, batch)
    if refusal:
        record_event(
            session,
            actor=actor,
            action="attendance_undo_refused",
            now=now,
            entity_type="import_batch",
            entity_id=batch_id,
            details={"file": batch.file_name, "reason": refusal},
        )
        return UndoReport(batch_id=batch_id, undone=False, message=refusal)
    months = repo.list_batch_months(session, batch_id)
    deleted, restored = repo.undo_batch_rows(session, batch_id)
    batch.state, batch.undone_at, batch.undone_by_id = "undone", now, actor.id
    if months:
        rollups.refresh_attendance_months(session, months)
    record_event(
        session,
        actor=actor,
        action="attendance_import_undone",
        now=now,
        entity_type="import_batch",
        entity_id=batch_id,
        details={"file": batch.file_name, "deleted": deleted, "restored": restored},
    )
    session.flush()
    return UndoReport(
        batch_id=batch_id,
        undone=True,
        deleted=deleted,
        restored=restored,
        message=f"Undid batch #{batch_id}: removed {deleted:,} rows, restored {restored:,}.",
    )


def _undo_refusal(session: Session, batch: ImportBatch) -> str | None:
    if batch.state != "imported":
        return f"Batch #{batch.id} was already undone."
    later = repo.list_later_batch_ids(session, batch.id)
    if not later:
        return None
    names = "; ".join(describe_batch(b) for b in sorted(_summaries(session, later), key=lambda b: -b.id))
    return f"Cannot undo batch #{batch.id}: a later import changed the same rows: {names}. Undo that batch first."


def attendance_template_csv() -> bytes:
    """A small example file with every column, for the upload screen."""
    return TEMPLATE_CSV.encode("utf-8")
