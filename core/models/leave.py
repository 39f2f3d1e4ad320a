"""Leave requests (with an optional supporting document) and condonations (exemptions for a period)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.models.base import Base, check_in
from core.rules.values import CondonationStatus, LeaveStatus


class LeaveRequest(Base):
    """A trainee's leave, recorded by them or an admin on their behalf, decided by an admin."""

    __tablename__ = "leave_requests"
    __table_args__ = (
        check_in("status", LeaveStatus, name="status_valid"),
        CheckConstraint("start_date <= end_date", name="dates_ordered"),
        # Eligibility asks "is this trainee on approved leave on this date?" for every counted record.
        Index("ix_leave_requests_trainee_status_dates", "trainee_id", "status", "start_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    leave_type: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), server_default=LeaveStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str | None] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment_type: Mapped[str | None] = mapped_column(String(60))
    # Loaded only when someone downloads it: lists never carry the bytes.
    attachment: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    def __repr__(self) -> str:
        return (
            f"LeaveRequest(id={self.id!r}, trainee_id={self.trainee_id!r}, type={self.leave_type!r}, "
            f"{self.start_date!r}..{self.end_date!r}, status={self.status!r})"
        )


class Condonation(Base):
    """An exemption from the attendance threshold for a period, raised by one admin and decided by another."""

    __tablename__ = "condonations"
    __table_args__ = (
        check_in("status", CondonationStatus, name="status_valid"),
        Index("ix_condonations_trainee_status", "trainee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    period: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[date]
    period_end: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), server_default=CondonationStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"Condonation(id={self.id!r}, trainee_id={self.trainee_id!r}, period={self.period!r})"
