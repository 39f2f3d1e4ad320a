"""Files kept in the database (kernel): any web replica serves them and the backups contain them.

A domain stores a file's bytes here and keeps the returned id on its own row (report_runs.file_id);
reading gives the bytes back in chunks, so a large file never comes over the wire as one value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.models import StoredFile

CHUNK_BYTES = 1024 * 1024


def store_file(session: Session, *, purpose: str, file_name: str, mime: str, content: bytes, now: datetime) -> int:
    """Keep `content` in the database; returns the new file's id (the caller's transaction decides)."""
    row = StoredFile(
        purpose=purpose,
        file_name=file_name,
        mime=mime,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        created_at=now,
        content=content,
    )
    session.add(row)
    session.flush()
    return row.id


def iter_file(session: Session, file_id: int, *, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes] | None:
    """The file's bytes in chunks of `chunk_bytes` (None when there is no such file)."""
    size = session.scalar(select(StoredFile.size_bytes).where(StoredFile.id == file_id))
    if size is None:
        return None
    return _chunks(session, file_id, int(size), chunk_bytes)


def _chunks(session: Session, file_id: int, size: int, chunk_bytes: int) -> Iterator[bytes]:
    for start in range(0, size, chunk_bytes):
        # substr() counts from 1 on both backends (bytea on PostgreSQL, BLOB on SQLite).
        chunk = session.scalar(
            select(func.substr(StoredFile.content, start + 1, chunk_bytes)).where(StoredFile.id == file_id)
        )
        yield bytes(chunk or b"")


def read_file(session: Session, file_id: int) -> bytes | None:
    """The whole file (None when there is no such file)."""
    chunks = iter_file(session, file_id)
    return None if chunks is None else b"".join(chunks)


def delete_files(session: Session, file_ids: Iterable[int]) -> int:
    """Delete stored files by id; returns how many rows went."""
    ids = sorted(set(file_ids))
    if not ids:
        return 0
    result = session.execute(
        delete(StoredFile).where(StoredFile.id.in_(ids)).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
