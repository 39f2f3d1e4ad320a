"""The level each trainee was last told about, per period (so each level is announced once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, check_in
from core.rules.values import AlertLevel


class AttendanceAlertState(Base):
    """No row: the trainee is above every level (or recovered), so falling again is announced again."""

    __tablename__ = "attendance_alert_states"
    __table_args__ = (check_in("level", AlertLevel, name="level_valid"),)

    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[str] = mapped_column(String(20))
    announced_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"AttendanceAlertState(trainee_id={self.trainee_id!r}, period={self.period!r}, level={self.level!r})"
