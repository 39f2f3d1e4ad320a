"""Logbook entries and their status history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, check_in
from core.rules.values import EntryStatus


class LogbookEntry(Base):
    __tablename__ = "logbook_entries"
    __table_args__ = (
        check_in("status", EntryStatus, name="status_valid"),
        # The dashboard overview (issue 18, migration 0014) counts entries off these indexes alone: each holds
        # the trainee (joined to users for the viewer's scope) and the status, not only the column it ranges over.
        Index("ix_logbook_entries_status_submitted", "status", "submitted_at", "trainee_id"),
        Index("ix_logbook_entries_trainee_status", "trainee_id", "status"),
        Index("ix_logbook_entries_case_date", "case_date", "trainee_id", "status"),
        # The queue 30 days ago (core.repositories.analytics.pending_at_query): entries not decided by then are
        # few (undecided, or decided since), at the two ends of this index.
        Index("ix_logbook_entries_decided_submitted", "decided_at", "submitted_at", "trainee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    title: Mapped[str] = mapped_column(String(200))
    case_date: Mapped[date]
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    reflection: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), server_default=EntryStatus.DRAFT)
    submitted_at: Mapped[datetime | None]
    # Every decision (approve, return, reject) records its decider and time here ...
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # ... and only an approval sets the verifier: verified means approved (DESIGN.md §4.3).
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    feedback: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def __repr__(self) -> str:
        return f"LogbookEntry(id={self.id!r}, trainee_id={self.trainee_id!r}, status={self.status!r})"


class LogbookStatusChange(Base):
    __tablename__ = "logbook_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("logbook_entries.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    comment: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"LogbookStatusChange(entry_id={self.entry_id!r}, {self.from_status}->{self.to_status})"
