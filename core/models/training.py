"""Training progress (issue 17): training-year history, logbook requirements and the roll-up behind progress.

A trainee's current training year and intake cohort live on `users`; every change of either is a
dated row here (`training_year_changes`), so the history is kept and an annual review can find the
window a trainee spent in a given year.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class TrainingYearChange(Base):
    """One change of a trainee's training year or cohort: who, when, from what to what, effective when."""

    __tablename__ = "training_year_changes"
    __table_args__ = (Index("ix_training_year_changes_trainee_effective", "trainee_id", "effective_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    from_year: Mapped[int | None] = mapped_column(Integer)
    to_year: Mapped[int | None] = mapped_column(Integer)
    from_cohort: Mapped[str | None] = mapped_column(String(40))
    to_cohort: Mapped[str | None] = mapped_column(String(40))
    effective_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())

    def __repr__(self) -> str:
        return f"TrainingYearChange(trainee_id={self.trainee_id!r}, {self.from_year}->{self.to_year})"


class LogbookRequirement(Base):
    """A minimum number of approved entries of a category (optionally of one title) in a training year."""

    __tablename__ = "logbook_requirements"
    __table_args__ = (
        CheckConstraint("minimum > 0", name="minimum_positive"),
        CheckConstraint("training_year >= 1", name="year_positive"),
        Index("ix_logbook_requirements_year", "training_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    training_year: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(40))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    title: Mapped[str | None] = mapped_column(String(200))
    # The title as matched: trimmed and lower-cased, the same expression the roll-up stores.
    title_key: Mapped[str | None] = mapped_column(String(200))
    minimum: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def __repr__(self) -> str:
        return f"LogbookRequirement(id={self.id!r}, year={self.training_year!r}, category={self.category!r})"


class LogbookTitleRollup(Base):
    """Approved entries per month, trainee, category and title, kept with the other logbook roll-ups."""

    __tablename__ = "rollup_logbook_titles"
    __table_args__ = (Index("ix_rollup_logbook_titles_trainee_month", "trainee_id", "month"),)

    month: Mapped[date] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    title_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    approved: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"LogbookTitleRollup(month={self.month!r}, trainee_id={self.trainee_id!r}, category={self.category!r})"
