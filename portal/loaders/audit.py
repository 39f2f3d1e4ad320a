"""Cached reads of the audit log (and its full CSV, built when downloaded)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from core.dto import (
    UserSummary,
)
from core.exports import present_frame, to_csv_bytes
from core.services import audit as audit_service
from portal.db import get_session_factory, session_scope


@st.cache_data(ttl=30, show_spinner="Loading the audit log…")
def events(
    actor: UserSummary, actor_username: str | None, action: str | None, start: date | None, end: date | None
) -> pd.DataFrame:
    with session_scope() as session:
        return audit_service.list_audit_events(
            session, actor, actor_username=actor_username, action=action, start=start, end=end
        )


def events_csv(
    actor: UserSummary, actor_username: str | None, action: str | None, start: date | None, end: date | None
) -> Callable[[], bytes]:
    """Every matching audit event (no on-screen cap) as formula-safe CSV, built only when downloaded."""
    factory = get_session_factory()  # here, in the script thread: the download runs on another thread

    def build() -> bytes:
        with factory.begin() as session:
            frame = audit_service.list_audit_events(
                session, actor, actor_username=actor_username, action=action, start=start, end=end, limit=None
            )
        return to_csv_bytes(present_frame(frame.rename(columns={"actor": "username"})))

    return build


@st.cache_data(ttl=60, show_spinner=False)
def actions(actor: UserSummary) -> list[str]:
    with session_scope() as session:
        return audit_service.list_audit_actions(session, actor)


def clear() -> None:
    """Forget every cached audit read (the invalidation table decides when)."""
    events.clear()
    actions.clear()
