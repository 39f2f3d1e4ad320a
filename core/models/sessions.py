"""Server-side sign-in sessions: the signed cookie names one of these rows, and only a live row signs anyone in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class UserSession(Base):
    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of the random session id carried in the cookie (the id itself is never stored).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    client: Mapped[str | None] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"UserSession(id={self.id!r}, user_id={self.user_id!r}, ended_at={self.ended_at!r})"


class VerifyAttempt(Base):
    """One document check on the public /verify page, by a client (sha256 of its address or browser session).

    Rows older than a minute are deleted on the next check; the table is shared by every replica.
    """

    __tablename__ = "verify_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_hash: Mapped[str] = mapped_column(String(64), index=True)
    attempted_at: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"VerifyAttempt(id={self.id!r}, attempted_at={self.attempted_at!r})"
