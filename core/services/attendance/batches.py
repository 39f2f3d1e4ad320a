"""Attendance import batches: the history, and undoing a whole batch.

Every undo, done, refused or denied, is audited with its counts. A refused or denied undo is
reported, not raised, so that its audit row commits with the caller's transaction (the UI's
`session_scope` rolls back on any exception).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.dto import ImportBatchSummary, UndoReport, UserSummary
from core.errors import NotFoundError
from core.models import ImportBatch, User
from core.repositories import attendance as repo
from core.rules.values import ImportBatchState, Role
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
    """'batch #7 (march.csv, imported 2026-11-20 10:00 by admin)'."""
    return f"batch #{batch.id} ({batch.file_name}, imported {batch.imported_at:%Y-%m-%d %H:%M} by {batch.imported_by})"


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
