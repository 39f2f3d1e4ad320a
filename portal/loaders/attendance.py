"""Cached reads of import batches, eligibility and trainee sessions."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.dto import (
    AttendanceRecordView,
    ImportBatchSummary,
    MissingAttendanceGrid,
    UserSummary,
)
from core.services.attendance import batches as batch_service
from core.services.attendance import eligibility as eligibility_service
from core.services.attendance import monitor as monitor_service
from portal.db import session_scope


@st.cache_data(ttl=30, show_spinner=False)
def import_batches(actor: UserSummary) -> list[ImportBatchSummary]:
    with session_scope() as session:
        return batch_service.list_import_batches(session, actor)


@st.cache_data(ttl=30, show_spinner=False)
def attendance_record(actor: UserSummary, trainee: str, session_date: date, slot: str) -> AttendanceRecordView | None:
    """One stored record, for the admin's single-record correction."""
    with session_scope() as session:
        return batch_service.find_attendance_record(
            session, actor, trainee=trainee, session_date=session_date, session_label=slot
        )


@st.cache_data(ttl=120, show_spinner="Working out eligibility…")
def eligibility_table(
    actor: UserSummary,
    period: str,
    threshold: float,
    department_id: int | None,
    supervisor_id: int | None,
    training_year: int | None = None,
    cohort: str | None = None,
) -> pd.DataFrame:
    with session_scope() as session:
        return eligibility_service.list_eligibility(
            session,
            actor,
            period=period,
            threshold=threshold,
            department_id=department_id,
            supervisor_id=supervisor_id,
            training_year=training_year,
            cohort=cohort,
        )


@st.cache_data(ttl=120, show_spinner=False)
def trainee_sessions(actor: UserSummary, trainee_id: int, period: str) -> pd.DataFrame:
    with session_scope() as session:
        return eligibility_service.list_trainee_sessions(session, actor, trainee_id=trainee_id, period=period)


@st.cache_data(ttl=120, show_spinner="Checking the attendance uploads…")
def missing_attendance(actor: UserSummary, period: str, today: date) -> MissingAttendanceGrid:
    with session_scope() as session:
        return monitor_service.missing_attendance(session, actor, period=period, today=today)


@st.cache_data(ttl=120, show_spinner=False)
def eligibility_snapshot(actor: UserSummary, period: str) -> dict[str, object] | None:
    with session_scope() as session:
        return eligibility_service.get_snapshot_summary(session, actor, period=period)


def clear() -> None:
    """Forget every cached attendance read (the invalidation table decides when)."""
    import_batches.clear()
    attendance_record.clear()
    eligibility_table.clear()
    trainee_sessions.clear()
    eligibility_snapshot.clear()
    missing_attendance.clear()
