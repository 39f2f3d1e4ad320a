"""The e-mail outbox (sent by the scheduler's send_outbox job) and each user's e-mail preferences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, check_in
from core.rules.values import EmailEvent, OutboxStatus


class OutboxMessage(Base):
    """One e-mail to one address; marked sent only after the SMTP server accepted it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        check_in("status", OutboxStatus, name="status_valid"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))  # in-portal path; made absolute when sent
    event: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.QUEUED, server_default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(250))
    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="OutboxAttachment.id"
    )

    def __repr__(self) -> str:
        return f"OutboxMessage(id={self.id!r}, to={self.to_address!r}, status={self.status!r})"


class OutboxAttachment(Base):
    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"OutboxAttachment(id={self.id!r}, file_name={self.file_name!r})"


class EmailPreference(Base):
    """Whether one user gets one kind of event by e-mail too (no row: the default)."""

    __tablename__ = "email_preferences"
    __table_args__ = (check_in("event", EmailEvent, name="event_valid"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    event: Mapped[str] = mapped_column(String(20), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    def __repr__(self) -> str:
        return f"EmailPreference(user_id={self.user_id!r}, event={self.event!r}, enabled={self.enabled!r})"
