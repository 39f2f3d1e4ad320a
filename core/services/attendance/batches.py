"""Attendance import batches: the history, and undoing a whole batch.

Every undo, done, refused or denied, is audited with its counts. A refused or denied undo is
reported, not raised, so that its audit row commits with the caller's transaction (the UI's
`session_scope` rolls back on any exception).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from core.dto import AttendanceRecordView, ImportBatchSummary, UndoReport, UserSummary
from core.errors import InvalidInputError, NotFoundError
from core.models import ImportBatch, User
from core.repositories import attendance as repo
from core.rules.attendance import MAX_REMARKS_LENGTH
from core.rules.values import AttendanceStatus, ImportBatchKind, ImportBatchState, Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.dashboards import rollups


def list_import_batches(session: Session, actor: UserSummary, *, limit: int = 500) -> list[ImportBatchSummary]:
    """Import history, newest first: admins see every batch, supervisors their own.

    Raises:
        PermissionDeniedError: the actor may not upload attendance.
    """
    user = authorize(session, actor, Role.ADMIN, Role.SUPERVISOR)
    only_own = user is not None and user.role == Role.SUPERVISOR
    rows = repo.list_batches(session, actor_id=actor.id, only_actor=only_own, limit=limit)
    return [_summary(*row) for row in rows]


def summarize_batches(session: Session, batch_ids: list[int]) -> list[ImportBatchSummary]:
    """The history entries of the given batches."""
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
    """'batch #7 (march.csv, imported 2026-11-20 10:00 by admin)'; a correction says so."""
    if batch.file_name.startswith(CORRECTION_PREFIX):
        what = batch.file_name.removeprefix(CORRECTION_PREFIX)
        return f"correction #{batch.id} ({what}, made {batch.imported_at:%Y-%m-%d %H:%M} by {batch.imported_by})"
    return f"batch #{batch.id} ({batch.file_name}, imported {batch.imported_at:%Y-%m-%d %H:%M} by {batch.imported_by})"


CORRECTION_PREFIX = "correction: "


def find_attendance_record(
    session: Session, actor: UserSummary, *, trainee: str, session_date: date, session_label: str
) -> AttendanceRecordView | None:
    """The stored record of (registration number, date, session), or None (admins).

    Raises:
        PermissionDeniedError: the actor is not an admin.
    """
    authorize(session, actor, Role.ADMIN)
    record = repo.find_record(session, trainee, session_date, session_label.strip())
    if record is None:
        return None
    return AttendanceRecordView(
        id=record.id,
        trainee=trainee.strip().upper(),
        session_date=record.session_date,
        session=record.session,
        status=record.status,
        remarks=record.remarks,
        batch_id=record.batch_id,
    )


def correct_attendance_record(
    session: Session,
    actor: UserSummary,
    *,
    record_id: int,
    status: str,
    remarks: str | None,
    reason: str,
    now: datetime,
) -> ImportBatchSummary:
    """Correct one record's status and remarks (admins), with a required reason.

    The correction is written as a one-row batch (kind 'correction') keeping the old values, so it
    is audited with old and new values, can be undone, and blocks the undo of an older batch that
    wrote the same row (the refusal names it). Eligibility and roll-ups are refreshed for its month.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: no such record.
        InvalidInputError: no reason, an unknown status, remarks too long, or nothing would change.
    """
    authorize(session, actor, Role.ADMIN)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInputError("Say why the record is corrected: the reason is required.")
    try:
        new_status = AttendanceStatus(str(status).strip().lower())
    except ValueError:
        raise InvalidInputError(f"'{status}' is not a status (present, late, absent, excused).") from None
    new_remarks = (remarks or "").strip() or None
    if new_remarks is not None and len(new_remarks) > MAX_REMARKS_LENGTH:
        raise InvalidInputError(f"Remarks are longer than {MAX_REMARKS_LENGTH} characters.")
    repo.lock_imports(session)
    record = repo.get_record(session, record_id)
    if record is None:
        raise NotFoundError(f"No attendance record #{record_id}.")
    if record.status == new_status and record.remarks == new_remarks:
        raise InvalidInputError("Nothing to correct: the status and remarks are already these.")
    old = {"status": record.status, "remarks": record.remarks}
    batch = ImportBatch(
        file_name=(CORRECTION_PREFIX + f"record #{record.id} {record.session_date:%Y-%m-%d} {record.session}")[:255],
        sha256="correction",
        actor_id=actor.id,
        created_at=now,
        state=ImportBatchState.IMPORTED,
        kind=ImportBatchKind.CORRECTION,
        reason=reason,
        rows_total=1,
        updated=1,
    )
    session.add(batch)
    session.flush()
    repo.add_change(session, batch.id, record)
    record.status, record.remarks, record.batch_id = new_status, new_remarks, batch.id
    session.flush()
    rollups.refresh_attendance_months(session, [record.session_date.replace(day=1)])
    record_event(
        session,
        actor=actor,
        action="attendance_record_corrected",
        now=now,
        entity_type="attendance_record",
        entity_id=record.id,
        details={
            "batch": batch.id,
            "reason": reason,
            "old": old,
            "new": {"status": new_status.value, "remarks": new_remarks},
        },
    )
    session.flush()
    return summarize_batches(session, [batch.id])[0]


def undo_import_batch(session: Session, actor: UserSummary, *, batch_id: int, now: datetime) -> UndoReport:
    """Remove the rows a batch inserted and restore the rows it updated.

    Nothing changes, and the report says why, when a supervisor tries to undo someone else's
    batch, the batch was already undone, or a later batch changed the same rows (the message
    names that batch).

    Raises:
        PermissionDeniedError: the actor may not upload attendance at all.
        NotFoundError: no such batch.
    """
    user = authorize(session, actor, Role.ADMIN, Role.SUPERVISOR)
    batch = _lock_batch(session, batch_id)
    refusal = _undo_refusal(session, user, batch)
    if refusal:
        return _refuse_undo(session, actor, batch, *refusal, now=now)
    months = repo.list_batch_months(session, batch_id)
    deleted, restored = repo.undo_batch_rows(session, batch_id)
    batch.state, batch.undone_at, batch.undone_by_id = ImportBatchState.UNDONE, now, actor.id
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


def _lock_batch(session: Session, batch_id: int) -> ImportBatch:
    """Take the import lock and load the batch. Raises NotFoundError when there is none."""
    repo.lock_imports(session)
    batch = repo.get_batch(session, batch_id)
    if batch is None:
        raise NotFoundError(f"No import batch #{batch_id}.")
    return batch


def _undo_refusal(session: Session, user: User | None, batch: ImportBatch) -> tuple[str, str] | None:
    """The audit action and message when `user` (None is the system actor) may not undo `batch` now."""
    if user is not None and user.role == Role.SUPERVISOR and batch.actor_id != user.id:
        return "attendance_undo_denied", "Supervisors can undo only the batches they imported."
    if batch.state != ImportBatchState.IMPORTED:
        return "attendance_undo_refused", f"Batch #{batch.id} was already undone."
    later = repo.list_later_batch_ids(session, batch.id)
    if not later:
        return None
    names = "; ".join(describe_batch(b) for b in sorted(summarize_batches(session, later), key=lambda b: -b.id))
    message = f"Cannot undo batch #{batch.id}: a later import changed the same rows: {names}. Undo that batch first."
    return "attendance_undo_refused", message


def _refuse_undo(
    session: Session, actor: UserSummary, batch: ImportBatch, action: str, reason: str, *, now: datetime
) -> UndoReport:
    """Audit an undo that changes nothing, with the batch's own counts, and report it."""
    record_event(
        session,
        actor=actor,
        action=action,
        now=now,
        entity_type="import_batch",
        entity_id=batch.id,
        details={"file": batch.file_name, "inserted": batch.inserted, "updated": batch.updated, "reason": reason},
    )
    session.flush()
    return UndoReport(batch_id=batch.id, undone=False, message=reason)
