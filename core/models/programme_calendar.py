"""The programme calendar: holidays and term breaks (programme-wide or one department's), and session weekdays."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, check_in
from core.rules.values import CalendarDayKind


class CalendarClosure(Base):
    """Days without sessions: a holiday or a term break, for the whole programme or one department."""

    __tablename__ = "calendar_closures"
    __table_args__ = (
        check_in("kind", CalendarDayKind, name="kind_valid"),
        CheckConstraint("start_date <= end_date", name="dates_ordered"),
        Index("ix_calendar_closures_dates", "start_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12))
    start_date: Mapped[date]
    end_date: Mapped[date]
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # None: every department
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def __repr__(self) -> str:
        return f"CalendarClosure(id={self.id!r}, name={self.name!r}, {self.start_date!r}..{self.end_date!r})"


class DepartmentWeekdays(Base):
    """Which weekdays a department holds sessions (no row: Monday to Friday)."""

    __tablename__ = "department_weekdays"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    weekdays: Mapped[str] = mapped_column(String(20))  # ISO weekday numbers, "1,2,3,4,5" = Monday to Friday
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def __repr__(self) -> str:
        return f"DepartmentWeekdays(department_id={self.department_id!r}, weekdays={self.weekdays!r})"
