"""Cached read of the runtime settings."""

from __future__ import annotations

import streamlit as st

from core.services import settings as settings_service
from portal.db import session_scope


@st.cache_data(ttl=60, show_spinner=False)
def runtime_settings() -> dict[str, object]:
    with session_scope() as session:
        return settings_service.get_all_settings(session)


def clear() -> None:
    """Forget every cached settings read (the invalidation table decides when)."""
    runtime_settings.clear()
