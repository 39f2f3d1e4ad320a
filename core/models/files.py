"""Files kept in the database (issue 19): archived reports today, portfolios later.

Every web replica reads the same rows, and the nightly backup (pg_dump / SQLite backup) contains them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class StoredFile(Base):
    """One file's bytes with what a download needs; `content` is loaded only when asked for (deferred)."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    def __repr__(self) -> str:
        return f"StoredFile(id={self.id!r}, purpose={self.purpose!r}, file_name={self.file_name!r})"
