"""Cached reads of document requests."""

from __future__ import annotations

import streamlit as st

from core.clock import utcnow
from core.dto import (
    DocumentRequestItem,
    UserSummary,
    VerificationOutcome,
)
from core.services.documents import requests as document_service
from core.services.documents import transcripts as transcript_service
from portal.db import session_scope


@st.cache_data(ttl=30, show_spinner=False)
def requests(actor: UserSummary) -> list[DocumentRequestItem]:
    with session_scope() as session:
        return list(document_service.list_document_requests(session, actor))


def document_file(actor: UserSummary, request_id: int) -> tuple[str, bytes]:
    """An issued PDF (file name, bytes) in the actor's scope; not cached (large, and read once when picked)."""
    with session_scope() as session:
        return document_service.get_document_file(session, actor, request_id=request_id)


def verification(token: str | None) -> VerificationOutcome:
    """What the public verify page may show for a QR token, checked against the clock now (not cached)."""
    with session_scope() as session:
        return transcript_service.verify_token(session, token=token, now=utcnow())


def clear() -> None:
    """Forget every cached documents read (the invalidation table decides when)."""
    requests.clear()
