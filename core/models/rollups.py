"""Dashboard roll-ups: per trainee and calendar month, maintained by core.services.dashboards.rollups.

Keyed by trainee (not by department or supervisor): a dashboard joins `users` at read time, so
moving a trainee to another supervisor or department needs no refresh and scope always follows
the current assignment. One month of one trainee is one row, 1M raw rows become about 50k.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class LogbookMonthRollup(Base):
    """Logbook entries per status, by the month of their case date."""

    __tablename__ = "rollup_logbook_months"
    __table_args__ = (Index("ix_rollup_logbook_months_trainee_month", "trainee_id", "month"),)

    month: Mapped[date] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    drafts: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer)
    approved: Mapped[int] = mapped_column(Integer)
    returned: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"LogbookMonthRollup(month={self.month!r}, trainee_id={self.trainee_id!r})"


class TurnaroundMonthRollup(Base):
    """Decided entries by whole days from submission to decision (a histogram, so medians stay exact)."""

    __tablename__ = "rollup_turnaround_months"
    __table_args__ = (
        Index("ix_rollup_turnaround_months_trainee_month", "trainee_id", "month"),
        # the dashboard histogram over a window of months, index-only (migration 0015)
        Index("ix_rollup_turnaround_months_month_days", "month", "days", "trainee_id", "decided"),
    )

    month: Mapped[date] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    decided: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"TurnaroundMonthRollup(month={self.month!r}, trainee_id={self.trainee_id!r}, days={self.days!r})"


class AttendanceMonthRollup(Base):
    """Recorded sessions per status, by the month of the session date."""

    __tablename__ = "rollup_attendance_months"
    __table_args__ = (Index("ix_rollup_attendance_months_trainee_month", "trainee_id", "month"),)

    month: Mapped[date] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    sessions: Mapped[int] = mapped_column(Integer)
    attended: Mapped[int] = mapped_column(Integer)
    present: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    absent: Mapped[int] = mapped_column(Integer)
    excused: Mapped[int] = mapped_column(Integer)
    # Unattended sessions on approved leave of an excluded type: already left out of `sessions` (issue 16).
    leave_excluded: Mapped[int] = mapped_column(Integer, server_default="0")

    def __repr__(self) -> str:
        return f"AttendanceMonthRollup(month={self.month!r}, trainee_id={self.trainee_id!r})"
