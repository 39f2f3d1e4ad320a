"""Cached reads of document requests."""

from __future__ import annotations

import streamlit as st

from core.dto import (
    DocumentRequestItem,
    UserSummary,
)
from core.services.documents import requests as document_service
from portal.db import session_scope


@st.cache_data(ttl=30, show_spinner=False)
def requests(actor: UserSummary) -> list[DocumentRequestItem]:
    with session_scope() as session:
        return list(document_service.list_document_requests(session, actor))


def clear() -> None:
    """Forget every cached documents read (the invalidation table decides when)."""
    requests.clear()
