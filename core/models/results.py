"""Assessments, results (draft -> published -> frozen) with value history, change requests,
document requests and the hashed tokens that verify issued documents."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, check_in
from core.rules.values import ChangeRequestStatus, DocumentKind, DocumentStatus, ResultState


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("department_id", "title", name="uq_assessments_department_title"),
        CheckConstraint("max_score > 0", name="max_positive"),
        CheckConstraint("pass_mark >= 0 AND pass_mark <= max_score", name="pass_mark_range"),
        CheckConstraint("weight > 0 AND weight <= 100", name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    assessment_date: Mapped[date]
    max_score: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    weight: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    group_name: Mapped[str] = mapped_column(String(120), index=True)
    # A group belongs to the assessment's department unless it is explicitly programme-wide (issue 17).
    programme_wide: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # The attendance period (DESIGN 4.2 syntax) whose eligibility gates this assessment.
    eligibility_period: Mapped[str | None] = mapped_column(String(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def __repr__(self) -> str:
        return f"Assessment(id={self.id!r}, title={self.title!r}, group={self.group_name!r})"


class Result(Base):
    __tablename__ = "results"
    __table_args__ = (
        UniqueConstraint("assessment_id", "trainee_id", name="uq_results_assessment_trainee"),
        check_in("state", ResultState, name="state_valid"),
        CheckConstraint("score >= 0", name="score_not_negative"),
        Index("ix_results_trainee_state", "trainee_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    score: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    state: Mapped[str] = mapped_column(String(12), server_default=ResultState.DRAFT)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    frozen_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"Result(id={self.id!r}, trainee_id={self.trainee_id!r}, state={self.state!r}, score={self.score!r})"


class ResultHistory(Base):
    """One row per change of a result's value or state: who, when, old, new, why."""

    __tablename__ = "result_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    old_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    new_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    old_state: Mapped[str | None] = mapped_column(String(12))
    new_state: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text)
    change_request_id: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"ResultHistory(result_id={self.result_id!r}, action={self.action!r})"


class ChangeRequest(Base):
    __tablename__ = "change_requests"
    __table_args__ = (
        check_in("status", ChangeRequestStatus, name="status_valid"),
        Index("ix_change_requests_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(server_default=func.now())
    old_score: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    new_score: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), server_default=ChangeRequestStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"ChangeRequest(id={self.id!r}, result_id={self.result_id!r}, status={self.status!r})"


class DocumentRequest(Base):
    __tablename__ = "document_requests"
    __table_args__ = (
        check_in("kind", DocumentKind, name="kind_valid"),
        check_in("status", DocumentStatus, name="status_valid"),
        Index("ix_document_requests_trainee_status", "trainee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    details: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), server_default=DocumentStatus.PENDING)
    requested_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str | None] = mapped_column(Text)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None]
    file_name: Mapped[str | None] = mapped_column(String(200))
    # Kept in the database so any web replica can serve the download.
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    def __repr__(self) -> str:
        return f"DocumentRequest(id={self.id!r}, kind={self.kind!r}, status={self.status!r})"


class VerificationToken(Base):
    """The sha256 of a document's QR token; the token itself is never stored."""

    __tablename__ = "verification_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    document_kind: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"VerificationToken(id={self.id!r}, trainee_id={self.trainee_id!r}, kind={self.document_kind!r})"
