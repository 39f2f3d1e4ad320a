"""Generated report files (the archive), scheduled job runs and the scheduler heartbeat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class JobRun(Base):
    """One execution of a scheduled job (by the scheduler, the Run now button or the CLI)."""

    __tablename__ = "job_runs"
    __table_args__ = (
        # A scheduled time runs at most once, whichever sidecar got there (manual runs have NULL).
        UniqueConstraint("job_id", "scheduled_for", name="uq_job_runs_job_scheduled"),
        Index("ix_job_runs_job_started", "job_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(60))
    trigger: Mapped[str] = mapped_column(String(12))
    scheduled_for: Mapped[datetime | None]
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(12))
    dry_run: Mapped[bool] = mapped_column(Boolean, server_default=false())
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    triggered_by: Mapped[str | None] = mapped_column(String(64))
    instance: Mapped[str | None] = mapped_column(String(120))

    def __repr__(self) -> str:
        return f"JobRun(id={self.id!r}, job_id={self.job_id!r}, status={self.status!r})"


class ReportRun(Base):
    """One generated report file kept in the archive (on demand or scheduled)."""

    __tablename__ = "report_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    file_format: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    file_name: Mapped[str] = mapped_column(String(200))
    # The bytes live in the database (stored_files), so any web replica serves the download.
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer, server_default="0")
    checksum: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_username: Mapped[str] = mapped_column(String(64))
    # The viewer scope the file was built with: who else may download it from the archive.
    scope_role: Mapped[str] = mapped_column(String(20))
    scope_user_id: Mapped[int | None] = mapped_column(Integer)
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"ReportRun(id={self.id!r}, kind={self.kind!r}, status={self.status!r})"


class SchedulerHeartbeat(Base):
    """The last sign of life of each scheduler sidecar (leader or standby)."""

    __tablename__ = "scheduler_heartbeats"

    instance: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(120))
    pid: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime] = mapped_column(index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    next_runs: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"SchedulerHeartbeat(instance={self.instance!r}, role={self.role!r}, beat_at={self.beat_at!r})"
