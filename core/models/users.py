"""Departments and users (every role), with sign-in lockout fields."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, check_in
from core.rules.values import Role


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    users: Mapped[list[User]] = relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"Department(id={self.id!r}, name={self.name!r})"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (check_in("role", Role, name="role_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    registration_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    failed_login_count: Mapped[int] = mapped_column(Integer, server_default="0")
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Provenance for the two-person rule: who created the account, and who last reactivated it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reactivated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Trainees only (issue 17): the current training year (1..N) and the intake cohort; changes are
    # dated rows in training_year_changes.
    training_year: Mapped[int | None] = mapped_column(Integer, index=True)
    cohort: Mapped[str | None] = mapped_column(String(40), index=True)

    department: Mapped[Department | None] = relationship(back_populates="users")
    supervisor: Mapped[User | None] = relationship(remote_side="User.id", foreign_keys=[supervisor_id])

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, username={self.username!r}, role={self.role!r})"
