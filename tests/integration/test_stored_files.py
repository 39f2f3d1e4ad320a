"""Files kept in the database (issue 19): bytes come back identical, in chunks, on both backends."""

from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy.orm import Session

from core.services.stored_files import delete_files, iter_file, read_file, store_file

NOW = datetime(2026, 11, 20, 10, 0)


def test_a_file_larger_than_a_chunk_reads_back_byte_for_byte_in_chunks(session: Session) -> None:
    content = os.urandom(2 * 1024 * 1024 + 12_345)  # incompressible, like a PDF: three 1 MiB chunks
    file_id = store_file(
        session, purpose="report", file_name="big.pdf", mime="application/pdf", content=content, now=NOW
    )
    session.expire_all()
    chunks = iter_file(session, file_id)
    assert chunks is not None
    parts = list(chunks)
    assert [len(p) for p in parts] == [1024 * 1024, 1024 * 1024, 12_345]
    assert b"".join(parts) == content == read_file(session, file_id)
    small = list(iter_file(session, file_id, chunk_bytes=1000) or [])
    assert b"".join(small) == content and len(small) == -(-len(content) // 1000)


def test_an_empty_file_and_a_missing_one(session: Session) -> None:
    empty = store_file(session, purpose="report", file_name="e.csv", mime="text/csv", content=b"", now=NOW)
    assert read_file(session, empty) == b""
    assert delete_files(session, [empty, empty]) == 1
    assert read_file(session, empty) is None and iter_file(session, empty) is None
