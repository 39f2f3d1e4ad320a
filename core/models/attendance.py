"""Attendance records, import batches (with what undo needs) and eligibility snapshots."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, check_in
from core.rules.values import AttendanceStatus, ImportBatchKind, ImportBatchState


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    state: Mapped[str] = mapped_column(String(12), server_default=ImportBatchState.IMPORTED)
    rows_total: Mapped[int] = mapped_column(Integer, server_default="0")
    inserted: Mapped[int] = mapped_column(Integer, server_default="0")
    updated: Mapped[int] = mapped_column(Integer, server_default="0")
    unchanged: Mapped[int] = mapped_column(Integer, server_default="0")
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A correction of one record is a batch too, so a later undo of an older batch refuses naming it.
    kind: Mapped[str] = mapped_column(String(12), server_default=ImportBatchKind.IMPORT)
    reason: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"ImportBatch(id={self.id!r}, file_name={self.file_name!r}, state={self.state!r})"


class AttendanceRecord(Base):
    __tablename__ = "attendance_records"
    __table_args__ = (
        UniqueConstraint("trainee_id", "session_date", "session", name="uq_attendance_key"),
        check_in("status", AttendanceStatus, name="status_valid"),
        Index("ix_attendance_records_date", "session_date"),
        Index("ix_attendance_records_dept_date", "department_id", "session_date"),
        # Rows of one import are stored together, so a tiny BRIN index finds them for undo.
        Index("ix_attendance_records_created_batch_id", "created_batch_id", postgresql_using="brin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    session_date: Mapped[date]
    session: Mapped[str] = mapped_column(String(40))
    # A copy of the department the import looked up (departments are never deleted); no
    # foreign-key trigger per row (migration 0003).
    department_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    check_in_time: Mapped[datetime | None]
    remarks: Mapped[str | None] = mapped_column(Text)
    # created_batch_id lets undo delete what a batch inserted without storing a copy per row;
    # batch_id (last writer) lets undo refuse when a later batch touched the same row.
    # Both are plain integers (import_batches.id; batches are never deleted): a foreign-key
    # trigger per row would double the cost of a million-row import (migration 0003).
    created_batch_id: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self) -> str:
        return (
            f"AttendanceRecord(trainee_id={self.trainee_id!r}, date={self.session_date!r}, "
            f"session={self.session!r}, status={self.status!r})"
        )


class AttendanceChange(Base):
    """The previous values of a row that an import batch updated (for undo)."""

    __tablename__ = "attendance_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    record_id: Mapped[int] = mapped_column(Integer, index=True)
    prev_status: Mapped[str] = mapped_column(String(10))
    prev_department_id: Mapped[int | None] = mapped_column(Integer)
    prev_check_in_time: Mapped[datetime | None]
    prev_remarks: Mapped[str | None] = mapped_column(Text)
    prev_batch_id: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"AttendanceChange(batch_id={self.batch_id!r}, record_id={self.record_id!r})"


class EligibilitySnapshot(Base):
    __tablename__ = "eligibility_snapshots"
    __table_args__ = (UniqueConstraint("trainee_id", "period", name="uq_snapshot_trainee_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    period: Mapped[str] = mapped_column(String(32), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    sessions: Mapped[int] = mapped_column(Integer)
    attended: Mapped[int] = mapped_column(Integer)
    percentage: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    threshold: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    eligible: Mapped[bool] = mapped_column(Boolean)
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Issue 16: sessions approved leave removed from the denominator, the leave policy in force, and
    # whether an approved condonation made the trainee eligible (with its reason).
    leave_excluded: Mapped[int] = mapped_column(Integer, server_default="0")
    leave_policy: Mapped[str | None] = mapped_column(Text)
    condoned: Mapped[bool] = mapped_column(Boolean, server_default=false())
    condonation_reason: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"EligibilitySnapshot(trainee_id={self.trainee_id!r}, period={self.period!r})"
